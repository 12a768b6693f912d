// The reductions with an OpenMP parallel for and reduction(+) (default schedule) on a team of the
// shared size.

#include <cstddef>
#include <span>

#include <reduce/reduce.hpp>

namespace {

void reduce_omp(benchmark::State& state) {
  const int threads = yt_bench::threads();
  reduce_bench::run(
      state, threads,
      [threads](std::span<const double> values) {
        double sum = 0.0;
        const auto count = static_cast<long>(values.size());
#pragma omp parallel for num_threads(threads) reduction(+ : sum)
        for (long i = 0; i < count; ++i) {
          sum += values[static_cast<std::size_t>(i)];
        }
        return sum;
      },
      [threads](int count, auto item) {
        long sum = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : sum)
        for (int i = 0; i < count; ++i) {
          sum += item(i);
        }
        return sum;
      });
}

BENCHMARK(reduce_omp)->Name("reduce/omp")->Apply(reduce_bench::sizes);

} // namespace
