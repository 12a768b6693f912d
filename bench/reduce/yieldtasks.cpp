// The reductions with yt::thread_pool::reduce and transform_reduce (the leaves' lazy splitting,
// deterministic bracketing).

#include <cstddef>
#include <functional>
#include <ranges>
#include <span>

#include <yieldtasks/thread_pool.hpp>

#include <reduce/reduce.hpp>

namespace {

void reduce_yieldtasks(benchmark::State& state) {
  yt::thread_pool pool(static_cast<std::size_t>(yt_bench::threads()));
  reduce_bench::run(
      state, yt_bench::threads(),
      [&](std::span<const double> values) { return pool.reduce(values, 0.0, std::plus<>{}); },
      [&](int count, auto item) {
        return pool.transform_reduce(std::views::iota(0, count), 0L, std::plus<>{}, item);
      });
}

BENCHMARK(reduce_yieldtasks)->Name("reduce/yieldtasks")->Apply(reduce_bench::sizes);

} // namespace
