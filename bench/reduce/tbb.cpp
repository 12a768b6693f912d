// The reductions with tbb::parallel_reduce (default auto_partitioner; its result depends on the
// split points, hence on timing) in an arena of the shared size.

#include <cstddef>
#include <functional>
#include <span>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_reduce.h>
#include <tbb/task_arena.h>

#include <reduce/reduce.hpp>

namespace {

void reduce_tbb(benchmark::State& state) {
  const int threads = yt_bench::threads();
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  reduce_bench::run(
      state, threads,
      [&](std::span<const double> values) {
        return arena.execute([&] {
          return tbb::parallel_reduce(
              tbb::blocked_range<std::size_t>(0, values.size()), 0.0,
              [&](const tbb::blocked_range<std::size_t>& r, double sum) {
                for (std::size_t i = r.begin(); i != r.end(); ++i) {
                  sum += values[i];
                }
                return sum;
              },
              std::plus<>{});
        });
      },
      [&](int count, auto item) {
        return arena.execute([&] {
          return tbb::parallel_reduce(
              tbb::blocked_range<int>(0, count), 0L,
              [&](const tbb::blocked_range<int>& r, long sum) {
                for (int i = r.begin(); i != r.end(); ++i) {
                  sum += item(i);
                }
                return sum;
              },
              std::plus<>{});
        });
      });
}

BENCHMARK(reduce_tbb)->Name("reduce/tbb")->Apply(reduce_bench::sizes);

} // namespace
