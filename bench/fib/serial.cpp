// fib(30) by plain recursion on the calling thread: the cost of a call with no spawn at all.

#include <fib/fib.hpp>

namespace {

long fib_serial(int k) {
  return k < 2 ? k : fib_serial(k - 1) + fib_serial(k - 2);
}

void fib_serial_bench(benchmark::State& state) {
  fib_bench::run(state, 1, fib_serial);
}

BENCHMARK(fib_serial_bench)->Name("fib/serial")->Apply(yt_bench::configure);

} // namespace
