// bench_qsearch: the synthesizer's benchmark (`bench_qsearch [SEEDS]`, synthesis.cpp) and the
// optimizer's (`bench_qsearch optimize`, optimize.cpp).
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <support/benchmark_circuits.hpp>

#include "benchmarks.hpp"

int main(int argc, char** argv) try {
  CLI::App app{"The qsearch synthesizer's benchmarks: with no subcommand, syntheses against the "
               "original Python Qsearch and Haar-random unitaries"};
  int seeds = 10;
  app.add_option("seeds", seeds, "Seeds per target of the synthesis tables")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));

  qsearch_bench::optimize_settings optimize;
  std::string circuits = "all";
  CLI::App* optimize_command = app.add_subcommand(
      "optimize", "`qsearch optimize` on the benchmark circuits at each thread count, checked");
  optimize_command
      ->add_option("--circuits", circuits,
                   "all or names of examples/qsearch/data/circuits, comma-separated")
      ->capture_default_str();
  optimize_command->add_option("--repeat", optimize.repeat, "Runs per circuit and thread count")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  optimize_command
      ->add_option("--threads-list", optimize.threads,
                   "Thread counts, comma-separated; the speed-up is the first's time over the "
                   "last's")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  optimize_command
      ->add_option("--multistarts", optimize.multistarts, "Optimizer starts per candidate")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  optimize_command->add_option("--block-size", optimize.block_size, "Qubits per block")
      ->capture_default_str()
      ->check(CLI::Range(2, 4));
  optimize_command->add_option("--seed", optimize.seed, "Seed of the searches")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (optimize_command->parsed()) {
    optimize.circuits = yt_bench::select_circuits(circuits);
    return qsearch_bench::bench_optimize(optimize);
  }
  return qsearch_bench::bench_synthesis(seeds);
} catch (const std::exception& error) {
  fmt::print(stderr, "bench_qsearch: {}\n", error.what());
  return 2;
}
