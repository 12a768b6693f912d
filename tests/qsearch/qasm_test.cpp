#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <support/mutate.hpp>

#include <qsearch/gates.hpp>
#include <qsearch/qasm.hpp>
#include <qsearch/random.hpp>

namespace {

constexpr double pi = std::numbers::pi;
const qs::complex i1(0, 1);
const double r2 = 1 / std::sqrt(2.0);

// Max entry error of e^{iα}·a against b for the best global phase α.
double phase_error(const qs::matrix& a, const qs::matrix& b) {
  const qs::complex overlap = (a.adjoint() * b).trace();
  const qs::complex phase = std::abs(overlap) == 0 ? 1.0 : overlap / std::abs(overlap);
  return (a * phase - b).cwiseAbs().maxCoeff();
}

qs::matrix kron(const qs::matrix& a, const qs::matrix& b) {
  qs::matrix out(a.rows() * b.rows(), a.cols() * b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
      out.block(i * b.rows(), j * b.cols(), b.rows(), b.cols()) = a(i, j) * b;
    }
  }
  return out;
}

// The n-qubit unitary of `g` on qubit `q`, qubit 0 the leftmost Kronecker factor.
qs::matrix on_qubit(int n, int q, const qs::matrix2& g) {
  qs::matrix out = qs::matrix::Identity(1, 1);
  for (int k = 0; k < n; ++k) {
    out = kron(out, k == q ? qs::matrix(g) : qs::matrix(qs::matrix2::Identity()));
  }
  return out;
}

// The n-qubit CNOT as |0><0| ⊗ I + |1><1| ⊗ X on the control, written out with Kronecker
// products.
qs::matrix cnot(int n, int control, int target) {
  qs::matrix2 zero, one, x;
  zero << 1, 0, 0, 0;
  one << 0, 0, 0, 1;
  x << 0, 1, 1, 0;
  qs::matrix off = qs::matrix::Identity(1, 1);
  qs::matrix on = qs::matrix::Identity(1, 1);
  for (int k = 0; k < n; ++k) {
    const qs::matrix2 id = qs::matrix2::Identity();
    off = kron(off, k == control ? zero : id);
    on = kron(on, k == control ? one : k == target ? x : id);
  }
  return off + on;
}

// The unitary of `circuit` as a product of Kronecker-built gate matrices, big-endian.
qs::matrix kron_unitary(const qs::circuit_gates& circuit) {
  const Eigen::Index dim = Eigen::Index{1} << circuit.qubits;
  qs::matrix u = qs::matrix::Identity(dim, dim);
  for (const qs::gate& g : circuit.gates) {
    u = (g.type == qs::gate::kind::cx
             ? cnot(circuit.qubits, g.qubit, g.target)
             : on_qubit(circuit.qubits, g.qubit, qs::u3_matrix(g.theta, g.phi, g.lambda))) *
        u;
  }
  return u;
}

qs::circuit_gates random_circuit(int qubits, int length, std::uint64_t seed) {
  qs::splitmix64 random(seed);
  qs::circuit_gates circuit{qubits, {}};
  for (int k = 0; k < length; ++k) {
    const int q = static_cast<int>(random.next() % static_cast<std::uint64_t>(qubits));
    if (qubits > 1 && random.next() % 3 == 0) {
      const int offset =
          1 + static_cast<int>(random.next() % static_cast<std::uint64_t>(qubits - 1));
      circuit.gates.push_back(qs::gate::cx(q, (q + offset) % qubits));
    } else {
      circuit.gates.push_back(qs::gate::u3(q, random.angle(), random.angle(), random.angle()));
    }
  }
  return circuit;
}

std::string parse_error(const std::string& text) {
  try {
    qs::parse_qasm(text);
  } catch (const qs::input_error& error) {
    return error.what();
  }
  return "(parsed)";
}

} // namespace

TEST_CASE("u3_angles reproduces any single-qubit unitary up to phase", "[qsearch][qasm]") {
  qs::matrix2 x, y, z, h, s, t, sx;
  x << 0, 1, 1, 0;
  y << 0, -i1, i1, 0;
  z << 1, 0, 0, -1;
  h << r2, r2, r2, -r2;
  s << 1, 0, 0, i1;
  t << 1, 0, 0, std::polar(1.0, pi / 4);
  sx << (1.0 + i1) / 2.0, (1.0 - i1) / 2.0, (1.0 - i1) / 2.0, (1.0 + i1) / 2.0;
  const qs::matrix2 id = qs::matrix2::Identity();
  std::vector<qs::matrix2> cases{id,
                                 -id,
                                 i1 * id,
                                 x,
                                 -i1 * x,
                                 y,
                                 z,
                                 h,
                                 s,
                                 t,
                                 s.adjoint(),
                                 t.adjoint(),
                                 sx,
                                 sx.adjoint(),
                                 qs::rx_matrix(pi),
                                 qs::ry_matrix(pi),
                                 qs::rz_matrix(pi),
                                 qs::rz_matrix(-3),
                                 qs::u3_matrix(pi, 2.5, -2.5),
                                 qs::u3_matrix(0, 3, 3)};
  // Near θ = 0 and θ = π the small entries have phases of their own ...
  for (const double small : {1e-9, 1e-17, 1e-300, 5e-324}) {
    cases.push_back(qs::u3_matrix(2 * std::asin(small), 0.4, 3.1));
    cases.push_back(qs::u3_matrix(pi - 2 * std::asin(small), -2, 2.9));
  }
  // ... or are pure rounding noise, with phases unrelated to the large entries.
  qs::splitmix64 random(7);
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const qs::matrix2 u = qs::haar_random_unitary(1, seed);
    const qs::matrix2 v = qs::haar_random_unitary(1, seed + 1000);
    const qs::matrix2 diagonal =
        u * v * v.adjoint() * u.adjoint() * std::polar(1.0, random.angle());
    cases.push_back(diagonal);
    cases.push_back(x * diagonal);
  }
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    cases.push_back(std::polar(1.0, random.angle()) * qs::haar_random_unitary(1, seed));
  }

  for (const qs::matrix2& u : cases) {
    const auto [theta, phi, lambda] = qs::u3_angles(u);
    INFO(u << "\n-> " << theta << ", " << phi << ", " << lambda);
    CHECK(phase_error(qs::u3_matrix(theta, phi, lambda), u) < 1e-13);
    CHECK(theta >= 0);
    CHECK(theta <= pi);
    CHECK(std::abs(phi) <= pi);
    CHECK(std::abs(lambda) <= pi);
  }
}

TEST_CASE("u3_angles sets the free angle to zero at theta 0 and pi", "[qsearch][qasm]") {
  const auto rz = qs::u3_angles(qs::rz_matrix(0.75));
  CHECK(rz[0] == 0);
  CHECK(rz[1] == 0);
  CHECK(rz[2] == Approx(0.75).margin(1e-15));
  qs::matrix2 x;
  x << 0, 1, 1, 0;
  const auto flip = qs::u3_angles(x);
  CHECK(flip[0] == Approx(pi).margin(1e-15));
  CHECK(flip[1] == 0);
  CHECK(std::abs(flip[2]) == Approx(pi).margin(1e-15));
}

TEST_CASE("to_qasm writes the header and one gate per line", "[qsearch][qasm]") {
  const qs::circuit_gates circuit{2, {qs::gate::u3(1, 0.5, -0.25, 0), qs::gate::cx(1, 0)}};
  CHECK(qs::to_qasm(circuit) == "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\n"
                                "u3(0.5,-0.25,0) q[1];\ncx q[1],q[0];\n");
}

TEST_CASE("QASM text round-trips bit-exactly", "[qsearch][qasm]") {
  qs::splitmix64 random(3);
  qs::circuit_gates circuit{3, {}};
  for (int k = 0; k < 60; ++k) {
    circuit.gates.push_back(k % 3 == 2 ? qs::gate::cx(k % 3, (k + 1) % 3)
                                       : qs::gate::u3(k % 3, random.angle() - pi, random.angle(),
                                                      -random.uniform() * 1e-300));
  }
  using limits = std::numeric_limits<double>;
  for (const double extreme : {0.0, -0.0, limits::denorm_min(), -limits::min(), limits::max(),
                               -limits::max(), limits::epsilon(), pi, 1.0 / 3}) {
    circuit.gates.push_back(qs::gate::u3(1, extreme, -extreme, extreme * 0.7));
  }

  const qs::circuit_gates parsed = qs::parse_qasm(qs::to_qasm(circuit));
  REQUIRE(parsed.qubits == 3);
  REQUIRE(parsed.gates.size() == circuit.gates.size());
  for (std::size_t k = 0; k < parsed.gates.size(); ++k) {
    const qs::gate& a = parsed.gates[k];
    const qs::gate& b = circuit.gates[k];
    INFO("gate " << k);
    CHECK(a.type == b.type);
    CHECK(a.qubit == b.qubit);
    CHECK(a.target == b.target);
    CHECK(std::bit_cast<std::uint64_t>(a.theta) == std::bit_cast<std::uint64_t>(b.theta));
    CHECK(std::bit_cast<std::uint64_t>(a.phi) == std::bit_cast<std::uint64_t>(b.phi));
    CHECK(std::bit_cast<std::uint64_t>(a.lambda) == std::bit_cast<std::uint64_t>(b.lambda));
  }
  CHECK(qs::to_qasm(parsed) == qs::to_qasm(circuit));
}

TEST_CASE("a CNOT's unitary follows the big- or little-endian convention", "[qsearch][qasm]") {
  const qs::circuit_gates cx = qs::parse_qasm("OPENQASM 2.0;\nqreg q[2];\ncx q[0],q[1];\n");
  qs::matrix big = qs::matrix::Zero(4, 4);
  big(0, 0) = big(1, 1) = big(2, 3) = big(3, 2) = 1;
  CHECK(qs::circuit_unitary(cx) == big);
  // Qubit 0 is the low bit: the control is bit 0 and the target bit 1, as CX(1,0) big-endian.
  qs::matrix little = qs::matrix::Zero(4, 4);
  little(0, 0) = little(2, 2) = little(1, 3) = little(3, 1) = 1;
  CHECK(qs::circuit_unitary_little_endian(cx) == little);
}

TEST_CASE("h then cx makes a Bell state", "[qsearch][qasm]") {
  const qs::matrix u =
      qs::circuit_unitary(qs::parse_qasm("OPENQASM 2.0; qreg q[2]; h q[0]; cx q[0],q[1];"));
  CHECK(std::abs(u(0, 0) - r2) < 1e-15);
  CHECK(std::abs(u(3, 0) - r2) < 1e-15);
  CHECK(std::abs(u(1, 0)) < 1e-15);
  CHECK(std::abs(u(2, 0)) < 1e-15);
  CHECK((u.adjoint() * u - qs::matrix::Identity(4, 4)).cwiseAbs().maxCoeff() < 1e-15);
}

TEST_CASE("circuit_unitary equals the product of Kronecker-built gates", "[qsearch][qasm]") {
  for (int qubits = 1; qubits <= 4; ++qubits) {
    for (std::uint64_t seed = 0; seed < 5; ++seed) {
      const qs::circuit_gates circuit = random_circuit(qubits, 12, seed);
      INFO(qs::to_qasm(circuit));
      CHECK((qs::circuit_unitary(circuit) - kron_unitary(circuit)).cwiseAbs().maxCoeff() < 1e-14);
      qs::circuit_gates mirrored = circuit;
      for (qs::gate& g : mirrored.gates) {
        g.qubit = qubits - 1 - g.qubit;
        g.target = qubits - 1 - g.target;
      }
      CHECK(qs::circuit_unitary_little_endian(circuit) == qs::circuit_unitary(mirrored));
    }
  }
  CHECK(qs::circuit_unitary(qs::circuit_gates{0, {}}) == qs::matrix::Identity(1, 1));
}

TEST_CASE("circuit_unitary rejects gates outside the register", "[qsearch][qasm]") {
  CHECK_THROWS_AS(qs::circuit_unitary({2, {qs::gate::u3(2, 0, 0, 0)}}), std::invalid_argument);
  CHECK_THROWS_AS(qs::circuit_unitary({2, {qs::gate::u3(-1, 0, 0, 0)}}), std::invalid_argument);
  CHECK_THROWS_AS(qs::circuit_unitary({2, {qs::gate::cx(1, 1)}}), std::invalid_argument);
  CHECK_THROWS_AS(qs::circuit_unitary_little_endian({2, {qs::gate::cx(0, 2)}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(qs::circuit_unitary({-1, {}}), std::invalid_argument);
}

TEST_CASE("Qiskit-style programs match the product of their gates", "[qsearch][qasm]") {
  const std::string program = R"(OPENQASM 2.0;
include "qelib1.inc";
// a comment; with a semicolon
qreg r[3];
creg c[3];
h r[0];
rz(pi/4) r[1]; sx r[2];   // several statements on a line
cx r[0],
   r[2];
u2(0.1, -pi) r[1];
barrier r[0],r[1];
ry(-(1.5e-1 + 2*pi)/3) r[2];
CX r[2],r[1];
u1(0.3) r[0]; t r[1]; sdg r[2]; y r[0]; z r[1]; s r[2]; tdg r[0]; x r[1]; id r[2];
rx(0.7) r[0]; p(.2E1) r[1]; U(0.1,0.2,0.3) r[2]; u(1,2,3) r[0];
sxdg r[1]; rz(2^-1 * sqrt(2) + cos(pi) - -ln(exp(1))) r[2]; u3(sin(pi/6), tan(0.5), 1e-3) r[0];
measure r[0] -> c[0];
)";
  const qs::complex i(0, 1);
  qs::matrix2 h, sx, x, y, z, s, sdg, t, tdg;
  h << r2, r2, r2, -r2;
  sx << (1.0 + i) / 2.0, (1.0 - i) / 2.0, (1.0 - i) / 2.0, (1.0 + i) / 2.0;
  x << 0, 1, 1, 0;
  y << 0, -i, i, 0;
  z << 1, 0, 0, -1;
  s << 1, 0, 0, i;
  sdg << 1, 0, 0, -i;
  t << 1, 0, 0, std::polar(1.0, pi / 4);
  tdg << 1, 0, 0, std::polar(1.0, -pi / 4);
  const auto on = [](int q, const qs::matrix2& g) { return on_qubit(3, q, g); };
  const std::vector<qs::matrix> steps{on(0, h),
                                      on(1, qs::rz_matrix(pi / 4)),
                                      on(2, sx),
                                      cnot(3, 0, 2),
                                      on(1, qs::u3_matrix(pi / 2, 0.1, -pi)),
                                      on(2, qs::ry_matrix(-(1.5e-1 + 2 * pi) / 3)),
                                      cnot(3, 2, 1),
                                      on(0, qs::rz_matrix(0.3)),
                                      on(1, t),
                                      on(2, sdg),
                                      on(0, y),
                                      on(1, z),
                                      on(2, s),
                                      on(0, tdg),
                                      on(1, x),
                                      on(2, qs::matrix2::Identity()),
                                      on(0, qs::rx_matrix(0.7)),
                                      on(1, qs::rz_matrix(2)),
                                      on(2, qs::u3_matrix(0.1, 0.2, 0.3)),
                                      on(0, qs::u3_matrix(1, 2, 3)),
                                      on(1, sx.adjoint()),
                                      on(2, qs::rz_matrix(std::sqrt(0.5))),
                                      on(0, qs::u3_matrix(0.5, std::tan(0.5), 1e-3))};
  qs::matrix expected = qs::matrix::Identity(8, 8);
  for (const qs::matrix& step : steps) {
    expected = step * expected;
  }

  const qs::circuit_gates parsed = qs::parse_qasm(program);
  CHECK(parsed.qubits == 3);
  CHECK(parsed.gates.size() == steps.size());
  CHECK(phase_error(qs::circuit_unitary(parsed), expected) < 1e-14);
}

TEST_CASE("malformed QASM gives a one-line error with its line number", "[qsearch][qasm]") {
  const std::string head = "OPENQASM 2.0;\nqreg q[2];\n";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "line 1: expected 'OPENQASM 2.0;' first"},
      {"qreg q[2];", "line 1: expected 'OPENQASM 2.0;' first"},
      {"// header\nOPENQASM 3.0;", "line 2: only OpenQASM 2.0 is supported"},
      {"OPENQASM 2.0;\n", "line 2: no qreg declared"},
      {"OPENQASM 2.0;\nh q[0];", "line 2: gate before any qreg"},
      {head + "qreg p[1];", "line 3: only one qreg is supported"},
      {"OPENQASM 2.0;\nqreg q[17];", "line 2: qreg size must be 1 to 16, not 17"},
      {"OPENQASM 2.0;\nqreg q[0];", "line 2: qreg size must be 1 to 16, not 0"},
      {"OPENQASM 2.0;\nqreg q[-1];", "line 2: expected a register size but found '-'"},
      {head + "foo q[0];", "line 3: unknown gate 'foo'"},
      {head + "\nfoo(1 q[0];", "line 4: unknown gate 'foo'"},
      {head + "gate g a { x a; }", "line 3: 'gate' statements are not supported"},
      {head + "rx q[0];", "line 3: gate 'rx' takes 1 parameter, got 0"},
      {head + "u3(1,2) q[0];", "line 3: gate 'u3' takes 3 parameters, got 2"},
      {head + "h(0.5) q[0];", "line 3: gate 'h' takes 0 parameters, got 1"},
      {head + "cx q[0];", "line 3: gate 'cx' takes 2 qubits, got 1"},
      {head + "h q[0],q[1];", "line 3: gate 'h' takes 1 qubit, got 2"},
      {head + "h q[5];", "line 3: qubit 5 is out of range (the register has 2)"},
      {head + "h q[99999999999999999999];", "line 3: qubit 99999999999999999999 is out of range"},
      {head + "h q[" + std::string(1000, '9') + "];",
       "line 3: qubit 999999999999999999999999... is out of range"},
      {head + "h q[-1];", "line 3: expected a qubit index but found '-'"},
      {head + "h q[1.5];", "line 3: expected a qubit index but found '1.5'"},
      {head + "h q;", "line 3: expected '[' but found ';'"},
      {head + "cx q[1],q[1];", "line 3: cx needs two different qubits"},
      {head + "h r[0];", "line 3: unknown register 'r'"},
      {head + "\nrz(pi*) q[0];", "line 4: expected a number, 'pi' or '(' in a parameter"},
      {head + "rz(2 pi) q[0];", "line 3: expected ')' but found 'pi'"},
      {head + "rz(theta) q[0];", "line 3: unknown name 'theta' in a parameter"},
      {head + "rz(1e) q[0];", "line 3: malformed number '1e'"},
      {head + "rz(1e999) q[0];", "line 3: number '1e999' is out of range"},
      {head + "rz(1/0) q[0];", "line 3: gate 'rz' has a parameter that is not finite"},
      {head + "rz(" + std::string(200, '(') + "1" + std::string(200, ')') + ") q[0];",
       "line 3: expression nested too deeply"},
      {head + "h q[0]", "line 3: missing ';' at the end of the statement"},
      {head + "h q[0]\nh q[1];", "line 3: missing ';' at the end of the statement"},
      {head + "h q[0] h q[1];", "line 3: expected ';' but found 'h'"},
      {head + "measure q[0] -> c[0]", "line 3: missing ';' at the end of the statement"},
      {head + "include qelib1.inc;", "line 3: expected a file name in quotes after 'include'"},
      {head + "include \"qelib1.inc;\n", "line 3: unterminated string"},
      {head + "h q[0]; { }", "line 3: unexpected character '{'"},
      {head + "h q[0];\n\x01", "line 4: unexpected byte 0x01"},
      {head + "h q[0];\n\xff", "line 4: unexpected byte 0xff"},
      {head + "(", "line 3: expected a statement but found '('"},
      {head + std::string(1000, 'a') + ";", "line 3: unknown gate 'aaaaaaaaaaaaaaaaaaaaaaaa...'"},
      {head + "\"\x1b[31m\\\";", "line 3: expected a statement but found '\"\\x1b[31m\\\\\"'"},
  };
  for (const auto& [text, phrase] : cases) {
    const std::string message = parse_error(text);
    INFO(text << "\n-> " << message);
    CHECK(message.rfind("QASM " + phrase, 0) == 0);
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("mutated QASM either parses or throws input_error", "[qsearch][qasm]") {
  const std::string valid = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\n"
                            "u3(0.5,-1.25e-3,pi/2) q[0];\ncx q[0],q[1];\nrz(-(pi)) q[2];\n"
                            "// note\nh q[1]; sx q[2];\nmeasure q[0] -> c[0];\n";
  qs::splitmix64 random(11);
  const std::string alphabet = "();,[]qpi0123456789.-+*/^e \n\"/\x80{ux";
  int parsed = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    const std::string text = yt_test::mutate_bytes(valid, random, alphabet);
    try {
      const qs::circuit_gates circuit = qs::parse_qasm(text);
      ++parsed;
      REQUIRE(circuit.qubits >= 1);
      REQUIRE(circuit.qubits <= 16);
      for (const qs::gate& g : circuit.gates) {
        REQUIRE(g.qubit >= 0);
        REQUIRE(g.qubit < circuit.qubits);
        REQUIRE(g.target >= 0);
        REQUIRE(g.target < circuit.qubits);
        REQUIRE(std::isfinite(g.theta + g.phi + g.lambda));
      }
      if (circuit.qubits <= 8) {
        const qs::matrix u = qs::circuit_unitary(circuit);
        REQUIRE((u.adjoint() * u - qs::matrix::Identity(u.rows(), u.cols())).cwiseAbs().maxCoeff() <
                1e-12);
      }
    } catch (const qs::input_error& error) {
      REQUIRE(std::string(error.what()).rfind("QASM line ", 0) == 0);
    }
  }
  CHECK(parsed > 100);
}
