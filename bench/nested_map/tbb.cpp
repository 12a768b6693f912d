// The nested map with oneTBB: a parallel_for over the outer items, each running a parallel_for
// over its leaves, in an arena of the shared size.

#include <array>
#include <chrono>
#include <cstddef>
#include <numeric>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <nested_map/nested_map.hpp>

namespace {

using nested_map_bench::inner;
using nested_map_bench::outer;

void nested_map_tbb(benchmark::State& state) {
  const int threads = yt_bench::threads();
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  nested_map_bench::run(state, threads, [&](std::chrono::nanoseconds duration) {
    std::array<long, outer> sums{};
    arena.execute([&] {
      tbb::parallel_for(0, outer, [&](int o) {
        std::array<long, inner> values{};
        tbb::parallel_for(0, inner, [&](int i) {
          values[static_cast<std::size_t>(i)] = nested_map_bench::leaf(o * inner + i, duration);
        });
        sums[static_cast<std::size_t>(o)] = std::accumulate(values.begin(), values.end(), 0L);
      });
    });
    return std::accumulate(sums.begin(), sums.end(), 0L);
  });
}

BENCHMARK(nested_map_tbb)->Name("nested_map/tbb")->Apply(nested_map_bench::leaf_durations);

} // namespace
