#pragma once

#include <cstdint>

#include <qsearch/circuit.hpp>
#include <qsearch/random.hpp>

namespace yt_test {

/// A circuit of `gates` gates on `qubits` qubits drawn from `seed`: each gate a two-qubit gate
/// `entangler` on a random ordered pair with probability `cx_fraction` (when there are two
/// qubits), else a U3 with random angles on a random qubit.
inline qs::circuit_gates random_circuit(int qubits, int gates, std::uint64_t seed,
                                        double cx_fraction = 0.5,
                                        qs::two_qubit_gate entangler = qs::two_qubit_gate::cx) {
  qs::splitmix64 random(seed);
  const auto pick = [&](int count) {
    return static_cast<int>(random.next() % static_cast<std::uint64_t>(count));
  };
  qs::circuit_gates circuit{qubits, {}};
  for (int i = 0; i < gates; ++i) {
    if (qubits >= 2 && random.uniform() < cx_fraction) {
      const int control = pick(qubits);
      int target = pick(qubits - 1);
      target += target >= control ? 1 : 0;
      circuit.gates.push_back(qs::gate::two_qubit(entangler, control, target));
    } else {
      const int q = pick(qubits);
      const double theta = random.angle();
      const double phi = random.angle();
      circuit.gates.push_back(qs::gate::u3(q, theta, phi, random.angle()));
    }
  }
  return circuit;
}

} // namespace yt_test
