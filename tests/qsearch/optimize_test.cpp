#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include <support/random_circuit.hpp>

#include <yieldtasks/codec.hpp>
#include <yieldtasks/yieldtasks.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/cluster_codec.hpp>
#include <qsearch/input_error.hpp>
#include <qsearch/optimize.hpp>
#include <qsearch/random.hpp>
#include <qsearch/search.hpp>

namespace {

using qs::gate;
using qs::two_qubit_count;

// Small searches, so that each test takes seconds on two cores, also under the sanitizers.
qs::optimize_options small_options(int block_size, std::uint64_t seed = 1) {
  qs::optimize_options options;
  options.block_size = block_size;
  options.search.multistarts = 4;
  options.search.seed = seed;
  return options;
}

qs::optimize_result run(const qs::circuit_gates& circuit, const qs::optimize_options& options) {
  yt::thread_pool pool(2);
  return yt::sync_wait(pool, qs::optimize(circuit, options));
}

// d between the unitaries of input and output, from the gates alone.
double exact_distance(const qs::circuit_gates& a, const qs::circuit_gates& b) {
  return qs::distance(qs::circuit_unitary(a), qs::circuit_unitary(b));
}

void append_random_u3(qs::circuit_gates& c, int q, qs::splitmix64& random) {
  const double theta = random.angle();
  const double phi = random.angle();
  c.gates.push_back(gate::u3(q, theta, phi, random.angle()));
}

// `cnots` CXs on qubits 0 and 1 alternating in direction, each pair of CXs with random U3s on
// both qubits between them: a generic 2-qubit unitary once there are 3 or more.
qs::circuit_gates two_qubit_circuit(int cnots, std::uint64_t seed) {
  qs::splitmix64 random(seed);
  qs::circuit_gates c{2, {}};
  for (int i = 0; i < cnots; ++i) {
    append_random_u3(c, 0, random);
    append_random_u3(c, 1, random);
    c.gates.push_back(i % 2 == 0 ? gate::cx(0, 1) : gate::cx(1, 0));
  }
  append_random_u3(c, 0, random);
  append_random_u3(c, 1, random);
  return c;
}

// Whether two gates are the same, their angles bit for bit.
bool same_bits(const gate& a, const gate& b) {
  const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  return a.type == b.type && a.qubit == b.qubit && a.target == b.target &&
         bits(a.theta) == bits(b.theta) && bits(a.phi) == bits(b.phi) &&
         bits(a.lambda) == bits(b.lambda);
}

// The invariants of every result: never more CXs, counts that add up, blocks no wider than
// asked, and a distance bound that covers the true distance.
void check_result(const qs::circuit_gates& input, const qs::optimize_result& result,
                  int block_size) {
  CHECK(result.circuit.qubits == input.qubits);
  CHECK(result.cnots_before == two_qubit_count(input));
  CHECK(result.cnots_after == two_qubit_count(result.circuit));
  CHECK(result.cnots_after <= result.cnots_before);
  int before = 0;
  int after = 0;
  for (const qs::block_report& block : result.blocks) {
    CHECK(static_cast<int>(block.qubits.size()) <= block_size);
    CHECK(block.cnots_after <= block.cnots_before);
    CHECK(block.replaced == (block.reason == qs::kept_reason::none));
    CHECK((block.replaced ? block.cnots_after < block.cnots_before : block.distance == 0));
    before += block.cnots_before;
    after += block.cnots_after;
  }
  CHECK(before == result.cnots_before);
  CHECK(after == result.cnots_after);
  CHECK(result.distance_bound < 1e-8);
  CHECK(exact_distance(input, result.circuit) <= std::max(result.distance_bound, 1e-12));
}

} // namespace

TEST_CASE("optimize brings a 2-qubit circuit of 6 CXs down to 3", "[qsearch][optimize]") {
  const qs::circuit_gates input = two_qubit_circuit(6, 11);
  const qs::optimize_result result = run(input, small_options(2));
  check_result(input, result, 2);
  REQUIRE(result.blocks.size() == 1);
  CHECK(result.blocks[0].replaced);
  CHECK(result.cnots_before == 6);
  CHECK(result.cnots_after == 3);
  CHECK(exact_distance(input, result.circuit) < 1e-8);
}

TEST_CASE("optimize removes the redundant CXs of a 3-qubit circuit", "[qsearch][optimize]") {
  // The cx 0,2 pair and the last cx 1,2 pair cancel, leaving cx 0,1 and cx 1,2 between random
  // single-qubit gates: 2 CXs of 6.
  qs::splitmix64 random(5);
  qs::circuit_gates input{3, {}};
  for (int q = 0; q < 3; ++q) {
    append_random_u3(input, q, random);
  }
  input.gates.push_back(gate::cx(0, 1));
  append_random_u3(input, 2, random);
  input.gates.push_back(gate::cx(1, 2));
  input.gates.push_back(gate::cx(0, 2));
  input.gates.push_back(gate::cx(0, 2));
  append_random_u3(input, 0, random);
  input.gates.push_back(gate::cx(1, 2));
  input.gates.push_back(gate::cx(1, 2));
  for (int q = 0; q < 3; ++q) {
    append_random_u3(input, q, random);
  }
  const qs::optimize_result result = run(input, small_options(3));
  check_result(input, result, 3);
  REQUIRE(result.blocks.size() == 1);
  CHECK(result.cnots_before == 6);
  CHECK(result.cnots_after == 2);
  CHECK(exact_distance(input, result.circuit) < 1e-8);
}

TEST_CASE("optimize keeps circuits that are already optimal", "[qsearch][optimize]") {
  SECTION("one CX") {
    qs::splitmix64 random(3);
    qs::circuit_gates input{2, {}};
    append_random_u3(input, 0, random);
    append_random_u3(input, 1, random);
    input.gates.push_back(gate::cx(0, 1));
    append_random_u3(input, 1, random);
    const qs::optimize_result result = run(input, small_options(2));
    check_result(input, result, 2);
    REQUIRE(result.blocks.size() == 1);
    CHECK(result.blocks[0].reason == qs::kept_reason::not_improved);
    CHECK(result.cnots_after == 1);
    CHECK(result.distance_bound == 0);
    CHECK(exact_distance(input, result.circuit) < 1e-12);
  }
  SECTION("a generic 2-qubit unitary with 3 CXs") {
    const qs::circuit_gates input = two_qubit_circuit(3, 4);
    const qs::optimize_result result = run(input, small_options(3));
    check_result(input, result, 3);
    REQUIRE(result.blocks.size() == 1);
    CHECK(result.blocks[0].reason == qs::kept_reason::not_improved);
    CHECK(result.blocks[0].nodes > 0);
    CHECK(result.cnots_after == 3);
    CHECK(exact_distance(input, result.circuit) < 1e-12);
  }
  SECTION("no CX at all") {
    const qs::circuit_gates input = yt_test::random_circuit(3, 12, 8, 0);
    const qs::optimize_result result = run(input, small_options(3));
    check_result(input, result, 3);
    CHECK(result.blocks.size() == 3);
    for (const qs::block_report& block : result.blocks) {
      CHECK(block.reason == qs::kept_reason::no_cnots);
      CHECK(block.nodes == 0);
    }
    CHECK(result.circuit.gates.size() <= 3);
    CHECK(exact_distance(input, result.circuit) < 1e-12);
  }
}

TEST_CASE("optimize with CZs resynthesizes blocks with CZ layers and rewrites the kept CXs",
          "[qsearch][optimize]") {
  // Block {0, 1} shrinks from 6 CXs to 3 CZs; the lone CX on qubits 2, 3 is optimal and kept,
  // as a CZ between Hadamards merged into its neighbours.
  qs::circuit_gates input = two_qubit_circuit(6, 11);
  input.qubits = 4;
  qs::splitmix64 random(12);
  append_random_u3(input, 2, random);
  input.gates.push_back(gate::cx(2, 3));
  append_random_u3(input, 3, random);
  qs::optimize_options options = small_options(2);
  options.search.gate = qs::two_qubit_gate::cz;
  const qs::optimize_result result = run(input, options);
  check_result(input, result, 2);
  CHECK(result.cnots_before == 7);
  CHECK(result.cnots_after == 4);
  int kept = 0;
  for (const qs::block_report& block : result.blocks) {
    kept += block.reason == qs::kept_reason::not_improved ? 1 : 0;
  }
  CHECK(kept == 1);
  for (const gate& g : result.circuit.gates) {
    CHECK((g.type == gate::kind::u3 || g.type == gate::kind::cz));
  }
  CHECK(exact_distance(input, result.circuit) < 1e-8);
}

TEST_CASE("optimize refuses iSWAP and sqrt-iSWAP for a circuit of CXs", "[qsearch][optimize]") {
  const qs::circuit_gates input = two_qubit_circuit(2, 1);
  for (const qs::two_qubit_gate g : {qs::two_qubit_gate::iswap, qs::two_qubit_gate::sqrt_iswap}) {
    qs::optimize_options options = small_options(2);
    options.search.gate = g;
    CHECK_THROWS_WITH(qs::make_block_jobs(input, options),
                      Catch::Contains("the circuit's cx gates have no one-for-one"));
  }
}

TEST_CASE("optimize keeps a block whose qubits the topology does not connect",
          "[qsearch][optimize]") {
  // Three cx 0,2 are one, but on a line 0-1-2-3 qubits 0 and 2 meet only through qubit 1, which
  // is not in the block.
  qs::splitmix64 random(9);
  qs::circuit_gates input{4, {}};
  append_random_u3(input, 0, random);
  append_random_u3(input, 2, random);
  for (int i = 0; i < 3; ++i) {
    input.gates.push_back(gate::cx(0, 2));
  }
  append_random_u3(input, 0, random);
  append_random_u3(input, 3, random);
  qs::optimize_options options = small_options(3);
  options.topology = qs::linear_topology(4);
  const qs::optimize_result result = run(input, options);
  check_result(input, result, 3);
  REQUIRE(result.blocks.size() == 2);
  CHECK(result.blocks[0].qubits == std::vector{0, 2});
  CHECK(result.blocks[0].reason == qs::kept_reason::disconnected);
  CHECK(result.blocks[1].qubits == std::vector{3});
  CHECK(result.blocks[1].reason == qs::kept_reason::no_cnots);
  CHECK(result.cnots_after == 3);
  CHECK(exact_distance(input, result.circuit) < 1e-12);

  // With every pair allowed, the same block shrinks to one CX.
  const qs::optimize_result free = run(input, small_options(3));
  check_result(input, free, 3);
  CHECK(free.cnots_after == 1);
}

TEST_CASE("optimize places a replaced block's CXs on the topology's edges, in their direction",
          "[qsearch][optimize]") {
  // cx 2,0 twice cancels, so the block on {0,1,2} is cx 0,1 then cx 1,2 between random layers;
  // the input's cx 2,0 is off the line, the output must not be.
  qs::splitmix64 random(21);
  qs::circuit_gates input{4, {}};
  for (int q = 0; q < 3; ++q) {
    append_random_u3(input, q, random);
  }
  input.gates.push_back(gate::cx(0, 1));
  input.gates.push_back(gate::cx(2, 0));
  input.gates.push_back(gate::cx(2, 0));
  input.gates.push_back(gate::cx(1, 2));
  for (int q = 0; q < 4; ++q) {
    append_random_u3(input, q, random);
  }
  qs::optimize_options options = small_options(3);
  options.topology = qs::linear_topology(4);
  const qs::optimize_result result = run(input, options);
  check_result(input, result, 3);
  REQUIRE(result.blocks.size() == 2);
  CHECK(result.blocks[0].qubits == std::vector{0, 1, 2});
  CHECK(result.blocks[0].replaced);
  CHECK(result.cnots_after == 2);
  for (const gate& g : result.circuit.gates) {
    if (g.type == gate::kind::cx) {
      CHECK(g.target == g.qubit + 1);
    }
  }
  CHECK(exact_distance(input, result.circuit) < 1e-8);
}

TEST_CASE("optimize gives the same circuit, bit for bit, inline and on a pool",
          "[qsearch][optimize]") {
  const qs::optimize_options options = small_options(3, 42);
  for (const auto& [qubits, gates] : {std::pair{6, 100}, std::pair{4, 60}}) {
    const qs::circuit_gates input = yt_test::random_circuit(qubits, gates, 2024, 0.4);
    INFO("qubits " << qubits);
    yt::inline_executor serial;
    const qs::optimize_result expected = yt::sync_wait(serial, qs::optimize(input, options));
    const qs::optimize_result parallel = run(input, options);
    check_result(input, expected, 3);
    REQUIRE(parallel.circuit.gates.size() == expected.circuit.gates.size());
    for (std::size_t i = 0; i < expected.circuit.gates.size(); ++i) {
      CHECK(same_bits(parallel.circuit.gates[i], expected.circuit.gates[i]));
    }
    REQUIRE(parallel.blocks.size() == expected.blocks.size());
    for (std::size_t i = 0; i < expected.blocks.size(); ++i) {
      CHECK(parallel.blocks[i].cnots_after == expected.blocks[i].cnots_after);
      CHECK(parallel.blocks[i].nodes == expected.blocks[i].nodes);
      CHECK(parallel.blocks[i].distance == expected.blocks[i].distance);
    }
  }
}

TEST_CASE("optimize never adds CXs to random circuits", "[qsearch][optimize]") {
  // Runs of CXs on one pair are common on 3 qubits, rare on 6: at least the first shrinks.
  for (int qubits = 3; qubits <= 6; ++qubits) {
    const qs::circuit_gates input = yt_test::random_circuit(qubits, 8 * qubits, 100 + qubits);
    INFO("qubits " << qubits);
    const qs::optimize_result result = run(input, small_options(2, qubits));
    check_result(input, result, 2);
    if (qubits == 3) {
      CHECK(result.cnots_after < result.cnots_before);
    }
  }
}

TEST_CASE("a block job and its outcome survive the cluster codec", "[qsearch][optimize]") {
  const qs::circuit_gates input = two_qubit_circuit(4, 6);
  qs::optimize_options options = small_options(2, 17);
  options.topology = {{1, 0}};
  options.search.gate = qs::two_qubit_gate::cz;
  std::vector<qs::block_job> jobs = qs::make_block_jobs(input, options);
  REQUIRE(jobs.size() == 1);
  const auto bytes_of = [](const auto& value) {
    yt::byte_writer writer;
    yt::codec<std::remove_cvref_t<decltype(value)>>::encode(writer, value);
    return std::move(writer).bytes();
  };
  const std::vector<std::byte> job_bytes = bytes_of(jobs[0]);
  yt::byte_reader job_reader(job_bytes);
  const qs::block_job job = yt::codec<qs::block_job>::decode(job_reader);
  CHECK(bytes_of(job) == job_bytes);
  CHECK(job.index == 0);
  CHECK(job.options.search.seed == 17);
  CHECK(job.options.topology == options.topology);
  CHECK(job.options.search.gate == qs::two_qubit_gate::cz);

  yt::inline_executor serial;
  const qs::block_outcome outcome = yt::sync_wait(serial, qs::resynthesize_block(job));
  const std::vector<std::byte> outcome_bytes = bytes_of(outcome);
  yt::byte_reader outcome_reader(outcome_bytes);
  const qs::block_outcome decoded = yt::codec<qs::block_outcome>::decode(outcome_reader);
  CHECK(bytes_of(decoded) == outcome_bytes);
  CHECK(decoded.report.replaced);
  CHECK(decoded.report.cnots_after == two_qubit_count(decoded.circuit));

  const qs::optimize_result combined = qs::combine_outcomes(2, {decoded});
  check_result(input, combined, 2);
}

TEST_CASE("optimize refuses bad block sizes and topology edges", "[qsearch][optimize]") {
  const qs::circuit_gates input = two_qubit_circuit(2, 1);
  qs::optimize_options options = small_options(5);
  CHECK_THROWS_AS(qs::make_block_jobs(input, options), qs::input_error);
  options.block_size = 2;
  options.topology = {{0, 2}};
  CHECK_THROWS_AS(qs::make_block_jobs(input, options), qs::input_error);
  options.topology = {{1, 1}};
  CHECK_THROWS_AS(qs::make_block_jobs(input, options), qs::input_error);
  yt::inline_executor serial;
  CHECK_THROWS_AS(yt::sync_wait(serial, qs::optimize(input, options)), qs::input_error);
}
