#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <qsearch/circuit.hpp>
#include <qsearch/input_error.hpp>
#include <qsearch/matrix.hpp>

namespace qs {

/// A built-in synthesis target, as `qsearch --list` shows it.
struct target_info {
  std::string name;
  int qubits;
  std::string description;
};

/// The built-in targets: qft2 qft3 qft4 qft5 toffoli fredkin peres or hhl miro full_adder, then
/// the TFIM unitaries bundled in examples/qsearch/data (tfim_T_n). The planted family
/// (`planted_Q_K_S`, see `make_target`) is not listed: it has a member per seed.
std::vector<target_info> list_targets();

/// The seed's benchmark list, as the original Qsearch's README table has it: qft2 qft3 fredkin
/// toffoli peres or miro hhl.
std::vector<std::string> benchmark_targets();

/// The unitary of a built-in target, big-endian (qubit 0 the most significant bit). TFIM data
/// is read from `$QSEARCH_DATA_DIR` when set, else from the source tree's data directory.
/// `planted_Q_K_S` (decimal Q, K, S; e.g. `planted_3_5_7`) is the unitary of
/// `planted_circuit(Q, K, S)`: Q qubits from 2 to `max_planted_qubits`, K CNOTs from 0 to
/// `max_planted_cnots`, S a seed from 0 to 2^64 − 1.
///
/// **Exceptions.** Throws `input_error` for an unknown name, listing the known ones, and for a
/// malformed or out-of-range `planted_` name, saying which part is wrong.
matrix make_target(std::string_view name);

/// The widest planted target `make_target` accepts.
inline constexpr int max_planted_qubits = 6;
/// The most CNOTs a planted target `make_target` accepts may have.
inline constexpr int max_planted_cnots = 1000;

/// Returns a random circuit in the search's own layer structure, so that its unitary needs at
/// most `cnots` CNOTs on the linear chain: a U3 on every qubit, then `cnots` layers, each a CNOT
/// on an edge of `linear_topology(qubits)` followed by a U3 on each of its two qubits.
///
/// Every choice comes from one `splitmix64` stream seeded with `mix_keys({seed, qubits,
/// cnots})`, in time order: three angles uniform in [0, 2π) per U3, and per layer first its edge,
/// uniform among the qubits − 1 edges, then its two U3s. A seed gives the same circuit with every
/// compiler; the instances of a benchmark set are seeds 0, 1, 2, ... Its unitary is
/// `circuit_unitary(planted_circuit(...))`; the optimum may be below `cnots`, never above.
///
/// **Exceptions.** Throws `std::invalid_argument` unless `qubits` ≥ 2 and `cnots` ≥ 0.
///
/// **Example.** `circuit_unitary(planted_circuit(3, 5, 7))` is the target `planted_3_5_7`.
circuit_gates planted_circuit(int qubits, int cnots, std::uint64_t seed);

} // namespace qs
