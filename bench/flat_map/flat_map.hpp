#pragma once

// A flat map: `items` items, each turned into an `int` of a fresh std::vector<int>, as `pool.map`
// returns it, so allocating and zeroing the vector is part of every runtime's time. Two kinds of
// item: `identity` returns its index (item_ns 0: the per-item overhead alone), `work` about 100 ns
// of dependent multiply-adds (item_ns 100: a small but real item). The benchmark arguments are
// the item count and the kind.

#include <cstddef>
#include <cstdint>
#include <map>
#include <numeric>
#include <utility>
#include <vector>

#include <support/bench.hpp>

namespace flat_map_bench {

/// The item that returns its index.
inline constexpr auto identity = [](int x) { return x; };

/// The item of about 100 ns: 120 dependent steps of a 64-bit LCG seeded with the index (on this
/// project's 2-core machine ~0.85 ns a step, as successive items overlap; the serial rows of
/// run_micro.py show the time).
inline constexpr auto work = [](int x) {
  auto state = static_cast<std::uint64_t>(x);
  for (int step = 0; step < 120; ++step) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  }
  return static_cast<int>(state >> 33U);
};

/// The sum of `item(i)` for i in [0, count), computed once per process and kind.
template <class Item> long expected_sum(Item item, int count) {
  static std::map<int, long> sums;
  auto [where, inserted] = sums.try_emplace(count, 0L);
  if (inserted) {
    for (int i = 0; i < count; ++i) {
      where->second += item(i);
    }
  }
  return where->second;
}

/// Checks a result vector: its size and the sum of its elements.
template <class Item>
bool check(benchmark::State& state, const std::vector<int>& results, Item item, int count) {
  if (!yt_bench::check(state, static_cast<long>(results.size()), count)) {
    return false;
  }
  return yt_bench::check(state, std::accumulate(results.begin(), results.end(), 0L),
                         expected_sum(item, count));
}

/// Runs the benchmark loop for `map(count, item) -> std::vector<int>` (a generic callable) with
/// the benchmark's item count and kind, and reports `cpu_ns_per_item`. The warm-up result and
/// the last timed result are checked in full (summing the results in every iteration would cost
/// about as much as the map itself).
template <class Map> void run(benchmark::State& state, int thread_count, Map&& map) {
  const auto timed = [&](auto item) {
    int count = static_cast<int>(state.range(0));
    std::vector<int> results = map(count, item);
    if (!check(state, results, item, count)) {
      return;
    }
    const yt_bench::meter meter;
    for (auto _ : state) {
      benchmark::DoNotOptimize(count);
      results = map(count, item);
      benchmark::DoNotOptimize(results.data());
    }
    meter.report(state, thread_count, static_cast<double>(count), "cpu_ns_per_item");
    check(state, results, item, count);
  };
  if (state.range(1) == 0) {
    timed(identity);
  } else {
    timed(work);
  }
}

/// Registers the sizes: 10^4, 10^5 and 10^6 empty items, 10^4 and 10^5 items of ~100 ns.
inline void sizes(benchmark::internal::Benchmark* bench) {
  yt_bench::configure(bench);
  bench->ArgNames({"items", "item_ns"});
  for (const auto& [items, item_ns] :
       {std::pair{10'000, 0}, {100'000, 0}, {1'000'000, 0}, {10'000, 100}, {100'000, 100}}) {
    bench->Args({items, item_ns});
  }
}

} // namespace flat_map_bench
