// fib(30) on a yt::thread_pool: each call forks its two children with a two-item taskmap, and
// with yt::when_all.

#include <cstddef>

#include <yieldtasks/sync_wait.hpp>
#include <yieldtasks/thread_pool.hpp>

#include <fib/fib.hpp>
#include <fib/yieldtasks_fib.hpp>

namespace {

void fib_yieldtasks_taskmap(benchmark::State& state) {
  yt::thread_pool pool(static_cast<std::size_t>(yt_bench::threads()));
  fib_bench::run(state, yt_bench::threads(),
                 [&](int k) { return yt::sync_wait(pool, yt_fib::fib_taskmap(k)); });
}

BENCHMARK(fib_yieldtasks_taskmap)->Name("fib/yieldtasks_taskmap")->Apply(yt_bench::configure);

void fib_yieldtasks_when_all(benchmark::State& state) {
  yt::thread_pool pool(static_cast<std::size_t>(yt_bench::threads()));
  fib_bench::run(state, yt_bench::threads(),
                 [&](int k) { return yt::sync_wait(pool, yt_fib::fib_when_all(k)); });
}

BENCHMARK(fib_yieldtasks_when_all)->Name("fib/yieldtasks_when_all")->Apply(yt_bench::configure);

} // namespace
