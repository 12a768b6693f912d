// The flat map with yt::thread_pool::map over std::views::iota (taskmap's lazy binary splitting).

#include <cstddef>
#include <ranges>

#include <yieldtasks/thread_pool.hpp>

#include <flat_map/flat_map.hpp>

namespace {

void flat_map_yieldtasks(benchmark::State& state) {
  yt::thread_pool pool(static_cast<std::size_t>(yt_bench::threads()));
  flat_map_bench::run(state, yt_bench::threads(), [&](int count, auto item) {
    return pool.map(item, std::views::iota(0, count));
  });
}

BENCHMARK(flat_map_yieldtasks)->Name("flat_map/yieldtasks")->Apply(flat_map_bench::sizes);

} // namespace
