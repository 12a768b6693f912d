#pragma once

// A nested map: 8 outer items, each awaiting an inner map of 16 leaves; a leaf busy-spins for
// 1 µs or 1 ms and returns 2·index + 1, so the 128 leaves sum to 128² whatever the schedule.
// Measures how well a runtime keeps every thread busy through two levels of fork/join. The
// benchmark argument is the leaf duration in microseconds.

#include <chrono>

#include <support/bench.hpp>

namespace nested_map_bench {

inline constexpr int outer = 8;
inline constexpr int inner = 16;
inline constexpr int leaves = outer * inner;
inline constexpr long expected_sum = static_cast<long>(leaves) * leaves;

/// The work of leaf `index` (0 to 127): spins for `duration`, returns a value derived from `index`.
inline long leaf(int index, std::chrono::nanoseconds duration) noexcept {
  yt_bench::spin_for(duration);
  return 2L * index + 1;
}

/// Runs the benchmark loop for `compute(duration) -> long` (the sum of all leaves), checking
/// every answer, and reports `ideal_efficiency`: the leaves' total spin time / (wall × threads).
/// (run_micro.py reports the efficiency against the measured serial time instead.)
template <class Compute> void run(benchmark::State& state, int thread_count, Compute&& compute) {
  const std::chrono::nanoseconds duration = std::chrono::microseconds(state.range(0));
  if (!yt_bench::check(state, compute(duration), expected_sum)) {
    return;
  }
  const yt_bench::meter meter;
  for (auto _ : state) {
    if (!yt_bench::check(state, compute(duration), expected_sum)) {
      return;
    }
  }
  const double work_ns =
      static_cast<double>(state.iterations()) * leaves * static_cast<double>(duration.count());
  state.counters["ideal_efficiency"] = work_ns / (meter.wall_ns() * thread_count);
  meter.report(state, thread_count);
}

/// Registers the two leaf durations, 1 µs and 1 ms.
inline void leaf_durations(benchmark::internal::Benchmark* bench) {
  yt_bench::configure(bench);
  bench->ArgName("leaf_us")->Arg(1)->Arg(1000);
}

} // namespace nested_map_bench
