#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <numbers>
#include <vector>

#include <qsearch/matrix.hpp>

namespace qs {

/// SplitMix64: a tiny, fully specified generator, so a seed gives the same numbers with every
/// compiler and standard library (std::uniform_real_distribution does not promise that).
class splitmix64 {
public:
  explicit splitmix64(std::uint64_t seed) : m_state(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Uniform angle in [0, 2π).
  double angle() { return 2 * std::numbers::pi * uniform(); }

private:
  std::uint64_t m_state;
};

/// `count` angles uniform in [0, 2π), drawn from `random` in order.
inline std::vector<double> random_angles(std::size_t count, splitmix64& random) {
  std::vector<double> angles(count);
  for (double& angle : angles) {
    angle = random.angle();
  }
  return angles;
}

/// Mixes several keys (seed, target hash, node id, start index) into one seed.
inline std::uint64_t mix_keys(std::initializer_list<std::uint64_t> keys) {
  std::uint64_t h = 0x6a09e667f3bcc909ULL;
  for (const std::uint64_t key : keys) {
    h = splitmix64(h ^ key).next();
  }
  return h;
}

/// A unitary drawn from the Haar measure on 2^qubits dimensions: the QR decomposition of a
/// complex Gaussian matrix with R's diagonal phases moved into Q (Mezzadri, 2007).
inline matrix haar_random_unitary(int qubits, std::uint64_t seed) {
  splitmix64 random(seed);
  const auto gaussian = [&] { // Box–Muller
    const double u = 1 - random.uniform();
    return std::sqrt(-2 * std::log(u)) * std::cos(2 * std::numbers::pi * random.uniform());
  };
  const int n = 1 << qubits;
  matrix m(n, n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      m(i, j) = complex(gaussian(), gaussian());
    }
  }
  const Eigen::HouseholderQR<matrix> qr(m);
  matrix q = qr.householderQ();
  for (int j = 0; j < n; ++j) {
    q.col(j) *= qr.matrixQR()(j, j) / std::abs(qr.matrixQR()(j, j));
  }
  return q;
}

} // namespace qs
