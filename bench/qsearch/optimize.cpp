// bench_qsearch optimize: `qsearch optimize` (qs::optimize, blocks of 3 qubits, any pair of
// qubits a CX edge) on the optimizer's benchmark circuits at each thread count, in rounds whose
// order of thread counts rotates. Every output is checked: no more CNOTs than the input, a
// distance bound and (up to 12 qubits) an exact distance below 1e-8, the same circuit on every
// run.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <support/benchmark_circuits.hpp>
#include <support/median.hpp>

#include <yieldtasks/yieldtasks.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/optimize.hpp>
#include <qsearch/qasm.hpp>

#include "benchmarks.hpp"

namespace qsearch_bench {
namespace {

// The bar for the distance bound and the exact distance of every output.
constexpr double max_distance = 1e-8;
// `qsearch optimize` computes the exact distance up to this width (4^n work).
constexpr int max_checked_qubits = 12;

struct circuit_run {
  std::string name;
  qs::circuit_gates input;
  std::size_t blocks = 0;
  // Seconds of each run, per thread count.
  std::vector<std::vector<double>> seconds;
  // The first run's result and its QASM, which every later run must repeat.
  std::optional<qs::optimize_result> result;
  std::string qasm;
};

// Optimizes `input` as `qsearch optimize --threads N` does: inline on one thread, else on a pool.
qs::optimize_result optimize_on(int threads, const qs::circuit_gates& input,
                                const qs::optimize_options& options) {
  if (threads == 1) {
    yt::inline_executor serial;
    return yt::sync_wait(serial, qs::optimize(input, options));
  }
  yt::thread_pool pool(static_cast<std::size_t>(threads));
  return yt::sync_wait(pool, qs::optimize(input, options));
}

} // namespace

int bench_optimize(const optimize_settings& settings) {
  qs::optimize_options options;
  options.block_size = settings.block_size;
  options.search.multistarts = settings.multistarts;
  options.search.seed = settings.seed;
  const std::size_t counts = settings.threads.size();

  std::vector<circuit_run> runs;
  for (const std::string& name : settings.circuits) {
    circuit_run run;
    run.name = name;
    run.input = yt_bench::read_benchmark_circuit(name).circuit;
    run.blocks = qs::make_block_jobs(run.input, options).size();
    run.seconds.resize(counts);
    runs.push_back(std::move(run));
  }

  bool ok = true;
  for (int round = 0; round < settings.repeat; ++round) {
    for (circuit_run& run : runs) {
      for (std::size_t k = 0; k < counts; ++k) {
        const std::size_t t = (k + static_cast<std::size_t>(round)) % counts;
        const int threads = settings.threads[t];
        const auto start = std::chrono::steady_clock::now();
        qs::optimize_result result = optimize_on(threads, run.input, options);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        run.seconds[t].push_back(seconds);
        fmt::print(stderr, "round {} {:<13} {:>3} thread(s) {:8.2f} s\n", round + 1, run.name,
                   threads, seconds);
        std::string qasm = qs::to_qasm(result.circuit);
        if (!run.result) {
          run.result = std::move(result);
          run.qasm = std::move(qasm);
        } else if (qasm != run.qasm) {
          ok = false;
          fmt::print(stderr, "bench_qsearch: {}: the output on {} thread(s) differs\n", run.name,
                     threads);
        }
      }
    }
  }

  fmt::print("qsearch optimize: blocks of {} qubits, {} multistarts, seed {}, {} round(s), median "
             "seconds\n",
             settings.block_size, settings.multistarts, settings.seed, settings.repeat);
  std::string header = fmt::format("{:<13} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7}", "circuit",
                                   "qubits", "gates", "blocks", "CX in", "CX out", "fewer");
  for (const int threads : settings.threads) {
    header.append(fmt::format(" {:>8}", fmt::format("s @{}", threads)));
  }
  header.append(fmt::format(" {:>8} {:>9} {:>9}", "speed-up", "bound", "exact d"));
  fmt::print("{}\n", header);

  yt::thread_pool checker;
  std::vector<double> totals(counts, 0.0);
  double reduction_sum = 0;
  long gates = 0;
  long blocks = 0;
  long cnots_before = 0;
  long cnots_after = 0;
  for (const circuit_run& run : runs) {
    const qs::optimize_result& result = *run.result;
    const int input_cnots = qs::two_qubit_count(run.input);
    std::optional<double> exact;
    if (run.input.qubits <= max_checked_qubits) {
      exact = yt::sync_wait(checker, qs::circuit_distance(run.input, result.circuit));
    }
    if (result.cnots_after > input_cnots) {
      ok = false;
      fmt::print(stderr, "bench_qsearch: {}: {} CNOTs out of {}\n", run.name, result.cnots_after,
                 input_cnots);
    }
    if (!(result.distance_bound < max_distance) || (exact && !(*exact < max_distance))) {
      ok = false;
      fmt::print(stderr, "bench_qsearch: {}: distance bound {:.1e}, exact distance {}\n", run.name,
                 result.distance_bound, exact ? fmt::format("{:.1e}", *exact) : "-");
    }
    const double reduction =
        input_cnots == 0 ? 0.0 : 1.0 - static_cast<double>(result.cnots_after) / input_cnots;
    reduction_sum += reduction;
    gates += static_cast<long>(run.input.gates.size());
    blocks += static_cast<long>(run.blocks);
    cnots_before += input_cnots;
    cnots_after += result.cnots_after;

    std::string row = fmt::format("{:<13} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6.1f}%", run.name,
                                  run.input.qubits, run.input.gates.size(), run.blocks, input_cnots,
                                  result.cnots_after, 100 * reduction);
    std::vector<double> medians;
    for (std::size_t t = 0; t < counts; ++t) {
      medians.push_back(yt_bench::median(run.seconds[t]));
      totals[t] += medians.back();
      row.append(fmt::format(" {:>8.2f}", medians.back()));
    }
    row.append(fmt::format(" {:>7.2f}x {:>9.1e} {:>9}", medians.front() / medians.back(),
                           result.distance_bound, exact ? fmt::format("{:.1e}", *exact) : "-"));
    fmt::print("{}\n", row);
  }

  const double average_reduction = reduction_sum / static_cast<double>(runs.size());
  std::string total =
      fmt::format("{:<13} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6.1f}%", "total", "", gates, blocks,
                  cnots_before, cnots_after, 100 * average_reduction);
  for (const double seconds : totals) {
    total.append(fmt::format(" {:>8.2f}", seconds));
  }
  total.append(fmt::format(" {:>7.2f}x", totals.front() / totals.back()));
  fmt::print("{}\n", total);
  fmt::print("average reduction {:.1f}% per circuit (the total row's 'fewer'; all CNOTs: {} -> {}, "
             "{:.1f}% fewer); {} -> {} threads: {:.2f}x (target: at least 1.8x from 1 to 2)\n",
             100 * average_reduction, cnots_before, cnots_after,
             cnots_before == 0 ? 0.0
                               : 100.0 * static_cast<double>(cnots_before - cnots_after) /
                                     static_cast<double>(cnots_before),
             settings.threads.front(), settings.threads.back(), totals.front() / totals.back());
  if (!ok) {
    fmt::print(stderr, "bench_qsearch: FAILED: an output above is wrong\n");
  }
  return ok ? 0 : 1;
}

} // namespace qsearch_bench
