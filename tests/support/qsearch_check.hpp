#pragma once

#include <qsearch/qasm.hpp>
#include <qsearch/search.hpp>

namespace yt_test {

/// d between `target` and a search result recomputed from its emitted text: the QASM is parsed
/// back and its gates multiplied, so a check trusts nothing the search keeps internally.
inline double distance_from_qasm(const qs::search_result& result, const qs::matrix& target) {
  return qs::distance(target, qs::circuit_unitary(qs::parse_qasm(qs::to_qasm(result.circuit))));
}

} // namespace yt_test
