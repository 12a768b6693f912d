// bench_qsearch (no subcommand): the synthesizer against the original Python Qsearch at equal
// settings (one start per node, one thread) and on a Haar-random 3-qubit unitary. Prints a table;
// fails if a circuit is wrong. The seed's 8-target benchmark is `qsearch --benchmark --repeat 10`
// (bench/README.md).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <support/median.hpp>

#include <yieldtasks/yieldtasks.hpp>

#include <qsearch/qasm.hpp>
#include <qsearch/random.hpp>
#include <qsearch/search.hpp>
#include <qsearch/targets.hpp>

#include "benchmarks.hpp"

namespace qsearch_bench {
namespace {

// The original Python Qsearch (numpy/scipy, one start per node, one core) on these machines,
// median of 10 seeds, as measured in issue 3.
struct python_reference {
  const char* name;
  double seconds;
};
constexpr python_reference python_qsearch[] = {{"qft2", 0.05}, {"hhl", 0.46},     {"peres", 6.3},
                                               {"qft3", 11.4}, {"toffoli", 14.8}, {"fredkin", 18.6},
                                               {"or", 14.2}};

// A circuit reported solved must be one: d recomputed from its QASM text.
bool check(const qs::search_result& r, const qs::matrix& target, const std::string& what) {
  const double d =
      qs::distance(target, qs::circuit_unitary(qs::parse_qasm(qs::to_qasm(r.circuit))));
  if (!r.solved || d < 1e-10) {
    return true;
  }
  fmt::print(stderr, "bench_qsearch: {}: reported solved but d = {:.2e}\n", what, d);
  return false;
}

} // namespace

int bench_synthesis(int seeds) {
  bool ok = true;

  fmt::print("Equal settings: 1 start per node, 1 thread (inline executor), seeds 0-{}\n",
             seeds - 1);
  fmt::print("{:<9} {:>7} {:>7} {:>12} {:>12} {:>10} {:>9}\n", "target", "solved", "CNOTs",
             "median s", "python s", "speed-up", "µs/node");
  yt::inline_executor serial;
  for (const python_reference& reference : python_qsearch) {
    const qs::matrix target = qs::make_target(reference.name);
    std::vector<double> seconds;
    std::vector<int> cnots;
    int solved = 0;
    double per_node = 0;
    for (int seed = 0; seed < seeds; ++seed) {
      qs::search_options options;
      options.multistarts = 1;
      options.seed = static_cast<std::uint64_t>(seed);
      const qs::search_result r = yt::sync_wait(serial, qs::synthesize(target, options));
      ok = check(r, target, reference.name) && ok;
      seconds.push_back(r.seconds);
      if (r.solved) {
        ++solved;
        cnots.push_back(r.shape.two_qubit_count());
      }
      per_node += r.seconds / static_cast<double>(r.nodes) / seeds;
    }
    const std::string cnot_range = cnots.empty()
                                       ? "-"
                                       : fmt::format("{}-{}", *std::ranges::min_element(cnots),
                                                     *std::ranges::max_element(cnots));
    fmt::print("{:<9} {:>7} {:>7} {:>12.4f} {:>12.2f} {:>9.0f}x {:>9.0f}\n", reference.name,
               fmt::format("{}/{}", solved, seeds), cnot_range, yt_bench::median(seconds),
               reference.seconds, reference.seconds / yt_bench::median(seconds), per_node * 1e6);
  }

  yt::thread_pool pool;
  fmt::print("\nHaar-random 3-qubit unitaries, {} multistarts, {} threads\n",
             qs::search_options{}.multistarts, pool.size());
  fmt::print("{:<9} {:>7} {:>12} {:>10}\n", "seed", "CNOTs", "seconds", "nodes");
  std::vector<double> seconds;
  for (int seed = 0; seed < std::min(seeds, 5); ++seed) {
    const qs::matrix target = qs::haar_random_unitary(3, static_cast<std::uint64_t>(seed));
    qs::search_options options;
    options.seed = static_cast<std::uint64_t>(seed);
    const qs::search_result r = yt::sync_wait(pool, qs::synthesize(target, options));
    ok = check(r, target, fmt::format("haar seed {}", seed)) && ok && r.solved;
    seconds.push_back(r.seconds);
    fmt::print("{:<9} {:>7} {:>12.2f} {:>10}\n", seed, r.shape.two_qubit_count(), r.seconds,
               r.nodes);
  }
  fmt::print("median {:.2f} s, max {:.2f} s (target: within 60 s)\n", yt_bench::median(seconds),
             *std::ranges::max_element(seconds));
  return ok ? 0 : 1;
}

} // namespace qsearch_bench
