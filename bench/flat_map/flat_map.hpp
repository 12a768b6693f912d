#pragma once

// A flat map of 1,000,000 items that do nothing but return their index: measures the per-item
// overhead of a parallel map. Every runtime produces a fresh std::vector<int> of the results, as
// `pool.map` does, so allocating and zeroing it is part of every runtime's time.

#include <numeric>
#include <vector>

#include <support/bench.hpp>

namespace flat_map_bench {

inline constexpr int items = 1'000'000;
inline constexpr long expected_sum = static_cast<long>(items) * (items - 1) / 2;

/// The item function every runtime applies.
inline constexpr auto identity = [](int x) { return x; };

/// Checks a result vector: its size and the sum of its elements.
inline bool check(benchmark::State& state, const std::vector<int>& results) {
  if (!yt_bench::check(state, static_cast<long>(results.size()), items)) {
    return false;
  }
  return yt_bench::check(state, std::accumulate(results.begin(), results.end(), 0L), expected_sum);
}

/// Runs the benchmark loop for `map(int items) -> std::vector<int>` and reports
/// `cpu_ns_per_item`. The warm-up result and the last timed result are checked in full (summing a
/// million results in every iteration would cost about as much as the map itself).
template <class Map> void run(benchmark::State& state, int thread_count, Map&& map) {
  int count = items;
  std::vector<int> results = map(count);
  if (!check(state, results)) {
    return;
  }
  const yt_bench::meter meter;
  for (auto _ : state) {
    benchmark::DoNotOptimize(count);
    results = map(count);
    benchmark::DoNotOptimize(results.data());
  }
  meter.report(state, thread_count, items, "cpu_ns_per_item");
  check(state, results);
}

} // namespace flat_map_bench
