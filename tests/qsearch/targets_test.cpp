#include <cmath>
#include <cstdint>
#include <numbers>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/qasm.hpp>
#include <qsearch/targets.hpp>
#include <qsearch/unitary_io.hpp>

namespace {

// The column a permutation target sends basis state `from` to (it must be a permutation).
int image(const qs::matrix& u, int from) {
  for (int to = 0; to < u.rows(); ++to) {
    if (std::abs(u(to, from) - 1.0) < 1e-15) {
      return to;
    }
  }
  return -1;
}

} // namespace

TEST_CASE("every listed target is a unitary of its listed size", "[qsearch][targets]") {
  const auto targets = qs::list_targets();
  CHECK(targets.size() == 16);
  for (const qs::target_info& t : targets) {
    INFO(t.name);
    const qs::matrix u = qs::make_target(t.name);
    CHECK(u.rows() == (1 << t.qubits));
    CHECK_NOTHROW(qs::validate_unitary(u, t.name));
    CHECK_FALSE(t.description.empty());
  }
}

TEST_CASE("the QFT targets are omega^(xy)/sqrt(N)", "[qsearch][targets]") {
  const qs::matrix q = qs::make_target("qft2");
  const qs::complex i(0, 1);
  const qs::complex expected[4][4] = {
      {1, 1, 1, 1}, {1, i, -1.0, -i}, {1, -1.0, 1, -1.0}, {1, -i, -1.0, i}};
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) {
      CHECK(std::abs(q(r, c) - expected[r][c] / 2.0) < 1e-15);
    }
  }
  const qs::matrix q3 = qs::make_target("qft3");
  CHECK(std::abs(q3(3, 5) - std::polar(1 / std::sqrt(8.0), 2 * std::numbers::pi * 15 / 8)) < 1e-15);
  const qs::matrix q5 = qs::make_target("qft5");
  REQUIRE(q5.rows() == 32);
  REQUIRE(q5.cols() == 32);
  for (int x = 0; x < 32; ++x) {
    for (int y = 0; y < 32; ++y) {
      INFO("qft5 (" << x << ", " << y << ")");
      CHECK(std::abs(q5(x, y) - std::polar(1 / std::sqrt(32.0),
                                           2 * std::numbers::pi * ((x * y) % 32) / 32)) < 1e-15);
    }
  }
}

TEST_CASE("the reversible targets permute basis states as defined, big-endian",
          "[qsearch][targets]") {
  // Basis index bits: q0 q1 q2 from most to least significant.
  const qs::matrix toffoli = qs::make_target("toffoli");
  CHECK(image(toffoli, 0b110) == 0b111);
  CHECK(image(toffoli, 0b101) == 0b101);
  const qs::matrix fredkin = qs::make_target("fredkin");
  CHECK(image(fredkin, 0b101) == 0b110);
  CHECK(image(fredkin, 0b001) == 0b001);
  const qs::matrix peres = qs::make_target("peres");
  CHECK(image(peres, 0b100) == 0b111); // CX sets q1, then CCX fires
  CHECK(image(peres, 0b110) == 0b100);
  CHECK(image(peres, 0b010) == 0b010);
  const qs::matrix or_gate = qs::make_target("or");
  CHECK(image(or_gate, 0b010) == 0b011);
  CHECK(image(or_gate, 0b100) == 0b101);
  CHECK(image(or_gate, 0b001) == 0b001);
  const qs::matrix adder = qs::make_target("full_adder"); // |a b c d> -> |a b s d^carry>
  CHECK(image(adder, 0b1100) == 0b1101);
  CHECK(image(adder, 0b1010) == 0b1001);
  CHECK(image(adder, 0b0010) == 0b0010);
  CHECK(image(adder, 0b1110) == 0b1111);
}

TEST_CASE("hhl and miro have the defined entries", "[qsearch][targets]") {
  const qs::matrix hhl = qs::make_target("hhl");
  CHECK(hhl(0, 3) == qs::complex(0, -1));
  CHECK(hhl(1, 2) == -1.0);
  CHECK(hhl(2, 1) == 1.0);
  CHECK(hhl(3, 0) == -1.0);
  CHECK(hhl(6, 6) == -1.0);
  CHECK(hhl(7, 7) == qs::complex(0, 1));
  const qs::matrix miro = qs::make_target("miro");
  CHECK(std::abs(miro(0, 0) - std::cos(std::numbers::pi / 6)) < 1e-15);
  CHECK(std::abs(miro(7, 0) - qs::complex(0, -0.5)) < 1e-15);
  CHECK(std::abs(miro(1, 1) - std::cos(std::numbers::pi / 6)) < 1e-15);
  CHECK(miro(1, 0) == 0.0);
}

TEST_CASE("TFIM targets load from the bundled data", "[qsearch][targets]") {
  CHECK(qs::make_target("tfim_3_3").rows() == 8);
  CHECK(qs::make_target("tfim_30_4").rows() == 16);
  CHECK(qs::make_target("tfim_3_3") ==
        qs::read_unitary(std::string(QSEARCH_DATA_DIR) + "/circuit_eph_1.0_time_3_3.unitary"));
}

TEST_CASE("an unknown target name lists the known ones", "[qsearch][targets]") {
  try {
    qs::make_target("qft9");
    FAIL("no error");
  } catch (const qs::input_error& error) {
    const std::string message = error.what();
    CHECK(message.find("unknown target 'qft9'") != std::string::npos);
    CHECK(message.find("toffoli") != std::string::npos);
    CHECK(message.find("tfim_60_3") != std::string::npos);
    CHECK(message.find("planted_Q_K_S") != std::string::npos);
  }
}

namespace {

// The circuit's CNOTs as (control, target) pairs, in time order.
std::vector<qs::coupling_edge> cnot_edges(const qs::circuit_gates& circuit) {
  std::vector<qs::coupling_edge> edges;
  for (const qs::gate& g : circuit.gates) {
    if (g.is_two_qubit()) {
      CHECK(g.type == qs::gate::kind::cx);
      edges.push_back({g.qubit, g.target});
    }
  }
  return edges;
}

} // namespace

TEST_CASE("a planted circuit has exactly k CNOTs, all on the linear chain, each followed by U3s",
          "[qsearch][targets]") {
  for (const int qubits : {2, 3, 4, 6}) {
    const std::vector<qs::coupling_edge> linear = qs::linear_topology(qubits);
    const std::set<qs::coupling_edge> chain(linear.begin(), linear.end());
    for (const int cnots : {0, 1, 5, 12}) {
      for (std::uint64_t seed = 0; seed < 4; ++seed) {
        INFO(qubits << " qubits, " << cnots << " CNOTs, seed " << seed);
        const qs::circuit_gates c = qs::planted_circuit(qubits, cnots, seed);
        CHECK(c.qubits == qubits);
        CHECK(qs::two_qubit_count(c) == cnots);
        CHECK(c.gates.size() == static_cast<std::size_t>(qubits + 3 * cnots));
        for (const qs::coupling_edge& e : cnot_edges(c)) {
          CHECK(chain.contains(e));
        }
        for (int q = 0; q < qubits; ++q) {
          CHECK(c.gates[q].type == qs::gate::kind::u3);
          CHECK(c.gates[q].qubit == q);
        }
        for (int layer = 0; layer < cnots; ++layer) {
          const qs::gate& cx = c.gates[qubits + 3 * layer];
          CHECK(c.gates[qubits + 3 * layer + 1].type == qs::gate::kind::u3);
          CHECK(c.gates[qubits + 3 * layer + 1].qubit == cx.qubit);
          CHECK(c.gates[qubits + 3 * layer + 2].type == qs::gate::kind::u3);
          CHECK(c.gates[qubits + 3 * layer + 2].qubit == cx.target);
        }
        CHECK_NOTHROW(qs::validate_unitary(qs::circuit_unitary(c), "planted"));
      }
    }
  }
}

TEST_CASE("a planted circuit is a function of its seed, and seeds differ", "[qsearch][targets]") {
  std::set<std::string> seen;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const std::string text = qs::to_qasm(qs::planted_circuit(3, 6, seed));
    CHECK(qs::to_qasm(qs::planted_circuit(3, 6, seed)) == text);
    seen.insert(text);
  }
  CHECK(seen.size() == 20);
  // Over 20 seeds the edges are not all the same: the chain is sampled, not walked.
  std::set<std::vector<qs::coupling_edge>> edge_sequences;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    edge_sequences.insert(cnot_edges(qs::planted_circuit(4, 6, seed)));
  }
  CHECK(edge_sequences.size() > 10);
  CHECK(qs::to_qasm(qs::planted_circuit(3, 6, 1)) != qs::to_qasm(qs::planted_circuit(3, 7, 1)));
  CHECK_THROWS_AS(qs::planted_circuit(1, 3, 0), std::invalid_argument);
  CHECK_THROWS_AS(qs::planted_circuit(3, -1, 0), std::invalid_argument);
}

TEST_CASE("planted_Q_K_S names the unitary of planted_circuit(Q, K, S)", "[qsearch][targets]") {
  CHECK(qs::make_target("planted_3_5_7") == qs::circuit_unitary(qs::planted_circuit(3, 5, 7)));
  CHECK(qs::make_target("planted_2_0_0").rows() == 4);
  CHECK(qs::make_target("planted_6_2_18446744073709551615").rows() == 64);
  const std::vector<std::pair<std::string, std::string>> bad{
      {"planted_3_x", "expected 3 '_'-separated numbers, not 2"},
      {"planted_3_x_1", "'x' is not a CNOT count from 0 to 1000"},
      {"planted_0_1_1", "'0' is not a qubit count from 2 to 6"},
      {"planted_1_1_1", "'1' is not a qubit count"},
      {"planted_7_1_1", "'7' is not a qubit count"},
      {"planted_3_-1_1", "'-1' is not a CNOT count"},
      {"planted_3_1001_1", "'1001' is not a CNOT count"},
      {"planted_3_1_18446744073709551616", "is not a seed"},
      {"planted_3_1_+1", "'+1' is not a seed"},
      {"planted_3_1_", "'' is not a seed"},
      {"planted_3_1_1_1", "numbers, not 4"},
      {"planted_", "numbers, not 1"},
  };
  for (const auto& [name, phrase] : bad) {
    INFO(name);
    try {
      qs::make_target(name);
      FAIL("no error");
    } catch (const qs::input_error& error) {
      const std::string message = error.what();
      INFO(message);
      CHECK(message.find("target '" + name + "': ") == 0);
      CHECK(message.find(phrase) != std::string::npos);
      CHECK(message.find("planted_Q_K_S") != std::string::npos);
    }
  }
}
