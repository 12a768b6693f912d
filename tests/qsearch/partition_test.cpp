#include <algorithm>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include <support/random_circuit.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/gates.hpp>
#include <qsearch/input_error.hpp>
#include <qsearch/partition.hpp>
#include <qsearch/search.hpp>

namespace {

using qs::gate;

auto key(const gate& g) {
  return std::tuple(g.type, g.qubit, g.target, g.theta, g.phi, g.lambda);
}

// The gates on qubit q, in order.
std::vector<gate> on_qubit(const qs::circuit_gates& c, int q) {
  std::vector<gate> out;
  for (const gate& g : c.gates) {
    if (g.qubit == q || g.target == q) {
      out.push_back(g);
    }
  }
  return out;
}

bool same_gates(const std::vector<gate>& a, const std::vector<gate>& b) {
  return std::ranges::equal(a, b, [](const gate& x, const gate& y) { return key(x) == key(y); });
}

// Whether the block's CXs connect all its qubits (union-find on at most 4 qubits).
bool connected_by_cnots(const qs::block& b) {
  std::vector<int> parent(b.qubits.size());
  std::iota(parent.begin(), parent.end(), 0);
  const auto root = [&](int q) {
    while (parent[static_cast<std::size_t>(q)] != q) {
      q = parent[static_cast<std::size_t>(q)];
    }
    return q;
  };
  for (const gate& g : b.circuit.gates) {
    if (g.type == gate::kind::cx) {
      parent[static_cast<std::size_t>(root(g.qubit))] = root(g.target);
    }
  }
  for (int q = 0; q < static_cast<int>(b.qubits.size()); ++q) {
    if (root(q) != root(0)) {
      return false;
    }
  }
  return true;
}

// Everything `partition` promises but the unitary: blocks of ascending distinct qubits, at most
// `block_size` of them, each used and connected by the block's CXs; local gates in range; and
// the reassembled circuit holds the input's gates with every qubit's gates in the input order,
// which is what makes the unitary the same.
void check_partition(const qs::circuit_gates& input, const std::vector<qs::block>& blocks,
                     int block_size) {
  std::size_t gates = 0;
  for (const qs::block& b : blocks) {
    REQUIRE(!b.qubits.empty());
    CHECK(static_cast<int>(b.qubits.size()) <= block_size);
    CHECK(std::ranges::is_sorted(b.qubits));
    CHECK(std::ranges::adjacent_find(b.qubits) == b.qubits.end());
    CHECK(b.circuit.qubits == static_cast<int>(b.qubits.size()));
    CHECK(!b.circuit.gates.empty());
    for (int q = 0; q < b.circuit.qubits; ++q) {
      CHECK(!on_qubit(b.circuit, q).empty());
    }
    CHECK(connected_by_cnots(b));
    gates += b.circuit.gates.size();
  }
  CHECK(gates == input.gates.size());

  const qs::circuit_gates assembled = qs::assemble(input.qubits, blocks);
  REQUIRE(assembled.gates.size() == input.gates.size());
  for (int q = 0; q < input.qubits; ++q) {
    CHECK(same_gates(on_qubit(assembled, q), on_qubit(input, q)));
  }
  std::vector<gate> sorted_in = input.gates;
  std::vector<gate> sorted_out = assembled.gates;
  const auto by_key = [](const gate& x, const gate& y) { return key(x) < key(y); };
  std::ranges::sort(sorted_in, by_key);
  std::ranges::sort(sorted_out, by_key);
  CHECK(same_gates(sorted_in, sorted_out));
}

double max_abs_difference(const qs::matrix& a, const qs::matrix& b) {
  return (a - b).cwiseAbs().maxCoeff();
}

} // namespace

TEST_CASE("partition keeps every gate once, in blocks of at most block_size qubits, with the "
          "input's unitary",
          "[qsearch][partition]") {
  for (int qubits = 3; qubits <= 8; ++qubits) {
    for (int block_size = 2; block_size <= 4; ++block_size) {
      for (std::uint64_t seed = 0; seed < 4; ++seed) {
        const qs::circuit_gates input =
            yt_test::random_circuit(qubits, 10 * qubits, 1000 * seed + 10 * qubits + block_size);
        INFO("qubits " << qubits << ", block size " << block_size << ", seed " << seed);
        const std::vector<qs::block> blocks = qs::partition(input, block_size);
        check_partition(input, blocks, block_size);
        CHECK(max_abs_difference(qs::circuit_unitary(qs::assemble(qubits, blocks)),
                                 qs::circuit_unitary(input)) < 1e-12);
      }
    }
  }
}

TEST_CASE("partition follows its rule on a small circuit", "[qsearch][partition]") {
  // u3 q0 and u3 q1 open blocks that cx 0,1 merges; u3 q2 opens a block, and cx 1,2 would
  // merge 3 qubits, so it closes {0,1} (the wider) and joins {2} with q1. u3 q0 is on a free
  // qubit whose last gate is in {0,1}: appended there. The last cx 0,1 would make {0,1,2}, so
  // it closes {1,2} and opens a block.
  const qs::circuit_gates input{3,
                                {gate::u3(0, 1, 2, 3), gate::u3(1, 1, 2, 3), gate::cx(0, 1),
                                 gate::u3(2, 1, 2, 3), gate::cx(1, 2), gate::u3(0, 4, 5, 6),
                                 gate::cx(0, 1)}};
  const std::vector<qs::block> blocks = qs::partition(input, 2);
  REQUIRE(blocks.size() == 3);
  CHECK(blocks[0].qubits == std::vector{0, 1});
  CHECK(same_gates(blocks[0].circuit.gates, {gate::u3(0, 1, 2, 3), gate::u3(1, 1, 2, 3),
                                             gate::cx(0, 1), gate::u3(0, 4, 5, 6)}));
  CHECK(blocks[1].qubits == std::vector{1, 2});
  CHECK(same_gates(blocks[1].circuit.gates, {gate::u3(1, 1, 2, 3), gate::cx(0, 1)}));
  CHECK(blocks[2].qubits == std::vector{0, 1});
  CHECK(same_gates(blocks[2].circuit.gates, {gate::cx(0, 1)}));
  check_partition(input, blocks, 2);
}

TEST_CASE("partition closes the wider block when a gate does not fit", "[qsearch][partition]") {
  // cx 2,3 would join {0,1,2} and {3}: closing {0,1,2} leaves room for {2,3}, which keeps the
  // u3 on q3 with the CX after it.
  const qs::circuit_gates input{
      4, {gate::cx(0, 1), gate::cx(1, 2), gate::u3(3, 1, 2, 3), gate::cx(2, 3)}};
  const std::vector<qs::block> blocks = qs::partition(input, 3);
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].qubits == std::vector{0, 1, 2});
  CHECK(same_gates(blocks[0].circuit.gates, {gate::cx(0, 1), gate::cx(1, 2)}));
  CHECK(blocks[1].qubits == std::vector{2, 3});
  CHECK(same_gates(blocks[1].circuit.gates, {gate::u3(1, 1, 2, 3), gate::cx(0, 1)}));
  check_partition(input, blocks, 3);
}

TEST_CASE("partition puts a circuit no wider than block_size into one block",
          "[qsearch][partition]") {
  for (int block_size = 2; block_size <= 4; ++block_size) {
    const qs::circuit_gates input = yt_test::random_circuit(block_size, 60, 77 + block_size);
    const std::vector<qs::block> blocks = qs::partition(input, block_size);
    REQUIRE(blocks.size() == 1);
    CHECK(same_gates(blocks[0].circuit.gates, input.gates));
  }
}

TEST_CASE("partition cuts a 30-qubit, 5000-gate circuit fast", "[qsearch][partition]") {
  const qs::circuit_gates input = yt_test::random_circuit(30, 5000, 30);
  for (int block_size = 2; block_size <= 4; ++block_size) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<qs::block> blocks = qs::partition(input, block_size);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed.count() < 1.0);
    check_partition(input, blocks, block_size);
  }
}

TEST_CASE("partition refuses block sizes outside 2 to 4 and malformed gates",
          "[qsearch][partition]") {
  const qs::circuit_gates input = yt_test::random_circuit(3, 10, 1);
  CHECK_THROWS_AS(qs::partition(input, 1), qs::input_error);
  CHECK_THROWS_AS(qs::partition(input, 5), qs::input_error);
  CHECK_THROWS_AS(qs::partition({2, {gate::cx(0, 2)}}, 2), std::invalid_argument);
  CHECK_THROWS_AS(qs::partition({2, {gate::cx(1, 1)}}, 2), std::invalid_argument);
  CHECK_THROWS_AS(qs::assemble(2, {qs::block{{1, 2}, {2, {gate::cx(0, 1)}}}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(qs::assemble(3, {qs::block{{1, 2}, {2, {gate::cx(0, 2)}}}}),
                  std::invalid_argument);
}

TEST_CASE("partition of an empty circuit has no blocks", "[qsearch][partition]") {
  CHECK(qs::partition({4, {}}, 3).empty());
  CHECK(qs::assemble(4, {}).gates.empty());
}

TEST_CASE("merge_single_qubit_gates keeps the unitary up to phase and the CXs in order, with a "
          "CX between any two U3s on a qubit",
          "[qsearch][partition]") {
  for (int qubits = 1; qubits <= 6; ++qubits) {
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
      // Mostly U3s, so that there are long runs to merge.
      const qs::circuit_gates input = yt_test::random_circuit(qubits, 12 * qubits, seed, 0.25);
      const qs::circuit_gates merged = qs::merge_single_qubit_gates(input);
      INFO("qubits " << qubits << ", seed " << seed);
      CHECK(merged.qubits == qubits);
      CHECK(qs::distance(qs::circuit_unitary(input), qs::circuit_unitary(merged)) < 1e-12);
      std::vector<gate> cx_in;
      std::vector<gate> cx_out;
      std::ranges::copy_if(input.gates, std::back_inserter(cx_in),
                           [](const gate& g) { return g.type == gate::kind::cx; });
      std::ranges::copy_if(merged.gates, std::back_inserter(cx_out),
                           [](const gate& g) { return g.type == gate::kind::cx; });
      CHECK(same_gates(cx_in, cx_out));
      for (int q = 0; q < qubits; ++q) {
        const std::vector<gate> gates = on_qubit(merged, q);
        for (std::size_t i = 1; i < gates.size(); ++i) {
          CHECK((gates[i - 1].type == gate::kind::cx || gates[i].type == gate::kind::cx));
        }
      }
    }
  }
}

TEST_CASE("merge_single_qubit_gates drops runs that multiply to the identity",
          "[qsearch][partition]") {
  // U3(θ, φ, λ)⁻¹ = U3(−θ, −λ, −φ).
  const qs::circuit_gates input{2,
                                {gate::u3(0, 0.3, 0.5, 0.7), gate::u3(1, 1, 1, 1),
                                 gate::u3(0, -0.3, -0.7, -0.5), gate::cx(0, 1),
                                 gate::u3(1, 0.1, 0.2, 0.3), gate::u3(1, -0.1, -0.3, -0.2)}};
  const qs::circuit_gates merged = qs::merge_single_qubit_gates(input);
  REQUIRE(merged.gates.size() == 2);
  const gate& kept = merged.gates[0];
  CHECK((kept.type == gate::kind::u3 && kept.qubit == 1));
  CHECK(max_abs_difference(qs::u3_matrix(kept.theta, kept.phi, kept.lambda),
                           qs::u3_matrix(1, 1, 1)) < 1e-14);
  CHECK(key(merged.gates[1]) == key(gate::cx(0, 1)));
}
