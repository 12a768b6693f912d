// Time of one cost + analytic gradient evaluation, and of one L-BFGS start, on candidate
// circuits of the sizes the synthesizer meets (qft3 ends at 7 CNOTs, a Haar-random 3-qubit
// unitary at 15).
#include <vector>

#include <benchmark/benchmark.h>

#include <qsearch/cost.hpp>
#include <qsearch/optimizer.hpp>
#include <qsearch/random.hpp>

namespace {

qs::structure linear_structure(int qubits, int cnots) {
  const std::vector<qs::coupling_edge> edges = qs::linear_topology(qubits);
  qs::structure s{qubits, qs::layer_kind::four_param, {}};
  for (int l = 0; l < cnots; ++l) {
    s.layers.push_back(edges[static_cast<std::size_t>(l) % edges.size()]);
  }
  return s;
}

std::vector<double> random_point(int count, std::uint64_t seed) {
  qs::splitmix64 random(seed);
  return qs::random_angles(static_cast<std::size_t>(count), random);
}

void cost_and_gradient(benchmark::State& state) {
  const int qubits = static_cast<int>(state.range(0));
  const qs::structure s = linear_structure(qubits, static_cast<int>(state.range(1)));
  qs::unitary_cost cost(s, qs::haar_random_unitary(qubits, 1));
  std::vector<double> x = random_point(s.parameter_count(), 2);
  std::vector<double> gradient(x.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(cost.distance_and_gradient(x, gradient));
    benchmark::ClobberMemory();
  }
  state.counters["parameters"] = static_cast<double>(x.size());
}
BENCHMARK(cost_and_gradient)
    ->ArgNames({"qubits", "cnots"})
    ->Args({2, 3})
    ->Args({3, 7})
    ->Args({3, 15})
    ->Args({4, 20})
    ->Unit(benchmark::kMicrosecond);

void optimizer_start(benchmark::State& state) {
  const qs::structure s = linear_structure(3, static_cast<int>(state.range(0)));
  const qs::matrix target = qs::haar_random_unitary(3, 3);
  std::uint64_t seed = 0;
  long evaluations = 0;
  for (auto _ : state) {
    qs::unitary_cost cost(s, target);
    const qs::fit f = qs::optimize(cost, random_point(s.parameter_count(), ++seed), {}, {});
    evaluations += f.evaluations;
    benchmark::DoNotOptimize(f.distance);
  }
  state.counters["evaluations"] =
      benchmark::Counter(static_cast<double>(evaluations), benchmark::Counter::kAvgIterations);
}
BENCHMARK(optimizer_start)->ArgName("cnots")->Arg(7)->Arg(15)->Unit(benchmark::kMillisecond);

} // namespace
