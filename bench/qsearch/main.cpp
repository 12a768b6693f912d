// bench_qsearch: the synthesizer's benchmark (`bench_qsearch [SEEDS]`, synthesis.cpp), the
// optimizer's (`bench_qsearch optimize`, optimize.cpp) and the search's CNOT counts on planted
// circuits (`bench_qsearch planted`, planted.cpp).
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <support/benchmark_circuits.hpp>

#include <qsearch/targets.hpp>

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

  qsearch_bench::planted_settings planted;
  bool no_freedom = false;
  CLI::App* planted_command = app.add_subcommand(
      "planted", "Planted random circuits of K CNOTs: how often the search finds at most K, and "
                 "whether more freedom ever gives more CNOTs; every circuit checked");
  planted_command->add_option("--qubits", planted.qubits, "Qubits of every instance")
      ->capture_default_str()
      ->check(CLI::Range(2, qs::max_planted_qubits));
  planted_command->add_option("--cnots", planted.cnots, "Planted CNOT counts, comma-separated")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(0, qs::max_planted_cnots));
  planted_command->add_option("--instances", planted.instances, "Instances (seeds 0, 1, ...) per K")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  planted_command->add_option("--threads", planted.threads, "Workers of the thread pool")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  planted_command->add_option("--seed", planted.seed, "Seed of the searches")
      ->capture_default_str();
  planted_command
      ->add_option("--multistarts", planted.multistarts, "Optimizer starts per candidate")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  planted_command->add_flag("--no-freedom", no_freedom,
                            "Skip the all-to-all, 2x multistarts and beam 4 variants");
  CLI11_PARSE(app, argc, argv);

  if (optimize_command->parsed()) {
    optimize.circuits = yt_bench::select_circuits(circuits);
    return qsearch_bench::bench_optimize(optimize);
  }
  if (planted_command->parsed()) {
    planted.freedom = !no_freedom;
    return qsearch_bench::bench_planted(planted);
  }
  return qsearch_bench::bench_synthesis(seeds);
} catch (const std::exception& error) {
  fmt::print(stderr, "bench_qsearch: {}\n", error.what());
  return 2;
}
