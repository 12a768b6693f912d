#pragma once

// bench_qsearch's three benchmarks, one file each; main.cpp reads the command line.

#include <cstdint>
#include <string>
#include <vector>

#include <qsearch/search.hpp>

namespace qsearch_bench {

/// The synthesizer against the original Python Qsearch at equal settings (one start per node,
/// one thread, seeds 0 to `seeds` − 1), then Haar-random 3-qubit unitaries on a pool; prints
/// two tables and returns 1 if a circuit reported solved is not.
int bench_synthesis(int seeds);

/// What `bench_optimize` runs.
struct optimize_settings {
  /// Names of examples/qsearch/data/circuits.
  std::vector<std::string> circuits;
  /// Runs per circuit and thread count.
  int repeat = 3;
  /// The thread counts; 1 runs on an inline executor, as `qsearch optimize --threads 1` does.
  std::vector<int> threads{1, 2};
  int multistarts = qs::search_options{}.multistarts;
  int block_size = 3;
  std::uint64_t seed = 0;
};

/// `qsearch optimize` on each circuit at each thread count, `repeat` rounds whose order of thread
/// counts rotates; prints a row per circuit (qubits, gates, blocks, CNOTs before and after,
/// reduction, median seconds per thread count, speed-up, distance bound, exact distance up to
/// 12 qubits) and a total row. Returns 1 if an output has more CNOTs than its input, a distance
/// bound or exact distance of 1e-8 or more, or differs from another run's output.
int bench_optimize(const optimize_settings& settings);

/// What `bench_planted` runs.
struct planted_settings {
  int qubits = 3;
  /// The planted CNOT counts K; instance i of each is `qs::planted_circuit(qubits, K, i)`.
  std::vector<int> cnots{3, 4, 5, 6, 7, 8};
  int instances = 10;
  /// Workers of the `yt::thread_pool` every synthesis runs on.
  int threads = 2;
  /// The searches' seed (the instances' seeds are their indices).
  std::uint64_t seed = 0;
  int multistarts = qs::search_options{}.multistarts;
  /// Also run the variants with more freedom (all-to-all topology, twice the multistarts, a beam
  /// of 4) and compare their CNOT counts with the default run's.
  bool freedom = true;
};

/// Synthesizes every planted instance with the default search options (but `seed`,
/// `multistarts`); prints a row per K: instances found with at most K CNOTs, mean and max CNOTs,
/// median and max seconds, the instances above K. Then, unless `freedom` is off, per variant the
/// instances that got more, fewer and equal CNOTs than the default run. Returns 1 if a circuit is
/// wrong (reported solved but not, a CNOT off the topology), never for the counts.
int bench_planted(const planted_settings& settings);

} // namespace qsearch_bench
