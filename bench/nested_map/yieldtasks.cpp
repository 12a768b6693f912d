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

} // namespace
