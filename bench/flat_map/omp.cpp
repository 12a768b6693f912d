// The flat map with an OpenMP parallel for (default schedule) on a team of the shared size.

#include <cstddef>
#include <vector>

#include <flat_map/flat_map.hpp>

namespace {

void flat_map_omp(benchmark::State& state) {
  const int threads = yt_bench::threads();
  flat_map_bench::run(state, threads, [threads](int count, auto item) {
    std::vector<int> results(static_cast<std::size_t>(count));
#pragma omp parallel for num_threads(threads)
    for (int i = 0; i < count; ++i) {
      results[static_cast<std::size_t>(i)] = item(i);
    }
    return results;
  });
}

BENCHMARK(flat_map_omp)->Name("flat_map/omp")->Apply(flat_map_bench::sizes);

} // namespace
