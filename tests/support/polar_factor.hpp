#pragma once

#include <qsearch/matrix.hpp>

namespace yt_test {

/// The polar factor of an invertible matrix by Newton's iteration X ← (X + X^−†)/2: an
/// independent check of `qs::nearest_unitary`, which iterates without inverses. It converges
/// quadratically from any invertible start; 50 steps are far more than a nearly unitary one needs.
inline qs::matrix polar_factor(const qs::matrix& u) {
  qs::matrix x = u;
  for (int step = 0; step < 50; ++step) {
    const qs::matrix next = (x + x.adjoint().inverse()) / 2;
    if ((next - x).cwiseAbs().maxCoeff() == 0) {
      break;
    }
    x = next;
  }
  return x;
}

} // namespace yt_test
