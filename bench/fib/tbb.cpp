// fib(30) on oneTBB: a task_group per call runs one child as a task and the other inline (the
// idiomatic TBB fork/join), and the same with parallel_invoke, in an arena of the shared size.

#include <tbb/global_control.h>
#include <tbb/parallel_invoke.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <fib/fib.hpp>

namespace {

long fib_task_group(int k) {
  if (k < 2) {
    return k;
  }
  long a = 0;
  tbb::task_group group;
  group.run([&] { a = fib_task_group(k - 1); });
  const long b = fib_task_group(k - 2);
  group.wait();
  return a + b;
}

long fib_parallel_invoke(int k) {
  if (k < 2) {
    return k;
  }
  long a = 0;
  long b = 0;
  tbb::parallel_invoke([&] { a = fib_parallel_invoke(k - 1); },
                       [&] { b = fib_parallel_invoke(k - 2); });
  return a + b;
}

template <long (*Fib)(int)> void fib_tbb(benchmark::State& state) {
  const int threads = yt_bench::threads();
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  fib_bench::run(state, threads, [&](int k) { return arena.execute([&] { return Fib(k); }); });
}

BENCHMARK_TEMPLATE(fib_tbb, fib_task_group)->Name("fib/tbb")->Apply(yt_bench::configure);
BENCHMARK_TEMPLATE(fib_tbb, fib_parallel_invoke)
    ->Name("fib/tbb_parallel_invoke")
    ->Apply(yt_bench::configure);

} // namespace
