#include <numbers>
#include <string>

#include <catch2/catch.hpp>

#include <qsearch/gates.hpp>
#include <qsearch/qasm.hpp>
#include <qsearch/random.hpp>

namespace {

constexpr double pi = std::numbers::pi;

// Max entry error after removing the best global phase.
double phase_error(const qs::matrix& a, const qs::matrix& b) {
  const qs::complex overlap = (a.adjoint() * b).trace();
  const qs::complex phase = overlap / std::abs(overlap);
  return (a * phase - b).cwiseAbs().maxCoeff();
}

qs::matrix kron(const qs::matrix& a, const qs::matrix& b) {
  qs::matrix out(a.rows() * b.rows(), a.cols() * b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j)
      out.block(i * b.rows(), j * b.cols(), b.rows(), b.cols()) = a(i, j) * b;
  return out;
}

std::string parse_error(const std::string& text) {
  try {
    qs::parse_qasm(text);
  } catch (const qs::input_error& error) {
    return error.what();
  }
  return "";
}

} // namespace

TEST_CASE("u3_angles reproduces any single-qubit unitary up to phase", "[qsearch][qasm]") {
  std::vector<qs::matrix2> cases{qs::matrix2::Identity(),
                                 qs::u3_matrix(pi, 0, pi),
                                 qs::rz_matrix(0.3),
                                 qs::u3_matrix(pi / 2, 0, pi),
                                 qs::rz_matrix(pi / 2),
                                 qs::rx_matrix(pi),
                                 qs::ry_matrix(pi),
                                 qs::u3_matrix(1e-9, 0.4, 0.1),
                                 qs::u3_matrix(pi - 1e-9, 2, -1)};
  for (std::uint64_t seed = 0; seed < 200; ++seed)
    cases.push_back(qs::haar_random_unitary(1, seed));
  for (const qs::matrix2& u : cases) {
    const auto [theta, phi, lambda] = qs::u3_angles(u);
    INFO(u);
    CHECK(phase_error(qs::u3_matrix(theta, phi, lambda), u) < 1e-13);
  }
}

TEST_CASE("QASM text round-trips bit-exactly", "[qsearch][qasm]") {
  qs::splitmix64 random(3);
  qs::circuit_gates circuit{3, {}};
  for (int i = 0; i < 30; ++i)
    circuit.gates.push_back(i % 3 == 2 ? qs::gate::cx(i % 3, (i + 1) % 3)
                                       : qs::gate::u3(i % 3, random.angle() - pi, random.angle(),
                                                      -random.uniform() * 1e-300));
  const qs::circuit_gates parsed = qs::parse_qasm(qs::to_qasm(circuit));
  REQUIRE(parsed.qubits == 3);
  REQUIRE(parsed.gates.size() == circuit.gates.size());
  for (std::size_t i = 0; i < parsed.gates.size(); ++i) {
    CHECK(parsed.gates[i].type == circuit.gates[i].type);
    CHECK(parsed.gates[i].qubit == circuit.gates[i].qubit);
    if (circuit.gates[i].type == qs::gate::kind::cx) {
      CHECK(parsed.gates[i].target == circuit.gates[i].target);
    } else {
      CHECK(parsed.gates[i].theta == circuit.gates[i].theta);
      CHECK(parsed.gates[i].phi == circuit.gates[i].phi);
      CHECK(parsed.gates[i].lambda == circuit.gates[i].lambda);
    }
  }
}

TEST_CASE("a CNOT's unitary follows the big- or little-endian convention", "[qsearch][qasm]") {
  const qs::circuit_gates cx = qs::parse_qasm("OPENQASM 2.0;\nqreg q[2];\ncx q[0],q[1];\n");
  qs::matrix big = qs::matrix::Zero(4, 4);
  big(0, 0) = big(1, 1) = big(2, 3) = big(3, 2) = 1;
  CHECK(qs::circuit_unitary(cx) == big);
  qs::matrix little = qs::matrix::Zero(4, 4);
  little(0, 0) = little(2, 2) = little(1, 3) = little(3, 1) = 1;
  CHECK(qs::circuit_unitary_little_endian(cx) == little);
}

TEST_CASE("h then cx makes a Bell state", "[qsearch][qasm]") {
  const qs::matrix u =
      qs::circuit_unitary(qs::parse_qasm("OPENQASM 2.0; qreg q[2]; h q[0]; cx q[0],q[1];"));
  const double r = 1 / std::sqrt(2.0);
  CHECK(std::abs(std::abs(u(0, 0)) - r) < 1e-15);
  CHECK(std::abs(std::abs(u(3, 0)) - r) < 1e-15);
  CHECK(std::abs(u(1, 0)) < 1e-15);
  CHECK(std::abs(u(2, 0)) < 1e-15);
}

TEST_CASE("Qiskit-style programs match the product of their gates", "[qsearch][qasm]") {
  const std::string program = R"(OPENQASM 2.0;
include "qelib1.inc";
// a comment
qreg r[3];
creg c[3];
h r[0];
rz(pi/4) r[1]; sx r[2];
cx r[0],r[2];
u2(0.1, -pi) r[1];
barrier r[0],r[1];
ry(-(1.5e-1 + 2*pi)/3) r[2];
CX r[2],r[1];
u1(0.3) r[0]; t r[1]; sdg r[2]; y r[0]; z r[1]; s r[2]; tdg r[0]; x r[1]; id r[2];
rx(0.7) r[0]; p(0.2) r[1]; U(0.1,0.2,0.3) r[2]; u(1,2,3) r[0];
measure r[0] -> c[0];
)";
  const qs::matrix2 id = qs::matrix2::Identity();
  const auto on = [&](int q, const qs::matrix2& g) {
    return kron(kron(q == 0 ? g : id, q == 1 ? g : id), q == 2 ? g : id);
  };
  const auto cnot = [&](int c, int t) {
    qs::matrix m = qs::matrix::Zero(8, 8);
    for (int x = 0; x < 8; ++x) {
      const int cb = (x >> (2 - c)) & 1;
      m(cb ? x ^ (1 << (2 - t)) : x, x) = 1;
    }
    return m;
  };
  const qs::complex i(0, 1);
  qs::matrix2 h, sx, x, y, z, s, sdg, t, tdg;
  h << 1 / std::sqrt(2.0), 1 / std::sqrt(2.0), 1 / std::sqrt(2.0), -1 / std::sqrt(2.0);
  sx << (1.0 + i) / 2.0, (1.0 - i) / 2.0, (1.0 - i) / 2.0, (1.0 + i) / 2.0;
  x << 0, 1, 1, 0;
  y << 0, -i, i, 0;
  z << 1, 0, 0, -1;
  s << 1, 0, 0, i;
  sdg << 1, 0, 0, -i;
  t << 1, 0, 0, std::polar(1.0, pi / 4);
  tdg << 1, 0, 0, std::polar(1.0, -pi / 4);
  const std::vector<qs::matrix> steps{on(0, h),
                                      on(1, qs::rz_matrix(pi / 4)),
                                      on(2, sx),
                                      cnot(0, 2),
                                      on(1, qs::u3_matrix(pi / 2, 0.1, -pi)),
                                      on(2, qs::ry_matrix(-(1.5e-1 + 2 * pi) / 3)),
                                      cnot(2, 1),
                                      on(0, qs::u3_matrix(0, 0, 0.3)),
                                      on(1, t),
                                      on(2, sdg),
                                      on(0, y),
                                      on(1, z),
                                      on(2, s),
                                      on(0, tdg),
                                      on(1, x),
                                      on(0, qs::rx_matrix(0.7)),
                                      on(1, qs::u3_matrix(0, 0, 0.2)),
                                      on(2, qs::u3_matrix(0.1, 0.2, 0.3)),
                                      on(0, qs::u3_matrix(1, 2, 3))};
  qs::matrix expected = qs::matrix::Identity(8, 8);
  for (const qs::matrix& step : steps)
    expected = step * expected;
  const qs::circuit_gates parsed = qs::parse_qasm(program);
  CHECK(parsed.qubits == 3);
  CHECK(phase_error(qs::circuit_unitary(parsed), expected) < 1e-14);
}

TEST_CASE("malformed QASM gives an error with its line number", "[qsearch][qasm]") {
  const std::string head = "OPENQASM 2.0;\nqreg q[2];\n";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"qreg q[2];", "line 1: expected 'OPENQASM 2.0;' first"},
      {"OPENQASM 3.0;", "line 1: only OpenQASM 2.0"},
      {"OPENQASM 2.0;\n", "no qreg declared"},
      {head + "foo q[0];", "line 3: unknown gate 'foo'"},
      {head + "rx q[0];", "line 3: gate 'rx' takes 1 parameter, got 0"},
      {head + "h q[5];", "line 3: qubit 5 is out of range"},
      {head + "cx q[1],q[1];", "line 3: cx needs two different qubits"},
      {head + "h r[0];", "line 3: unknown register 'r'"},
      {head + "\nrz(pi*) q[0];", "line 4: expected a number"},
      {head + "h q[0]", "line 3: expected ';' before the end"},
      {head + "qreg p[1];", "line 3: only one qreg"},
      {"OPENQASM 2.0;\nqreg q[17];", "line 2: qreg size must be 1 to 16"},
      {head + "rz(1e999) q[0];", "line 3: number out of range"},
      {head + "rz(1/0) q[0];", "line 3: gate 'rz' has a parameter that is not finite"},
      {head + "rz(" + std::string(200, '(') + "1" + std::string(200, ')') + ") q[0];",
       "nested too deeply"},
  };
  for (const auto& [text, phrase] : cases) {
    const std::string message = parse_error(text);
    INFO(text << " -> " << message);
    CHECK(message.find(phrase) != std::string::npos);
  }
}

TEST_CASE("mutated QASM either parses or throws input_error", "[qsearch][qasm]") {
  const std::string valid = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\n"
                            "u3(0.5,-1.25e-3,pi/2) q[0];\ncx q[0],q[1];\nrz(-(pi)) q[2];\n";
  qs::splitmix64 random(11);
  const std::string alphabet = "();,[]qpi0123456789.-+*/e \nuxcr\"";
  int parsed = 0;
  for (int trial = 0; trial < 5000; ++trial) {
    std::string text = valid;
    const int edits = 1 + static_cast<int>(random.next() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = random.next() % text.size();
      switch (random.next() % 3) {
      case 0:
        text.erase(at, 1);
        break;
      case 1:
        text.insert(at, 1, alphabet[random.next() % alphabet.size()]);
        break;
      default:
        text.resize(at);
      }
      if (text.empty())
        break;
    }
    try {
      const qs::circuit_gates circuit = qs::parse_qasm(text);
      CHECK(circuit.qubits >= 1);
      ++parsed;
    } catch (const qs::input_error&) {
    }
  }
  CHECK(parsed > 0);
}
