// The spawn path alone: fib(n) of two-item taskmaps or of when_alls on a yt::thread_pool(1), so
// that no steal, wake-up or second core's noise enters the time. Prints the best and the median of
// --runs runs in ns per call, for the side-by-side comparisons of docs/benchmarks.md (build the
// same file against two include trees and alternate them).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <yieldtasks/sync_wait.hpp>
#include <yieldtasks/thread_pool.hpp>

#include <fib/fib_numbers.hpp>
#include <fib/yieldtasks_fib.hpp>

int main(int argc, char** argv) {
  CLI::App app{"fib of taskmaps or when_alls on a one-worker pool, ns per call"};
  std::string mode = "taskmap";
  int n = 27;
  int runs = 5;
  app.add_option("--mode", mode, "taskmap or when_all")
      ->check(CLI::IsMember({"taskmap", "when_all"}));
  app.add_option("--n", n, "fib argument")->check(CLI::Range(2, 35));
  app.add_option("--runs", runs, "runs, best and median reported")->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);

  yt::thread_pool pool(1);
  const long expected = fib_bench::fib_value(n);
  std::vector<double> ns_per_call;
  for (int run = 0; run < runs; ++run) {
    const auto start = std::chrono::steady_clock::now();
    const long result = mode == "taskmap" ? yt::sync_wait(pool, yt_fib::fib_taskmap(n))
                                          : yt::sync_wait(pool, yt_fib::fib_when_all(n));
    const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    if (result != expected) {
      std::fprintf(stderr, "bench_fib_one_worker: fib(%d) gave %ld, not %ld\n", n, result,
                   expected);
      return 1;
    }
    ns_per_call.push_back(took.count() / static_cast<double>(fib_bench::call_count(n)));
  }
  std::sort(ns_per_call.begin(), ns_per_call.end());
  std::printf("%s fib(%d), one worker: best %.2f ns per call, median %.2f (%d runs)\n",
              mode.c_str(), n, ns_per_call.front(), ns_per_call[ns_per_call.size() / 2], runs);
  return 0;
}
