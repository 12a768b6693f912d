#pragma once

// fib(30) by naive recursion, every call a spawn (no cutoff in any runtime): measures what one
// fork/join costs. Each runtime's file registers its benchmarks and calls `fib_bench::run`.

#include <support/bench.hpp>

#include <fib/fib_numbers.hpp>

namespace fib_bench {

inline constexpr int n = 30;

inline constexpr long expected = fib_value(n);
inline constexpr long calls = call_count(n);
static_assert(expected == 832'040 && calls == 2'692'537);

/// Runs the benchmark loop for `fib(n)` computed by `compute(int) -> long`, checking every
/// answer, and reports `cpu_ns_per_spawn` (process CPU time per call of the recursion).
template <class Compute> void run(benchmark::State& state, int thread_count, Compute&& compute) {
  int argument = n;
  if (!yt_bench::check(state, compute(argument), expected)) { // warm-up: threads, caches
    return;
  }
  const yt_bench::meter meter;
  for (auto _ : state) {
    benchmark::DoNotOptimize(argument);
    if (!yt_bench::check(state, compute(argument), expected)) {
      return;
    }
  }
  meter.report(state, thread_count, static_cast<double>(calls), "cpu_ns_per_spawn");
}

} // namespace fib_bench
