// The nested map with yieldtasks: a taskmap over the outer items, each a coroutine that awaits a
// taskmap over its leaves, all on one yt::thread_pool.

#include <chrono>
#include <cstddef>
#include <numeric>
#include <ranges>
#include <vector>

#include <yieldtasks/sync_wait.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

#include <nested_map/nested_map.hpp>

namespace {

using nested_map_bench::inner;
using nested_map_bench::outer;

yt::task<long> outer_item(int o, std::chrono::nanoseconds duration) {
  auto leaf_of = [o, duration](int i) { return nested_map_bench::leaf(o * inner + i, duration); };
  auto indices = std::views::iota(0, inner);
  const std::vector<long> values = co_await yt::taskmap(leaf_of, indices);
  co_return std::accumulate(values.begin(), values.end(), 0L);
}

yt::task<long> nested(std::chrono::nanoseconds duration) {
  auto outer_of = [duration](int o) { return outer_item(o, duration); };
  auto indices = std::views::iota(0, outer);
  const std::vector<long> sums = co_await yt::taskmap(outer_of, indices);
  co_return std::accumulate(sums.begin(), sums.end(), 0L);
}

void nested_map_yieldtasks(benchmark::State& state) {
  yt::thread_pool pool(static_cast<std::size_t>(yt_bench::threads()));
  nested_map_bench::run(state, yt_bench::threads(), [&](std::chrono::nanoseconds duration) {
    return yt::sync_wait(pool, nested(duration));
  });
}

BENCHMARK(nested_map_yieldtasks)
    ->Name("nested_map/yieldtasks")
    ->Apply(nested_map_bench::leaf_durations);

// The same nested map awaited inside a running task, as the maps of a real program below its
// top level are: the benchmark loop itself runs in one task on the pool. It measures the
// scheduling alone; the blocking entry above should match it, as its caller works in a sleeping
// worker's place instead of waiting to be woken.
yt::task<void> nested_loop(benchmark::State& state) {
  const std::chrono::nanoseconds duration = std::chrono::microseconds(state.range(0));
  const yt_bench::meter meter;
  for (auto _ : state) {
    if (!yt_bench::check(state, co_await nested(duration), nested_map_bench::expected_sum)) {
      co_return;
    }
  }
  const double work_ns = static_cast<double>(state.iterations()) * nested_map_bench::leaves *
                         static_cast<double>(duration.count());
  state.counters["ideal_efficiency"] = work_ns / (meter.wall_ns() * yt_bench::threads());
  meter.report(state, yt_bench::threads());
}

void nested_map_yieldtasks_in_task(benchmark::State& state) {
  yt::thread_pool pool(static_cast<std::size_t>(yt_bench::threads()));
  yt::sync_wait(pool, nested_loop(state));
}

BENCHMARK(nested_map_yieldtasks_in_task)
    ->Name("nested_map/yieldtasks_in_task")
    ->Apply(nested_map_bench::leaf_durations);

} // namespace
