// The flat map with tbb::parallel_for (default auto_partitioner) in an arena of the shared size.

#include <cstddef>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <flat_map/flat_map.hpp>

namespace {

void flat_map_tbb(benchmark::State& state) {
  const int threads = yt_bench::threads();
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  flat_map_bench::run(state, threads, [&](int count, auto item) {
    std::vector<int> results(static_cast<std::size_t>(count));
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<int>(0, count), [&](const tbb::blocked_range<int>& r) {
        for (int i = r.begin(); i != r.end(); ++i) {
          results[static_cast<std::size_t>(i)] = item(i);
        }
      });
    });
    return results;
  });
}

BENCHMARK(flat_map_tbb)->Name("flat_map/tbb")->Apply(flat_map_bench::sizes);

} // namespace
