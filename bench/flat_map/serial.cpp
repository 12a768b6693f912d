// The flat map as a plain loop on the calling thread.

#include <cstddef>
#include <vector>

#include <flat_map/flat_map.hpp>

namespace {

void flat_map_serial(benchmark::State& state) {
  flat_map_bench::run(state, 1, [](int count, auto item) {
    std::vector<int> results(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      results[static_cast<std::size_t>(i)] = item(i);
    }
    return results;
  });
}

BENCHMARK(flat_map_serial)->Name("flat_map/serial")->Apply(flat_map_bench::sizes);

} // namespace
