// The idea: `yt::reduce(range, init, op)` and `yt::transform_reduce(range, init, op, transform)`
// combine a range in parallel without a result vector. `op` must be associative; the bracketing
// depends only on the range's length, so even a floating-point sum is bit-identical on any
// executor and any number of threads, and a non-commutative `op` keeps input order.

#include <cmath>
#include <cstdio>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include <yieldtasks/yieldtasks.hpp>

namespace {

// Takes its vector by value: a task is lazy, so a reference argument could dangle before it runs.
yt::task<double> norm(std::vector<double> xs) {
  const double squares =
      co_await yt::transform_reduce(xs, 0.0, std::plus<>{}, [](double x) { return x * x; });
  co_return std::sqrt(squares);
}

} // namespace

int main() {
  std::vector<double> xs(1'000'000);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    xs[i] = 1.0 / static_cast<double>(i + 1); // a sum whose rounding depends on the order
  }

  yt::thread_pool pool;
  yt::thread_pool pair(2);
  yt::inline_executor serial;
  const double sum = pool.reduce(xs, 0.0, std::plus<>{});
  const bool identical =
      sum == pair.reduce(xs, 0.0, std::plus<>{}) && sum == serial.reduce(xs, 0.0, std::plus<>{});

  // pi^2 / 6 = the sum of 1/n^2, whose square root norm() computes.
  const double length = pool.sync_wait(norm(xs));
  const bool converges = std::abs(length * length - std::numbers::pi * std::numbers::pi / 6) < 1e-5;

  // String concatenation is associative but not commutative: the letters stay in order.
  const std::string letters =
      pool.transform_reduce(std::vector<int>{0, 1, 2, 3, 4, 5}, std::string(">"), std::plus<>{},
                            [](int i) { return std::string(1, static_cast<char>('a' + i)); });

  const bool ok = identical && converges && letters == ">abcdef";
  std::printf("harmonic sum of 10^6 terms %.17g (same bits on %zu, 2 and 1 threads: %s), "
              "norm %.12f, letters %s: %s\n",
              sum, pool.size(), identical ? "yes" : "no", length, letters.c_str(),
              ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
