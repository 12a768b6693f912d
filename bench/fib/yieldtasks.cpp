// fib(30) on a yt::thread_pool: each call forks its two children with a two-item taskmap, and
// with yt::when_all.

#include <array>
#include <cstddef>
#include <vector>

#include <yieldtasks/sync_wait.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>
#include <yieldtasks/when_all.hpp>

#include <fib/fib.hpp>

namespace {

yt::task<long> fib_taskmap(int k) {
  if (k < 2) {
    co_return k;
  }
  std::array<int, 2> children{k - 1, k - 2};
  const std::vector<long> values = co_await yt::taskmap(fib_taskmap, children);
  co_return values[0] + values[1];
}

void fib_yieldtasks_taskmap(benchmark::State& state) {
  yt::thread_pool pool(static_cast<std::size_t>(yt_bench::threads()));
  fib_bench::run(state, yt_bench::threads(),
                 [&](int k) { return yt::sync_wait(pool, fib_taskmap(k)); });
}

BENCHMARK(fib_yieldtasks_taskmap)->Name("fib/yieldtasks_taskmap")->Apply(yt_bench::configure);

yt::task<long> fib_when_all(int k) {
  if (k < 2) {
    co_return k;
  }
  const auto [a, b] = co_await yt::when_all(fib_when_all(k - 1), fib_when_all(k - 2));
  co_return a + b;
}

void fib_yieldtasks_when_all(benchmark::State& state) {
  yt::thread_pool pool(static_cast<std::size_t>(yt_bench::threads()));
  fib_bench::run(state, yt_bench::threads(),
                 [&](int k) { return yt::sync_wait(pool, fib_when_all(k)); });
}

BENCHMARK(fib_yieldtasks_when_all)->Name("fib/yieldtasks_when_all")->Apply(yt_bench::configure);

} // namespace
