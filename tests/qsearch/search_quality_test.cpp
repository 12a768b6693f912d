#include <bit>
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include <support/qsearch_check.hpp>

#include <yieldtasks/yieldtasks.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/qasm.hpp>
#include <qsearch/random.hpp>
#include <qsearch/search.hpp>
#include <qsearch/targets.hpp>

namespace {

int count_cnots(const qs::circuit_gates& circuit) {
  int cnots = 0;
  for (const qs::gate& g : circuit.gates) {
    cnots += g.type == qs::gate::kind::cx;
  }
  return cnots;
}

// Seeds 0-9, linear topology, the default search: the CNOT count of every seed's circuit.
std::vector<int> synthesize_seeds(yt::thread_pool& pool, const std::string& name) {
  const qs::matrix target = qs::make_target(name);
  std::vector<int> cnots;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    qs::search_options options;
    options.seed = seed;
    const qs::search_result result = yt::sync_wait(pool, qs::synthesize(target, options));
    INFO(name << " seed " << seed);
    CHECK(result.solved);
    CHECK(yt_test::distance_from_qasm(result, target) < 1e-10);
    CHECK(count_cnots(result.circuit) == result.shape.two_qubit_count());
    cnots.push_back(count_cnots(result.circuit));
  }
  return cnots;
}

void check_cnots(const std::string& name, int expected) {
  yt::thread_pool pool;
  for (const int cnots : synthesize_seeds(pool, name)) {
    CHECK(cnots == expected);
  }
}

} // namespace

// The original Qsearch's best of 10 seeds (its README table), reached here on every seed.
TEST_CASE("qft2 takes 3 CNOTs on every seed", "[qsearch][search][quality]") {
  check_cnots("qft2", 3);
}
TEST_CASE("hhl takes 3 CNOTs on every seed", "[qsearch][search][quality]") {
  check_cnots("hhl", 3);
}
TEST_CASE("peres takes 7 CNOTs on every seed", "[qsearch][search][quality]") {
  check_cnots("peres", 7);
}
TEST_CASE("toffoli takes 8 CNOTs on every seed", "[qsearch][search][quality]") {
  check_cnots("toffoli", 8);
}
TEST_CASE("fredkin takes 8 CNOTs on every seed", "[qsearch][search][quality]") {
  check_cnots("fredkin", 8);
}
TEST_CASE("or takes 8 CNOTs on every seed", "[qsearch][search][quality]") {
  check_cnots("or", 8);
}
TEST_CASE("qft3 takes 7 CNOTs on every seed", "[qsearch][search][quality]") {
  check_cnots("qft3", 7);
}
TEST_CASE("tfim_3_3 takes 4 CNOTs on every seed", "[qsearch][search][quality]") {
  check_cnots("tfim_3_3", 4);
}
TEST_CASE("tfim_6_3 takes 6 CNOTs on every seed", "[qsearch][search][quality]") {
  check_cnots("tfim_6_3", 6);
}
TEST_CASE("tfim_42_3 takes 6 CNOTs on every seed", "[qsearch][search][quality]") {
  check_cnots("tfim_42_3", 6);
}
TEST_CASE("tfim_60_3 takes 6 CNOTs on every seed", "[qsearch][search][quality]") {
  check_cnots("tfim_60_3", 6);
}

TEST_CASE("a Haar-random two-qubit unitary needs exactly three CNOTs",
          "[qsearch][search][quality]") {
  yt::thread_pool pool;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const qs::matrix target = qs::haar_random_unitary(2, seed);
    qs::search_options options;
    options.seed = seed;
    const qs::search_result result = yt::sync_wait(pool, qs::synthesize(target, options));
    INFO("seed " << seed);
    CHECK(result.solved);
    CHECK(result.shape.two_qubit_count() == 3);
    CHECK(yt_test::distance_from_qasm(result, target) < 1e-10);
  }
}

TEST_CASE("a seed gives the same circuit on any executor and thread count",
          "[qsearch][search][quality]") {
  for (const std::string name : {"qft3", "tfim_6_3", "hhl"}) {
    const qs::matrix target = qs::make_target(name);
    qs::search_options options;
    options.seed = 3;
    yt::inline_executor serial;
    const std::string reference =
        qs::to_qasm(yt::sync_wait(serial, qs::synthesize(target, options)).circuit);
    for (const std::size_t threads : {1u, 2u, 3u, 8u}) {
      yt::thread_pool pool(threads);
      for (int repeat = 0; repeat < 3; ++repeat) {
        INFO(name << " on " << threads << " threads, repeat " << repeat);
        CHECK(qs::to_qasm(yt::sync_wait(pool, qs::synthesize(target, options)).circuit) ==
              reference);
      }
    }
  }
}

namespace {

// One synthesis on `pool`, checked: solved, the emitted circuit within 1e-10 of the target, its
// CNOTs those of its shape. Returns the CNOT count.
int synthesize_checked(yt::thread_pool& pool, const qs::matrix& target,
                       const qs::search_options& options) {
  const qs::search_result result = yt::sync_wait(pool, qs::synthesize(target, options));
  CHECK(result.solved);
  CHECK(yt_test::distance_from_qasm(result, target) < 1e-10);
  CHECK(count_cnots(result.circuit) == result.shape.two_qubit_count());
  return count_cnots(result.circuit);
}

} // namespace

TEST_CASE("planted 3-qubit circuits with k CNOTs (k = 3..8) are found with at most k in at least "
          "9 of 10 instances",
          "[qsearch][search][quality]") {
  yt::thread_pool pool;
  for (int k = 3; k <= 8; ++k) {
    std::vector<std::string> above; // "instance: CNOTs" of each instance above k
    for (std::uint64_t instance = 0; instance < 10; ++instance) {
      INFO("planted_3_" << k << "_" << instance);
      const qs::matrix target = qs::circuit_unitary(qs::planted_circuit(3, k, instance));
      const int cnots = synthesize_checked(pool, target, {});
      if (cnots > k) {
        above.push_back(std::to_string(instance) + ": " + std::to_string(cnots));
      }
    }
    INFO(k << " CNOTs planted");
    CAPTURE(above);
    CHECK(above.size() <= 1);
  }
}

TEST_CASE("more freedom never gives more CNOTs on the built-in targets",
          "[qsearch][search][quality]") {
  yt::thread_pool pool;
  struct variant {
    const char* name;
    std::function<void(qs::search_options&, int qubits)> change;
  };
  const std::vector<variant> variants{
      {"all-to-all topology",
       [](qs::search_options& o, int qubits) { o.topology = qs::all_to_all_topology(qubits); }},
      {"32 multistarts", [](qs::search_options& o, int) { o.multistarts = 32; }},
      {"beam 4", [](qs::search_options& o, int) { o.beam = 4; }},
  };
  // The seed's benchmark list: qft2 and the 3-qubit targets.
  for (const std::string& name : qs::benchmark_targets()) {
    const qs::matrix target = qs::make_target(name);
    const int qubits = std::countr_zero(static_cast<unsigned>(target.rows()));
    // Seeds 0 and 1; seed 2 too until it cost CI 24 s of its 30 minutes.
    for (std::uint64_t seed = 0; seed < 2; ++seed) {
      qs::search_options defaults;
      defaults.seed = seed;
      INFO(name << " seed " << seed);
      const int base = synthesize_checked(pool, target, defaults);
      for (const variant& v : variants) {
        qs::search_options options = defaults;
        v.change(options, qubits);
        INFO(v.name);
        CHECK(synthesize_checked(pool, target, options) <= base);
      }
    }
  }
}

TEST_CASE("LEAP with restarts and the deletion pass keep qft4 at 13 CNOTs and tfim_30_4 at 12",
          "[qsearch][search][quality]") {
  // Issue 20's targets are 13 and 11; 11 for tfim_30_4 is not reached yet. One seed each, the
  // cheapest of seeds 0-2 (24 s and 35 s on 2 cores; the others take up to 67 s), to keep CI
  // within its budget: all three seeds give 13 and 12 (docs/qsearch.md).
  yt::thread_pool pool;
  for (const auto& [name, seed, most] :
       {std::tuple<std::string, std::uint64_t, int>{"qft4", 0, 13}, {"tfim_30_4", 2, 12}}) {
    INFO(name << " seed " << seed);
    qs::search_options options;
    options.seed = seed;
    CHECK(synthesize_checked(pool, qs::make_target(name), options) <= most);
  }
}
