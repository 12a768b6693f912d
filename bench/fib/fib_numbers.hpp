#pragma once

// The fib recursion's answer and call count, for the benchmarks that check their results; apart
// from fib.hpp so that a harness without Google Benchmark (one_worker.cpp) uses them too.

namespace fib_bench {

/// fib(k) by iteration, for the expected answer.
constexpr long fib_value(int k) {
  long a = 0;
  long b = 1;
  for (int i = 0; i < k; ++i) {
    const long next = a + b;
    a = b;
    b = next;
  }
  return a;
}

/// Calls made by the naive recursion for fib(k) with base case k < 2: 2·fib(k+1) − 1.
constexpr long call_count(int k) {
  return 2 * fib_value(k + 1) - 1;
}

} // namespace fib_bench
