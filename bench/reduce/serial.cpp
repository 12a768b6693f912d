// The reductions as plain loops on the calling thread.

#include <span>

#include <reduce/reduce.hpp>

namespace {

void reduce_serial(benchmark::State& state) {
  reduce_bench::run(
      state, 1,
      [](std::span<const double> values) {
        double sum = 0.0;
        for (const double value : values) {
          sum += value;
        }
        return sum;
      },
      [](int count, auto item) {
        long sum = 0;
        for (int i = 0; i < count; ++i) {
          sum += item(i);
        }
        return sum;
      });
}

BENCHMARK(reduce_serial)->Name("reduce/serial")->Apply(reduce_bench::sizes);

} // namespace
