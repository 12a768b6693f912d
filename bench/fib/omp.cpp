// fib(30) with OpenMP tasks: one child as an explicit task, the other inline, then taskwait; the
// recursion starts from a single thread of one team of the shared size.

#include <fib/fib.hpp>

namespace {

long fib_omp(int k) {
  if (k < 2) {
    return k;
  }
  long a = 0;
#pragma omp task shared(a) firstprivate(k)
  a = fib_omp(k - 1);
  const long b = fib_omp(k - 2);
#pragma omp taskwait
  return a + b;
}

void fib_omp_bench(benchmark::State& state) {
  const int threads = yt_bench::threads();
  fib_bench::run(state, threads, [threads](int k) {
    long result = 0;
#pragma omp parallel num_threads(threads) shared(result) firstprivate(k)
#pragma omp single
    result = fib_omp(k);
    return result;
  });
}

BENCHMARK(fib_omp_bench)->Name("fib/omp")->Apply(yt_bench::configure);

} // namespace
