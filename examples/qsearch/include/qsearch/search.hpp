#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <yieldtasks/task.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/optimizer.hpp>

namespace qs {

/// What the search reports after each expansion.
struct search_progress {
  int cnots = 0;            ///< two-qubit gates of the deepest candidate evaluated so far
  double best_distance = 1; ///< lowest d seen so far
  long nodes = 0;           ///< candidates optimized so far
  double seconds = 0;
};

struct search_options {
  /// Optimizer starts per candidate; with two or more, one is warm (the parent's optimum).
  int multistarts = 8;
  /// With the target and the candidate, fixes every random start point.
  std::uint64_t seed = 0;
  /// Success: d < threshold.
  double threshold = 1e-10;
  layer_kind layers = layer_kind::four_param;
  /// The two-qubit gate of every layer.
  two_qubit_gate gate = two_qubit_gate::cx;
  optimizer_kind optimizer = optimizer_kind::lbfgs;
  /// Two-qubit gate placements; empty means the linear chain. For a symmetric gate an edge and
  /// its reverse are one placement, lower qubit first.
  std::vector<coupling_edge> topology;
  /// Candidates with more two-qubit gates than this are not generated; the search then returns
  /// its best.
  int max_cnots = 64;
  /// LEAP's prefix freezing: when a new best distance lies above the line fitted to the earlier
  /// bests (progress is slowing), the search drops its frontier and goes on from that node, at
  /// least this many layers past the last frozen prefix; 0 never freezes (pure A*, as the
  /// original Qsearch).
  int min_prefix_layers = 3;
  /// Targets narrower than this get pure A* for their first `leap_after_nodes` candidates: on
  /// three qubits A* finds the optimum of every benchmark target within them, where freezing
  /// prefixes measured a CNOT more on a tenth of the seeds; past them (a Haar-random unitary)
  /// A* alone degenerates into breadth-first search.
  int leap_qubits = 4;
  long leap_after_nodes = 500;
  /// After solving, remove two-qubit gates one at a time while the circuit still solves.
  bool delete_layers = true;
  /// From `leap_qubits` up, this many independent searches (seeds derived from `seed`; the first
  /// is `seed` itself) run side by side in one map, and the fewest two-qubit gates win:
  /// LEAP's frozen prefixes make one search's count vary from seed to seed.
  int restarts = 3;
  /// After the first solution the search goes on, looking for one with fewer two-qubit gates,
  /// for this multiple of the candidates it took to find it, taken as at least 100 (or until no
  /// node can lead to one).
  double keep_searching = 1;
  /// A*'s priority is this times d plus the two-qubit gate count.
  double distance_weight = 10;
  /// Nodes expanded together (their children are evaluated in one parallel map).
  int beam = 1;
  /// Called after each expansion, from whichever worker runs the search.
  std::function<void(const search_progress&)> progress;
};

struct search_result {
  bool solved = false;
  structure shape;
  std::vector<double> parameters;
  circuit_gates circuit;
  /// d recomputed from `circuit`, not taken from the optimizer.
  double distance = 1;
  long nodes = 0;  ///< candidates optimized
  long starts = 0; ///< optimizer starts run (cancelled ones included, skipped ones not)
  double seconds = 0;
  /// Two-qubit gates of the search's first solution, before the deletion pass and the search
  /// for a smaller one.
  int search_two_qubit_count = 0;
  /// Seconds until the first solution.
  double search_seconds = 0;
};

/// Synthesizes `target`: A* over circuit structures with priority 10·d + the number of two-qubit
/// gates (`options.gate`), every child of an expansion optimized in parallel, each child's
/// multistarts in parallel (nested taskmaps), the remaining starts cancelled once one succeeds.
///
/// **Determinism.** Start points derive from (seed, target, candidate, start index); when a
/// start succeeds only higher-numbered starts are cancelled and the lowest-numbered success
/// wins, so a seed gives the same circuit on any executor and any thread count.
yt::task<search_result> synthesize(matrix target, search_options options);

/// The same search with its two inner levels — an expansion's candidates and a candidate's
/// starts — run by `mapper`: `co_await mapper.map(fn, range)` must yield the vector of `fn`'s
/// results in input order, `fn` returning a value or a `yt::task` (the subscription benchmark
/// plugs in other runtimes here). The definition is in <qsearch/search_impl.hpp>.
template <class Mapper>
yt::task<search_result> synthesize_with(Mapper mapper, matrix target, search_options options);

/// Instantiates `shape` for `target` from `options.multistarts` starts and, when one solves it,
/// removes two-qubit gates while the circuit still solves (the deletion pass of `synthesize`).
/// The result is unsolved when no start solves `shape`; `search_two_qubit_count` is `shape`'s
/// count. `mapper` as for `synthesize_with`; `options.topology` is not used: the gates stay on
/// `shape`'s edges.
template <class Mapper>
yt::task<search_result> prune_with(Mapper mapper, matrix target, structure shape,
                                   search_options options);

/// d(U, V) = 1 − |Tr(U†V)|/N.
double distance(const matrix& u, const matrix& v);

} // namespace qs
