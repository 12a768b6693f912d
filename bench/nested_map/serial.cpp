// The nested map as two plain loops on the calling thread: the serial time efficiencies are
// measured against.

#include <chrono>

#include <nested_map/nested_map.hpp>

namespace {

using nested_map_bench::inner;
using nested_map_bench::outer;

void nested_map_serial(benchmark::State& state) {
  nested_map_bench::run(state, 1, [](std::chrono::nanoseconds duration) {
    long sum = 0;
    for (int o = 0; o < outer; ++o) {
      for (int i = 0; i < inner; ++i) {
        sum += nested_map_bench::leaf(o * inner + i, duration);
      }
    }
    return sum;
  });
}

BENCHMARK(nested_map_serial)->Name("nested_map/serial")->Apply(nested_map_bench::leaf_durations);

} // namespace
