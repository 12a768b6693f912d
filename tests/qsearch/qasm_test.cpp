#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

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

// A matrix written row by row.
qs::matrix rows(std::initializer_list<std::initializer_list<qs::complex>> entries) {
  qs::matrix m(static_cast<Eigen::Index>(entries.size()),
               static_cast<Eigen::Index>(entries.begin()->size()));
  Eigen::Index i = 0;
  for (const auto& row : entries) {
    Eigen::Index j = 0;
    for (const qs::complex& x : row) {
      m(i, j++) = x;
    }
    ++i;
  }
  return m;
}

// The textbook U3: [[cos θ/2, −e^{iλ} sin θ/2], [e^{iφ} sin θ/2, e^{i(φ+λ)} cos θ/2]].
qs::matrix textbook_u3(double theta, double phi, double lambda) {
  const double c = std::cos(theta / 2);
  const double s = std::sin(theta / 2);
  return rows({{c, -std::polar(s, lambda)}, {std::polar(s, phi), std::polar(c, phi + lambda)}});
}

qs::matrix phase_gate(double lambda) {
  return rows({{1, 0}, {0, std::polar(1.0, lambda)}});
}

qs::matrix rx(double theta) {
  const double c = std::cos(theta / 2);
  const double s = std::sin(theta / 2);
  return rows({{c, -i1 * s}, {-i1 * s, c}});
}

qs::matrix ry(double theta) {
  const double c = std::cos(theta / 2);
  const double s = std::sin(theta / 2);
  return rows({{c, -s}, {s, c}});
}

qs::matrix rz(double theta) {
  return rows({{std::polar(1.0, -theta / 2), 0}, {0, std::polar(1.0, theta / 2)}});
}

// |0><0| ⊗ I + |1><1| ⊗ u: `u` controlled by a new most significant qubit.
qs::matrix controlled(const qs::matrix& u) {
  const Eigen::Index n = u.rows();
  qs::matrix out = qs::matrix::Zero(2 * n, 2 * n);
  out.topLeftCorner(n, n) = qs::matrix::Identity(n, n);
  out.bottomRightCorner(n, n) = u;
  return out;
}

// The n-qubit unitary of the k-qubit gate `g` on `qubits` (qubits[0] the gate's most
// significant), qubit 0 the most significant bit of the basis index: the entry for basis states
// that agree outside `qubits` is g's entry for their bits on `qubits`, every other entry 0.
qs::matrix embed(int n, const std::vector<int>& qubits, const qs::matrix& g) {
  const auto bit = [&](Eigen::Index index, int q) { return (index >> (n - 1 - q)) & 1; };
  const auto local = [&](Eigen::Index index) {
    Eigen::Index l = 0;
    for (const int q : qubits) {
      l = 2 * l + bit(index, q);
    }
    return l;
  };
  Eigen::Index mask = 0;
  for (const int q : qubits) {
    mask |= Eigen::Index{1} << (n - 1 - q);
  }
  const Eigen::Index dim = Eigen::Index{1} << n;
  qs::matrix out = qs::matrix::Zero(dim, dim);
  for (Eigen::Index row = 0; row < dim; ++row) {
    for (Eigen::Index col = 0; col < dim; ++col) {
      if ((row & ~mask) == (col & ~mask)) {
        out(row, col) = g(local(row), local(col));
      }
    }
  }
  return out;
}

std::size_t cx_count(const qs::circuit_gates& circuit) {
  return static_cast<std::size_t>(
      std::count_if(circuit.gates.begin(), circuit.gates.end(),
                    [](const qs::gate& g) { return g.type == qs::gate::kind::cx; }));
}

// A qelib1.inc gate: its qubits and parameters, the CNOTs of its qelib1.inc definition, and its
// textbook matrix, written here from the definition of the gate rather than from the parser's.
struct textbook_gate {
  std::string name;
  int qubits;
  int parameters;
  std::size_t cnots;
  std::function<qs::matrix(const std::vector<double>&)> matrix;
};

std::vector<textbook_gate> textbook_gates() {
  using p = const std::vector<double>&;
  const qs::matrix id = qs::matrix::Identity(2, 2);
  const qs::matrix x = rows({{0, 1}, {1, 0}});
  const qs::matrix y = rows({{0, -i1}, {i1, 0}});
  const qs::matrix z = rows({{1, 0}, {0, -1}});
  const qs::matrix h = rows({{r2, r2}, {r2, -r2}});
  const qs::matrix sx =
      rows({{(1.0 + i1) / 2.0, (1.0 - i1) / 2.0}, {(1.0 - i1) / 2.0, (1.0 + i1) / 2.0}});
  const qs::matrix swap = rows({{1, 0, 0, 0}, {0, 0, 1, 0}, {0, 1, 0, 0}, {0, 0, 0, 1}});
  const auto fixed = [](qs::matrix m) { return [m](p) { return m; }; };
  const auto u3 = [](p a) { return textbook_u3(a[0], a[1], a[2]); };
  const auto cphase = [](p a) { return controlled(phase_gate(a[0])); };
  return {
      {"u3", 1, 3, 0, u3},
      {"u", 1, 3, 0, u3},
      {"U", 1, 3, 0, u3},
      {"u2", 1, 2, 0,
       [](p a) {
         return rows(
             {{r2, -std::polar(r2, a[1])}, {std::polar(r2, a[0]), std::polar(r2, a[0] + a[1])}});
       }},
      {"u1", 1, 1, 0, [](p a) { return phase_gate(a[0]); }},
      {"p", 1, 1, 0, [](p a) { return phase_gate(a[0]); }},
      {"rx", 1, 1, 0, [](p a) { return rx(a[0]); }},
      {"ry", 1, 1, 0, [](p a) { return ry(a[0]); }},
      {"rz", 1, 1, 0, [](p a) { return rz(a[0]); }},
      {"h", 1, 0, 0, fixed(h)},
      {"s", 1, 0, 0, fixed(phase_gate(pi / 2))},
      {"sdg", 1, 0, 0, fixed(phase_gate(-pi / 2))},
      {"t", 1, 0, 0, fixed(phase_gate(pi / 4))},
      {"tdg", 1, 0, 0, fixed(phase_gate(-pi / 4))},
      {"x", 1, 0, 0, fixed(x)},
      {"y", 1, 0, 0, fixed(y)},
      {"z", 1, 0, 0, fixed(z)},
      {"sx", 1, 0, 0, fixed(sx)},
      {"sxdg", 1, 0, 0, fixed(sx.adjoint())},
      {"id", 1, 0, 0, fixed(id)},
      {"CX", 2, 0, 1, fixed(controlled(x))},
      {"cx", 2, 0, 1, fixed(controlled(x))},
      {"cy", 2, 0, 1, fixed(controlled(y))},
      {"cz", 2, 0, 1, fixed(controlled(z))},
      {"ch", 2, 0, 2, fixed(controlled(h))},
      {"swap", 2, 0, 3, fixed(swap)},
      {"ccx", 3, 0, 6, fixed(controlled(controlled(x)))},
      {"cswap", 3, 0, 8, fixed(controlled(swap))},
      {"crx", 2, 1, 2, [](p a) { return controlled(rx(a[0])); }},
      {"cry", 2, 1, 2, [](p a) { return controlled(ry(a[0])); }},
      {"crz", 2, 1, 2, [](p a) { return controlled(rz(a[0])); }},
      {"cu1", 2, 1, 2, cphase},
      {"cp", 2, 1, 2, cphase},
      {"cu3", 2, 3, 2, [](p a) { return controlled(textbook_u3(a[0], a[1], a[2])); }},
      // exp(−iθ/2 X⊗X) and exp(−iθ/2 Z⊗Z).
      {"rxx", 2, 1, 2,
       [x](p a) {
         return qs::matrix(std::cos(a[0] / 2) * qs::matrix::Identity(4, 4) -
                           i1 * std::sin(a[0] / 2) * kron(x, x));
       }},
      {"rzz", 2, 1, 2,
       [](p a) {
         const qs::complex even = std::polar(1.0, -a[0] / 2);
         const qs::complex odd = std::polar(1.0, a[0] / 2);
         return rows({{even, 0, 0, 0}, {0, odd, 0, 0}, {0, 0, odd, 0}, {0, 0, 0, even}});
       }},
  };
}

// Every ordered choice of k distinct qubits out of n.
std::vector<std::vector<int>> qubit_orders(int n, int k) {
  std::vector<std::vector<int>> orders{{}};
  for (int level = 0; level < k; ++level) {
    std::vector<std::vector<int>> longer;
    for (const std::vector<int>& order : orders) {
      for (int q = 0; q < n; ++q) {
        if (std::find(order.begin(), order.end(), q) == order.end()) {
          longer.push_back(order);
          longer.back().push_back(q);
        }
      }
    }
    orders = std::move(longer);
  }
  return orders;
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

// Each program fails with a one-line message that starts with "QASM " and its phrase.
void check_errors(const std::vector<std::pair<std::string, std::string>>& cases) {
  for (const auto& [text, phrase] : cases) {
    const std::string message = parse_error(text);
    INFO(text << "\n-> " << message);
    CHECK(message.rfind("QASM " + phrase, 0) == 0);
    CHECK(message.find('\n') == std::string::npos);
  }
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

TEST_CASE("to_qasm defines iswap and sqrt_iswap after the include line, only when used",
          "[qsearch][qasm]") {
  using qs::two_qubit_gate;
  const qs::circuit_gates circuit{3,
                                  {qs::gate::two_qubit(two_qubit_gate::cz, 0, 1),
                                   qs::gate::two_qubit(two_qubit_gate::iswap, 2, 1),
                                   qs::gate::two_qubit(two_qubit_gate::iswap, 0, 2)}};
  CHECK(qs::to_qasm(circuit) ==
        "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"
        "gate iswap a,b { rx(pi/2) a; rx(pi/2) b; cx a,b; rx(-pi/2) a; rz(-pi/2) b; cx a,b; "
        "rx(-pi/2) a; rx(-pi/2) b; }\n"
        "qreg q[3];\ncz q[0],q[1];\niswap q[2],q[1];\niswap q[0],q[2];\n");
  const qs::circuit_gates two{2,
                              {qs::gate::two_qubit(two_qubit_gate::sqrt_iswap, 0, 1),
                               qs::gate::two_qubit(two_qubit_gate::iswap, 1, 0)}};
  const std::string both = qs::to_qasm(two);
  CHECK(both.find("gate iswap a,b {") != std::string::npos);
  CHECK(both.find("gate sqrt_iswap a,b { rx(pi/2) a; rx(pi/2) b; cx a,b; rx(-pi/4) a; "
                  "rz(-pi/4) b; cx a,b; rx(-pi/2) a; rx(-pi/2) b; }\n") != std::string::npos);
  CHECK(both.find("gate", both.find("gate sqrt_iswap") + 1) == std::string::npos);
}

TEST_CASE("cz, iswap and sqrt_iswap as to_qasm writes them parse back to their literal matrices",
          "[qsearch][qasm]") {
  using qs::two_qubit_gate;
  const std::vector<std::pair<two_qubit_gate, qs::matrix>> gates{
      {two_qubit_gate::cz, rows({{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, -1}})},
      {two_qubit_gate::iswap, rows({{1, 0, 0, 0}, {0, 0, i1, 0}, {0, i1, 0, 0}, {0, 0, 0, 1}})},
      {two_qubit_gate::sqrt_iswap,
       rows({{1, 0, 0, 0}, {0, r2, i1 * r2, 0}, {0, i1 * r2, r2, 0}, {0, 0, 0, 1}})}};
  for (const auto& [g, literal] : gates) {
    for (const std::vector<int>& pair : qubit_orders(3, 2)) {
      INFO(qs::gate_name(g) << " on " << pair[0] << ", " << pair[1]);
      const qs::circuit_gates circuit{3, {qs::gate::two_qubit(g, pair[0], pair[1])}};
      const qs::circuit_gates parsed = qs::parse_qasm(qs::to_qasm(circuit));
      for (const qs::gate& expanded : parsed.gates) {
        CHECK((expanded.type == qs::gate::kind::u3 || expanded.type == qs::gate::kind::cx));
      }
      CHECK(phase_error(qs::circuit_unitary(parsed), embed(3, pair, literal)) < 1e-14);
      CHECK(phase_error(qs::circuit_unitary(circuit), embed(3, pair, literal)) < 1e-15);
    }
  }
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

TEST_CASE("qelib1.inc gates on any qubit order equal their textbook matrices up to phase",
          "[qsearch][qasm]") {
  qs::splitmix64 random(5);
  for (const textbook_gate& g : textbook_gates()) {
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<double> parameters;
      std::string list;
      for (int k = 0; k < g.parameters; ++k) {
        parameters.push_back(2 * random.angle() - 2 * pi);
        list += fmt::format("{}{:.17g}", k == 0 ? "(" : ",", parameters.back());
      }
      list += g.parameters > 0 ? ")" : "";
      const qs::matrix gate = g.matrix(parameters);
      for (const int n : {g.qubits, g.qubits + 1}) {
        for (const std::vector<int>& order : qubit_orders(n, g.qubits)) {
          std::string program = fmt::format("OPENQASM 2.0;\nqreg q[{}];\n{}{}", n, g.name, list);
          for (std::size_t k = 0; k < order.size(); ++k) {
            program += fmt::format("{}q[{}]", k == 0 ? " " : ",", order[k]);
          }
          program += ";\n";
          INFO(program);
          const qs::circuit_gates circuit = qs::parse_qasm(program);
          REQUIRE(circuit.qubits == n);
          CHECK(cx_count(circuit) == g.cnots);
          CHECK(phase_error(qs::circuit_unitary(circuit), embed(n, order, gate)) < 1e-13);
        }
      }
    }
  }
}

TEST_CASE("ccx with controls 2 and 0 and target 1 equals its textbook matrix up to phase",
          "[qsearch][qasm]") {
  // CCX flips qubit 1 (the middle bit) where qubits 2 and 0 are set: it swaps |101> and |111>.
  qs::matrix expected = qs::matrix::Identity(8, 8);
  expected(0b101, 0b101) = expected(0b111, 0b111) = 0;
  expected(0b101, 0b111) = expected(0b111, 0b101) = 1;
  const qs::circuit_gates circuit =
      qs::parse_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\nccx q[2],q[0],q[1];\n");
  CHECK(circuit.gates.size() == 15);
  CHECK(cx_count(circuit) == 6);
  CHECK(phase_error(qs::circuit_unitary(circuit), expected) < 1e-14);
}

TEST_CASE("gate definitions expand at each call with their parameters", "[qsearch][qasm]") {
  const qs::circuit_gates circuit = qs::parse_qasm(R"(OPENQASM 2.0;
include "qelib1.inc";
gate rot(a, b) w { rz(a/2) w; barrier w; ry(-b*2) w; }
gate pair(t) x, y { rot(t, t^2) y; cx y, x; crz(sin(t)) x, y; }
gate outer x, y, z { pair(pi/3) z, x; ccx x, y, z; }
gate nop() a { }
qreg q[3];
pair(0.7) q[0], q[2];
outer q[1], q[2], q[0];
nop q[1];
)");
  const auto pair = [](double t, int x, int y) -> qs::matrix {
    return embed(3, {x, y}, controlled(rz(std::sin(t)))) *
           embed(3, {y, x}, controlled(rows({{0, 1}, {1, 0}}))) *
           embed(3, {y}, ry(-t * t * 2) * rz(t / 2));
  };
  const qs::matrix ccx = controlled(controlled(rows({{0, 1}, {1, 0}})));
  const qs::matrix expected = embed(3, {1, 2, 0}, ccx) * pair(pi / 3, 0, 1) * pair(0.7, 0, 2);
  CHECK(circuit.gates.size() == 2 * (2 + 1 + 4) + 15);
  CHECK(phase_error(qs::circuit_unitary(circuit), expected) < 1e-13);
}

TEST_CASE("gate definitions reject recursion, unknown gates and arity mismatches",
          "[qsearch][qasm]") {
  const std::string head = "OPENQASM 2.0;\nqreg q[2];\n";
  std::string chain = head;
  for (int k = 0; k <= 100; ++k) {
    chain += k == 0 ? "gate g0 a { x a; }\n" : fmt::format("gate g{} a {{ g{} a; }}\n", k, k - 1);
  }
  std::string doubling = head + "gate d0 a,b { cx a,b; cx b,a; }\n";
  for (int k = 1; k <= 30; ++k) {
    doubling += fmt::format("gate d{0} a,b {{ d{1} a,b; d{1} b,a; }}\n", k, k - 1);
  }
  check_errors({
      {head + "gate g a {\n  h a;\n  g a;\n}", "line 5: gate 'g' calls itself"},
      {head + "gate f a { g a; }\ngate g a { f a; }", "line 3: unknown gate 'g'"},
      {head + "gate g a { foo a; }", "line 3: unknown gate 'foo'"},
      {head + "gate g a { cx a; }", "line 3: gate 'cx' takes 2 qubits, got 1"},
      {head + "gate g a { rz a; }", "line 3: gate 'rz' takes 1 parameter, got 0"},
      {head + "gate g(t) a,b { crz(t) a,b; }\ng q[0],q[1];",
       "line 4: gate 'g' takes 1 parameter, got 0"},
      {head + "gate g(t) a,b { crz(t) a,b; }\ng(1) q[0];",
       "line 4: gate 'g' takes 2 qubits, got 1"},
      {head + "gate g a { x b; }", "line 3: unknown qubit 'b' in gate 'g'"},
      {head + "gate g a { x a[0]; }", "line 3: expected ';' but found '['"},
      {head + "gate g a { rz(t) a; }", "line 3: unknown name 't' in a parameter"},
      {head + "gate g a,a { x a; }", "line 3: gate 'g' declares 'a' twice"},
      {head + "gate g(a) a { x a; }", "line 3: gate 'g' declares 'a' twice"},
      {head + "gate g(pi) a { rz(pi) a; }",
       "line 3: gate 'g' names a parameter 'pi', which is reserved"},
      {head + "gate g a,b { cx a,a; }", "line 3: gate 'cx' gets 'a' twice"},
      {head + "gate h a { x a; }", "line 3: gate 'h' is already defined"},
      {head + "gate g a { x a; }\ngate g a { y a; }", "line 4: gate 'g' is already defined"},
      {head + "gate g a { measure a -> c[0]; }",
       "line 3: 'measure' is not allowed in the body of gate 'g'"},
      {head + "gate g a { gate f b { x b; } }",
       "line 3: 'gate' is not allowed in the body of gate 'g'"},
      {head + "gate g a { x a;\n", "line 4: missing '}' at the end of gate 'g'"},
      {head + "gate g { }", "line 3: expected a qubit argument name but found '{'"},
      {head + "gate g(t) a { rz(1/t) a; }\ng(0) q[0];",
       "line 4: gate 'g' gives gate 'rz' a parameter that is not finite"},
      {head + "opaque g a;", "line 3: 'opaque' gates are not supported"},
      {head + "gate measure a { x a; }", "line 3: 'measure' cannot name a gate"},
      {chain, "line 103: gate 'g100' nests gate definitions more than 100 deep"},
      {doubling + "d30 q[0],q[1];", "line 34: the circuit has more than 10000000 gates"},
  });
  chain.resize(chain.rfind("gate g100"));
  CHECK(qs::parse_qasm(chain + "g99 q[1];").gates.size() == 1);
  CHECK(qs::parse_qasm(doubling).gates.empty());
}

TEST_CASE("several qregs flatten into one qubit numbering in declaration order",
          "[qsearch][qasm]") {
  const qs::circuit_gates circuit = qs::parse_qasm(R"(OPENQASM 2.0;
qreg a[2];
qreg b[3];
creg c[2];
x a[1];
cx b[0], a[0];
qreg late[1];
h b[2];
cx late[0], b[1];
)");
  REQUIRE(circuit.qubits == 6);
  REQUIRE(circuit.gates.size() == 4);
  CHECK(circuit.gates[0].qubit == 1);
  CHECK(circuit.gates[1].type == qs::gate::kind::cx);
  CHECK(circuit.gates[1].qubit == 2);
  CHECK(circuit.gates[1].target == 0);
  CHECK(circuit.gates[2].qubit == 4);
  CHECK(circuit.gates[3].qubit == 5);
  CHECK(circuit.gates[3].target == 3);
}

TEST_CASE("gates on whole registers are applied to each index as in OpenQASM 2.0",
          "[qsearch][qasm]") {
  const qs::circuit_gates circuit = qs::parse_qasm(R"(OPENQASM 2.0;
qreg q[2];
qreg r[2];
qreg s[1];
h q;
cx q, r;
cx s[0], r;
ccx q, s[0], r;
)");
  REQUIRE(circuit.qubits == 5);
  REQUIRE(circuit.gates.size() == 2 + 2 + 2 + 2 * 15);
  const std::vector<std::pair<int, int>> cx{{0, 2}, {1, 3}, {4, 2}, {4, 3}};
  for (std::size_t k = 0; k < 6; ++k) {
    INFO("gate " << k);
    const qs::gate& g = circuit.gates[k];
    CHECK(g.type == (k < 2 ? qs::gate::kind::u3 : qs::gate::kind::cx));
    CHECK(g.qubit == (k < 2 ? static_cast<int>(k) : cx[k - 2].first));
    CHECK(g.target == (k < 2 ? static_cast<int>(k) : cx[k - 2].second));
  }
  const qs::matrix x = rows({{0, 1}, {1, 0}});
  const qs::matrix ccx = controlled(controlled(x));
  qs::matrix expected = embed(5, {0}, rows({{r2, r2}, {r2, -r2}}));
  for (const auto& step : std::vector<qs::matrix>{
           embed(5, {1}, rows({{r2, r2}, {r2, -r2}})), embed(5, {0, 2}, controlled(x)),
           embed(5, {1, 3}, controlled(x)), embed(5, {4, 2}, controlled(x)),
           embed(5, {4, 3}, controlled(x)), embed(5, {0, 4, 2}, ccx), embed(5, {1, 4, 3}, ccx)}) {
    expected = step * expected;
  }
  CHECK(phase_error(qs::circuit_unitary(circuit), expected) < 1e-13);

  const std::string head = "OPENQASM 2.0;\nqreg q[3];\nqreg r[2];\n";
  check_errors({
      {head + "cx q, r;", "line 4: gate 'cx' is applied to registers of different sizes (3 and 2)"},
      {head + "cx q, q;", "line 4: gate 'cx' gets q[0] twice"},
      {head + "cx q[2], q;", "line 4: gate 'cx' gets q[2] twice"},
  });
}

TEST_CASE("registers parse up to 100000 qubits in all", "[qsearch][qasm]") {
  const qs::circuit_gates wide =
      qs::parse_qasm("OPENQASM 2.0;\nqreg q[60000];\nqreg r[40000];\nh q;\ncx q[0], r[39999];\n");
  CHECK(wide.qubits == 100000);
  REQUIRE(wide.gates.size() == 60001);
  CHECK(wide.gates[59999].qubit == 59999);
  CHECK(wide.gates.back().target == 99999);
  check_errors({{"OPENQASM 2.0;\nqreg q[60000];\nqreg r[40001];",
                 "line 3: the qregs hold more than 100000 qubits"}});
}

TEST_CASE("cregs and final measures are recorded in program order", "[qsearch][qasm]") {
  const std::string text = R"(OPENQASM 2.0;
qreg q[2];
qreg r[1];
creg c[2];
creg d[1];
h q[0];
cx q[0], q[1];
measure q[1] -> c[0];
x r[0];
measure q -> c;
barrier q, r;
measure r[0] -> d[0];
)";
  const qs::qasm_program program = qs::parse_qasm_program(text);
  CHECK(program.circuit.qubits == 3);
  CHECK(program.circuit.gates.size() == 3);
  CHECK(program.cregs == std::vector<qs::classical_register>{{"c", 2}, {"d", 1}});
  CHECK(program.measures ==
        std::vector<qs::final_measure>{{1, "c", 0}, {0, "c", 0}, {1, "c", 1}, {2, "d", 0}});
  CHECK(qs::to_qasm(qs::parse_qasm(text)) == qs::to_qasm(program.circuit));
}

TEST_CASE("mid-circuit measures, reset and if are rejected with their line", "[qsearch][qasm]") {
  const std::string head = "OPENQASM 2.0;\nqreg q[2];\nqreg r[1];\ncreg c[2];\n";
  check_errors({
      {head + "measure q[0] -> c[0];\nh q[0];",
       "line 6: gate 'h' acts on q[0] after its measurement; only final measurements are "
       "supported"},
      {head + "measure q -> c;\ncx r[0], q[1];",
       "line 6: gate 'cx' acts on q[1] after its measurement"},
      {head + "measure q[1] -> c[1];\nh q;", "line 6: gate 'h' acts on q[1] after its measurement"},
      {head + "measure r[0] -> c[1];\nh r[0];",
       "line 6: gate 'h' acts on r[0] after its measurement"},
      {head + "gate g a,b { x a; }\nmeasure q[1] -> c[1];\ng q[0], q[1];",
       "line 7: gate 'g' acts on q[1] after its measurement"},
      {head + "h q[0];\nreset q[0];", "line 6: 'reset' is not supported"},
      {head + "if (c==1) x q[0];", "line 5: 'if' is not supported"},
      {head + "measure q -> c[0];",
       "line 5: measure takes a qubit and a bit, or a qreg and a creg"},
      {head + "creg d[3];\nmeasure q -> d;",
       "line 6: measure of a qreg of 2 qubits into a creg of 3 bits"},
      {head + "measure q[0] -> q[1];", "line 5: 'q' is a qreg, not a creg"},
      {head + "measure q[0] -> c[2];", "line 5: bit 2 is out of range (creg 'c' has 2)"},
      {head + "measure q[0] -> e[0];", "line 5: unknown register 'e'"},
      {head + "measure q[0] c[0];", "line 5: expected '->' but found 'c'"},
  });
}

TEST_CASE("to_qasm of a program round-trips its circuit, cregs and measures", "[qsearch][qasm]") {
  qs::qasm_program program{random_circuit(4, 40, 9), {{"q", 2}, {"q_", 3}, {"m", 4}}, {}};
  program.measures = {{3, "q", 1}, {0, "m", 3}, {2, "q_", 0}, {3, "m", 0}};
  const std::string text = qs::to_qasm(program);
  CHECK(text.find("qreg q__[4];\ncreg q[2];\ncreg q_[3];\ncreg m[4];\n") != std::string::npos);
  CHECK(text.find("measure q__[3] -> q[1];\nmeasure q__[0] -> m[3];\n") != std::string::npos);
  const qs::qasm_program parsed = qs::parse_qasm_program(text);
  CHECK(parsed.cregs == program.cregs);
  CHECK(parsed.measures == program.measures);
  CHECK(parsed.circuit.qubits == program.circuit.qubits);
  CHECK(qs::to_qasm(parsed.circuit) == qs::to_qasm(program.circuit));
  CHECK(qs::to_qasm(parsed) == text);
}

TEST_CASE("a program without gates parses to an empty circuit", "[qsearch][qasm]") {
  const qs::qasm_program program = qs::parse_qasm_program(
      "OPENQASM 2.0;\nqreg q[3];\ncreg c[3];\nbarrier q;\nmeasure q -> c;\n");
  CHECK(program.circuit.qubits == 3);
  CHECK(program.circuit.gates.empty());
  CHECK(program.measures.size() == 3);
  CHECK(qs::circuit_unitary(program.circuit) == qs::matrix::Identity(8, 8));
  CHECK(qs::parse_qasm("OPENQASM 2.0;\nqreg q[1];\n").gates.empty());
}

TEST_CASE("a 30-qubit program of 5000 gates parses well under a second", "[qsearch][qasm]") {
  qs::splitmix64 random(17);
  std::string text = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[20];\nqreg r[10];\n"
                     "creg c[30];\ngate pair(t) a,b { rzz(t) a,b; h a; }\n";
  const char* const names[] = {"u3(0.1,0.2,0.3)", "cx", "ccx",         "cu3(0.4,-0.5,1e-3)",
                               "pair(pi/7)",      "h",  "rz(-2*pi/3)", "cswap"};
  const int arity[] = {1, 2, 3, 2, 2, 1, 1, 3};
  const std::size_t expanded[] = {1, 1, 15, 6, 4, 1, 1, 17};
  std::size_t expected_gates = 0;
  for (int k = 0; k < 5000; ++k) {
    const std::size_t which = random.next() % 8;
    std::vector<int> qubits;
    while (qubits.size() < static_cast<std::size_t>(arity[which])) {
      const int q = static_cast<int>(random.next() % 30);
      if (std::find(qubits.begin(), qubits.end(), q) == qubits.end()) {
        qubits.push_back(q);
      }
    }
    text += names[which];
    for (std::size_t j = 0; j < qubits.size(); ++j) {
      text += fmt::format("{}{}", j == 0 ? " " : ",",
                          qubits[j] < 20 ? fmt::format("q[{}]", qubits[j])
                                         : fmt::format("r[{}]", qubits[j] - 20));
    }
    text += ";\n";
    expected_gates += expanded[which];
  }
  text += "measure q[0] -> c[0];\n";

  const auto start = std::chrono::steady_clock::now();
  const qs::qasm_program program = qs::parse_qasm_program(text);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  INFO("parsed in " << elapsed.count() << " s");
  CHECK(elapsed.count() < 2);
  CHECK(program.circuit.qubits == 30);
  CHECK(program.circuit.gates.size() == expected_gates);
  CHECK(program.measures.size() == 1);
}

TEST_CASE("malformed QASM gives a one-line error with its line number", "[qsearch][qasm]") {
  const std::string head = "OPENQASM 2.0;\nqreg q[2];\n";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "line 1: expected 'OPENQASM 2.0;' first"},
      {"qreg q[2];", "line 1: expected 'OPENQASM 2.0;' first"},
      {"// header\nOPENQASM 3.0;", "line 2: only OpenQASM 2.0 is supported"},
      {"OPENQASM 2.0;\n", "line 2: no qreg declared"},
      {"OPENQASM 2.0;\nh q[0];", "line 2: unknown register 'q'"},
      {head + "qreg q[1];", "line 3: register 'q' is already declared"},
      {head + "creg q[1];", "line 3: register 'q' is already declared"},
      {"OPENQASM 2.0;\nqreg q[100001];", "line 2: qreg size must be 1 to 100000, not 100001"},
      {"OPENQASM 2.0;\nqreg q[0];", "line 2: qreg size must be 1 to 100000, not 0"},
      {head + "creg c[0];", "line 3: creg size must be 1 to 100000, not 0"},
      {"OPENQASM 2.0;\nqreg q[-1];", "line 2: expected a register size but found '-'"},
      {head + "foo q[0];", "line 3: unknown gate 'foo'"},
      {head + "\nfoo(1 q[0];", "line 4: unknown gate 'foo'"},
      {head + "rx q[0];", "line 3: gate 'rx' takes 1 parameter, got 0"},
      {head + "u3(1,2) q[0];", "line 3: gate 'u3' takes 3 parameters, got 2"},
      {head + "h(0.5) q[0];", "line 3: gate 'h' takes 0 parameters, got 1"},
      {head + "cx q[0];", "line 3: gate 'cx' takes 2 qubits, got 1"},
      {head + "h q[0],q[1];", "line 3: gate 'h' takes 1 qubit, got 2"},
      {head + "h q[5];", "line 3: qubit 5 is out of range (qreg 'q' has 2)"},
      {head + "h q[99999999999999999999];", "line 3: qubit 99999999999999999999 is out of range"},
      {head + "h q[" + std::string(1000, '9') + "];",
       "line 3: qubit 999999999999999999999999... is out of range"},
      {head + "h q[-1];", "line 3: expected a qubit index but found '-'"},
      {head + "h q[1.5];", "line 3: expected a qubit index but found '1.5'"},
      {head + "h q[0;", "line 3: expected ']' but found ';'"},
      {head + "h ;", "line 3: expected a qubit like q[0] but found ';'"},
      {head + "creg c[1];\nh c[0];", "line 4: 'c' is a creg, not a qreg"},
      {head + "cx q[1],q[1];", "line 3: gate 'cx' gets q[1] twice"},
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
      {head + "creg c[2];\nmeasure q[0] -> c[0]",
       "line 4: missing ';' at the end of the statement"},
      {head + "include qelib1.inc;", "line 3: expected a file name in quotes after 'include'"},
      {head + "include \"qelib1.inc;\n", "line 3: unterminated string"},
      {head + "h q[0]; @", "line 3: unexpected character '@'"},
      {head + "h q[0]; { }", "line 3: expected a statement but found '{'"},
      {head + "h q[0];\n\x01", "line 4: unexpected byte 0x01"},
      {head + "h q[0];\n\xff", "line 4: unexpected byte 0xff"},
      {head + "(", "line 3: expected a statement but found '('"},
      {head + std::string(1000, 'a') + ";", "line 3: unknown gate 'aaaaaaaaaaaaaaaaaaaaaaaa...'"},
      {head + "\"\x1b[31m\\\";", "line 3: expected a statement but found '\"\\x1b[31m\\\\\"'"},
  };
  check_errors(cases);
}

TEST_CASE("mutated QASM either parses or throws input_error", "[qsearch][qasm]") {
  const std::vector<std::string> valid{
      "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\n"
      "u3(0.5,-1.25e-3,pi/2) q[0];\ncx q[0],q[1];\nrz(-(pi)) q[2];\n"
      "// note\nh q[1]; sx q[2];\nmeasure q[0] -> c[0];\n",
      "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nqreg r[2];\ncreg c[2];\ncreg d[2];\n"
      "gate rot(t, u) a { rz(t/2) a; ry(-u) a; }\n"
      "gate maj(t) a,b,c { cx c,b; rot(t, 2*t) a; ccx a,b,c; }\n"
      "h q;\ncx q, r;\nmaj(pi/3) q[0],r[1],q[1];\ncswap r[0],q[1],q[0];\n"
      "crz(0.25) q[1],r[0];\nbarrier q, r;\nmeasure q -> c;\nmeasure r[1] -> d[0];\n"};
  qs::splitmix64 random(11);
  const std::string alphabet = "();,[]{}qrcpi0123456789.-+*/^e> \n\"/\x80{ux";
  for (const std::string& program : valid) {
    INFO(program);
    REQUIRE_NOTHROW(qs::parse_qasm_program(program));
    int parsed = 0;
    for (int trial = 0; trial < 20000; ++trial) {
      const std::string text = yt_test::mutate_bytes(program, random, alphabet);
      try {
        const qs::qasm_program result = qs::parse_qasm_program(text);
        const qs::circuit_gates& circuit = result.circuit;
        ++parsed;
        REQUIRE(circuit.qubits >= 1);
        REQUIRE(circuit.qubits <= 100000);
        for (const qs::gate& g : circuit.gates) {
          REQUIRE(g.qubit >= 0);
          REQUIRE(g.qubit < circuit.qubits);
          REQUIRE(g.target >= 0);
          REQUIRE(g.target < circuit.qubits);
          REQUIRE((g.type == qs::gate::kind::u3) == (g.qubit == g.target));
          REQUIRE(std::isfinite(g.theta + g.phi + g.lambda));
        }
        for (const qs::final_measure& m : result.measures) {
          REQUIRE(m.qubit >= 0);
          REQUIRE(m.qubit < circuit.qubits);
          const auto creg = std::find_if(result.cregs.begin(), result.cregs.end(),
                                         [&](const auto& c) { return c.name == m.creg; });
          REQUIRE(creg != result.cregs.end());
          REQUIRE(m.bit >= 0);
          REQUIRE(m.bit < creg->size);
        }
        if (circuit.qubits <= 8) {
          const qs::matrix u = qs::circuit_unitary(circuit);
          REQUIRE(
              (u.adjoint() * u - qs::matrix::Identity(u.rows(), u.cols())).cwiseAbs().maxCoeff() <
              1e-12);
        }
      } catch (const qs::input_error& error) {
        INFO(text);
        REQUIRE(std::string(error.what()).rfind("QASM line ", 0) == 0);
        REQUIRE(std::string(error.what()).find('\n') == std::string::npos);
      }
    }
    CHECK(parsed > 100);
  }
}
