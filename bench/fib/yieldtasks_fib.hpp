#pragma once

// The yieldtasks fib recursions, shared by bench_fib and bench_fib_one_worker: each call forks its
// two children with a two-item taskmap, or with yt::when_all.

#include <array>
#include <vector>

#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/when_all.hpp>

namespace yt_fib {

inline yt::task<long> fib_taskmap(int k) {
  if (k < 2) {
    co_return k;
  }
  std::array<int, 2> children{k - 1, k - 2};
  const std::array<long, 2> values = co_await yt::taskmap(fib_taskmap, children);
  co_return values[0] + values[1];
}

inline yt::task<long> fib_when_all(int k) {
  if (k < 2) {
    co_return k;
  }
  const auto [a, b] = co_await yt::when_all(fib_when_all(k - 1), fib_when_all(k - 2));
  co_return a + b;
}

} // namespace yt_fib
