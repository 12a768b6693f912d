// The nested map with OpenMP: in one team of the shared size, a single thread runs a taskloop
// over the outer items, each running a taskloop over its leaves (default grain: libgomp's own
// choice of task count). A thread waiting at a taskloop's end runs other tasks meanwhile.

#include <array>
#include <chrono>
#include <cstddef>
#include <numeric>

#include <nested_map/nested_map.hpp>

namespace {

using nested_map_bench::inner;
using nested_map_bench::outer;

void nested_map_omp(benchmark::State& state) {
  const int threads = yt_bench::threads();
  nested_map_bench::run(state, threads, [threads](std::chrono::nanoseconds duration) {
    std::array<long, outer> sums{};
#pragma omp parallel num_threads(threads) shared(sums) firstprivate(duration)
#pragma omp single
#pragma omp taskloop shared(sums) firstprivate(duration)
    for (int o = 0; o < outer; ++o) {
      std::array<long, inner> values{};
#pragma omp taskloop shared(values) firstprivate(o, duration)
      for (int i = 0; i < inner; ++i) {
        values[static_cast<std::size_t>(i)] = nested_map_bench::leaf(o * inner + i, duration);
      }
      sums[static_cast<std::size_t>(o)] = std::accumulate(values.begin(), values.end(), 0L);
    }
    return std::accumulate(sums.begin(), sums.end(), 0L);
  });
}

BENCHMARK(nested_map_omp)->Name("nested_map/omp")->Apply(nested_map_bench::leaf_durations);

} // namespace
