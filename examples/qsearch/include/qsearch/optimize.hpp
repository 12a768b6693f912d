#pragma once

#include <cstdint>
#include <vector>

#include <yieldtasks/task.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/partition.hpp>
#include <qsearch/search.hpp>

namespace qs {

/// How `optimize` resynthesizes a circuit.
struct optimize_options {
  /// Qubits per block, 2 to 4: wider blocks leave more to remove but take far longer to search.
  int block_size = 3;
  /// The search of each block: multistarts, seed, threshold, layers, gate, optimizer, beam and
  /// the commit settings as given. Its `topology` is replaced by the block's edges, `max_cnots`
  /// is capped at one below the block's two-qubit gate count, and block i searches with seed
  /// `seed + i`. Its `progress`, if set, is called by every block's search, from several threads
  /// at once on a pool. Its `gate` is the output's only two-qubit gate: the input's two-qubit
  /// gates are rewritten into it one for one (`rewrite_two_qubit_gates`) before the partition.
  search_options search;
  /// Two-qubit gate placements on the circuit's qubits, control → target; empty means every
  /// pair. A block's search places its gates only on the edges among its qubits, in their
  /// direction, as `synthesize` does; whether a block's qubits are connected ignores the
  /// direction (a CX runs the other way with four Hadamards, which are single-qubit gates). The
  /// kept blocks' gates are not checked: this is an optimization, not a router.
  std::vector<coupling_edge> topology;
};

/// Why a block kept its original gates.
enum class kept_reason {
  none,         ///< it was replaced
  no_cnots,     ///< it has no two-qubit gate to remove
  disconnected, ///< the topology's edges among its qubits do not connect them
  not_improved  ///< no circuit with fewer two-qubit gates reached the threshold
};

/// What happened to one block; its counts are of two-qubit gates (CNOTs with `cx`).
struct block_report {
  /// The block's qubits in the circuit, ascending.
  std::vector<int> qubits;
  int cnots_before = 0;
  int cnots_after = 0;
  bool replaced = false;
  kept_reason reason = kept_reason::none;
  /// d between the kept circuit's unitary and the block's original one, recomputed from the
  /// kept gates; 0 for an original kept as it is.
  double distance = 0;
  /// The time spent on the block, its search included.
  double seconds = 0;
  /// Candidates the block's search optimized (0 without a search).
  long nodes = 0;
};

/// One block's resynthesis: its report and the gates kept for it.
struct block_outcome {
  block_report report;
  /// The block's new gates, or its original ones, on its local qubits (local i is
  /// `report.qubits[i]`).
  circuit_gates circuit;
};

/// One block to resynthesize, with everything it needs: the argument of `resynthesize_block`, a
/// plain struct so that a cluster can send it to another process.
struct block_job {
  block b;
  optimize_options options;
  /// The block's position in the partition; it offsets the search's seed.
  std::uint64_t index = 0;
};

/// What `optimize` returns.
struct optimize_result {
  /// The circuit: the blocks' kept gates in block order, single-qubit runs merged.
  circuit_gates circuit;
  /// One report per block, in block order.
  std::vector<block_report> blocks;
  int cnots_before = 0;
  int cnots_after = 0;
  /// An upper bound on d between the input's unitary and the result's: (Σ √d_i)² over the
  /// blocks' distances d_i, capped at 1. √d is (up to a factor) the Frobenius distance
  /// minimized over a global phase, which adds up along a product and is unchanged by tensoring
  /// with an identity; d itself does not add up, so the sum of the d_i would not be a bound.
  /// Merging single-qubit gates adds only rounding.
  double distance_bound = 0;
};

/// Resynthesizes one block: keeps it when it has no two-qubit gate or its qubits are not
/// connected in the topology; otherwise searches its unitary for a circuit with fewer two-qubit
/// gates, and keeps the search's circuit only when it is solved with strictly fewer and its
/// distance, recomputed from its gates, is at most the threshold (a tie keeps the original).
///
/// **Determinism.** The search's seed is `options.search.seed + index`, so a job gives the same
/// outcome on any executor and thread count.
///
/// **Exceptions.** Throws `std::invalid_argument` if a gate is not on the block's local qubits
/// (from `circuit_unitary`); jobs from `make_block_jobs` are valid.
///
/// **Complexity.** That of `synthesize` on a block of up to 4 qubits with up to
/// `cnots_before − 1` two-qubit gates: from microseconds to minutes, growing with both.
yt::task<block_outcome> resynthesize_block(block_job job);

/// The same resynthesis with its search's two inner levels run by `mapper`, as
/// `synthesize_with` runs them (the subscription benchmark plugs in other runtimes here). The
/// definition is in <qsearch/optimize_impl.hpp>.
template <class Mapper>
yt::task<block_outcome> resynthesize_block_with(Mapper mapper, block_job job);

/// Rewrites `circuit`'s two-qubit gates into `options.search.gate` one for one, partitions it
/// into blocks of `options.block_size` qubits (see `partition`) and returns one job per block, in
/// block order, each with its block's topology left to `resynthesize_block`.
///
/// **Exceptions.** Throws `input_error` if `options.block_size` is not in [2, 4], a topology
/// edge names a qubit outside the circuit or joins a qubit to itself, or a two-qubit gate of the
/// circuit has no one-for-one form in `options.search.gate` (a CX or CZ with `iswap` or
/// `sqrt_iswap`: a block kept as it is could not be written in that gate), and
/// `std::invalid_argument` for a malformed gate.
std::vector<block_job> make_block_jobs(const circuit_gates& circuit,
                                       const optimize_options& options);

/// Puts the blocks' outcomes back together on `qubits` qubits, in order, merges the
/// single-qubit runs (`merge_single_qubit_gates`) and adds up the counts.
///
/// **Exceptions.** Throws `std::invalid_argument` as `assemble` does.
optimize_result combine_outcomes(int qubits, std::vector<block_outcome> outcomes);

/// Resynthesizes a circuit block by block: `make_block_jobs`, then one `yt::taskmap` of
/// `resynthesize_block` over the jobs (each block's search runs its own nested maps below it, so
/// the blocks, their candidates and the candidates' starts share one pool), then
/// `combine_outcomes`. A cluster runs the same three steps with its own map in the middle.
///
/// The result never has more two-qubit gates than the input, as a block is replaced only by
/// fewer, and they are all `options.search.gate`.
///
/// **Determinism.** The same circuit and options give the same result, bit for bit, on any
/// executor and thread count.
///
/// **Exceptions.** As `make_block_jobs`, when the task runs.
///
/// **Complexity.** `partition`'s, plus one search per block with CXs.
yt::task<optimize_result> optimize(circuit_gates circuit, optimize_options options);

} // namespace qs
