#pragma once

// Reductions, each runtime's answer checked: sums of 10^8 doubles (`items:100000000/item_ns:0`;
// the vector is filled once per process, outside the timing, with small integers so that every
// order of summation gives the same exact answer and the check can be exact) and of its first
// 10^5 and 10^6 (where yieldtasks' fixed leaves hold 24 and 244 doubles), and a sum over
// 10^4 or 10^5 items of about 1 µs (`item_ns:1000`: a transform of 1,200 dependent LCG steps,
// nothing read from memory). The benchmark arguments are the item count and the item's cost.

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include <support/bench.hpp>

namespace reduce_bench {

/// The doubles summed: 0, 1, ..., 999, 0, 1, ... (800 MB, made on first use).
inline const std::vector<double>& doubles() {
  static const std::vector<double> values = [] {
    std::vector<double> made(100'000'000);
    for (std::size_t i = 0; i < made.size(); ++i) {
      made[i] = static_cast<double>(i % 1'000);
    }
    return made;
  }();
  return values;
}

/// The exact sum of the first `count` doubles().
inline double expected_double_sum(std::size_t count) {
  double sum = static_cast<double>(count / 1'000) * (999.0 * 1'000 / 2);
  for (std::size_t i = 0; i < count % 1'000; ++i) {
    sum += static_cast<double>(i);
  }
  return sum;
}

/// The item of about 1 µs: 1,200 dependent steps of a 64-bit LCG seeded with the index (the
/// serial rows of run_micro.py show the time).
inline constexpr auto work = [](int x) -> long {
  auto state = static_cast<std::uint64_t>(x);
  for (int step = 0; step < 1'200; ++step) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  }
  return static_cast<long>(state >> 40U);
};

/// The sum of `work(i)` for i in [0, count), computed once per process and count.
inline long expected_work_sum(int count) {
  static std::map<int, long> sums;
  auto [where, inserted] = sums.try_emplace(count, 0L);
  if (inserted) {
    for (int i = 0; i < count; ++i) {
      where->second += work(i);
    }
  }
  return where->second;
}

/// Runs the benchmark loop with the benchmark's workload: `sum(values)` must return the sum of
/// the doubles of `values` (a `std::span<const double>`), `reduce(count, item)` the sum of
/// `item(i)` over [0, count). Checks the warm-up's answer and the last timed one; reports
/// `cpu_ns_per_item`.
template <class Sum, class Reduce>
void run(benchmark::State& state, int thread_count, Sum&& sum, Reduce&& reduce) {
  const auto count = static_cast<int>(state.range(0));
  const auto timed = [&](auto once, auto expected) {
    auto got = once();
    if (!yt_bench::check(state, static_cast<long>(got), static_cast<long>(expected))) {
      return;
    }
    const yt_bench::meter meter;
    for (auto _ : state) {
      got = once();
      benchmark::DoNotOptimize(got);
    }
    meter.report(state, thread_count, static_cast<double>(count), "cpu_ns_per_item");
    yt_bench::check(state, static_cast<long>(got), static_cast<long>(expected));
  };
  if (state.range(1) == 0) {
    const std::span<const double> values(doubles().data(), static_cast<std::size_t>(count));
    timed([&] { return sum(values); }, expected_double_sum(values.size()));
  } else {
    timed([&] { return reduce(count, work); }, expected_work_sum(count));
  }
}

/// Registers the workloads: 10^5, 10^6 and 10^8 doubles, 10^4 and 10^5 items of ~1 µs.
inline void sizes(benchmark::internal::Benchmark* bench) {
  yt_bench::configure(bench);
  bench->ArgNames({"items", "item_ns"});
  for (const auto& [items, item_ns] : {std::pair{100'000, 0},
                                       {1'000'000, 0},
                                       {100'000'000, 0},
                                       {10'000, 1'000},
                                       {100'000, 1'000}}) {
    bench->Args({items, item_ns});
  }
}

} // namespace reduce_bench
