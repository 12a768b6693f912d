#include <cctype>
#include <charconv>
#include <cmath>
#include <numbers>
#include <optional>

#include <fmt/format.h>

#include <qsearch/gates.hpp>
#include <qsearch/qasm.hpp>

namespace qs {

std::array<double, 3> u3_angles(const matrix2& u) {
  // u = e^{iα}·[[c, −e^{iλ}s], [e^{iφ}s, e^{i(φ+λ)}c]] with c = cos(θ/2) ≥ 0, s = sin(θ/2) ≥ 0.
  // The phases come from single entries (differences of phases are defined only modulo 2π,
  // so halving a sum of them would be off by π); a vanishing entry leaves its phase free.
  constexpr double vanishing = 1e-300;
  const double theta = 2 * std::atan2(std::abs(u(1, 0)), std::abs(u(0, 0)));
  const bool has_cos = std::abs(u(0, 0)) > vanishing;
  const double alpha = has_cos ? std::arg(u(0, 0)) : std::arg(u(1, 0)); // θ = π: take φ = 0
  const double phi = has_cos && std::abs(u(1, 0)) > vanishing ? std::arg(u(1, 0)) - alpha : 0.0;
  const double lambda =
      std::abs(u(0, 1)) > vanishing ? std::arg(-u(0, 1)) - alpha : std::arg(u(1, 1)) - alpha - phi;
  return {theta, phi, lambda};
}

std::string to_qasm(const circuit_gates& circuit) {
  std::string out =
      fmt::format("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[{}];\n", circuit.qubits);
  for (const gate& g : circuit.gates) {
    if (g.type == gate::kind::cx)
      out += fmt::format("cx q[{}],q[{}];\n", g.qubit, g.target);
    else
      out += fmt::format("u3({:.17g},{:.17g},{:.17g}) q[{}];\n", g.theta, g.phi, g.lambda, g.qubit);
  }
  return out;
}

namespace {

constexpr int max_qubits = 16;
constexpr double pi = std::numbers::pi;

class qasm_parser {
public:
  explicit qasm_parser(std::string_view text) : m_text(text) {}

  circuit_gates parse() {
    skip_space();
    if (!at_word("OPENQASM"))
      fail("expected 'OPENQASM 2.0;' first");
    read_word();
    skip_space();
    const std::size_t version_start = m_pos;
    while (m_pos < m_text.size() && m_text[m_pos] != ';' && !std::isspace(peek()))
      ++m_pos;
    if (m_text.substr(version_start, m_pos - version_start) != "2.0")
      fail("only OpenQASM 2.0 is supported");
    expect(';');
    while (true) {
      skip_space();
      if (m_pos >= m_text.size())
        break;
      statement();
    }
    if (m_register.empty())
      fail("no qreg declared");
    return m_circuit;
  }

private:
  [[noreturn]] void fail(std::string_view what) const {
    throw input_error(fmt::format("QASM line {}: {}", m_line, what));
  }

  char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }

  void skip_space() {
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos];
      if (c == '\n') {
        ++m_line;
        ++m_pos;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++m_pos;
      } else if (m_text.substr(m_pos, 2) == "//") {
        while (m_pos < m_text.size() && m_text[m_pos] != '\n')
          ++m_pos;
      } else {
        break;
      }
    }
  }

  bool at_word(std::string_view word) const { return m_text.substr(m_pos, word.size()) == word; }

  std::string_view read_word() {
    skip_space();
    const std::size_t start = m_pos;
    while (m_pos < m_text.size() &&
           (std::isalnum(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '_'))
      ++m_pos;
    return m_text.substr(start, m_pos - start);
  }

  void expect(char c) {
    skip_space();
    if (peek() != c)
      fail(peek() == '\0' ? fmt::format("expected '{}' before the end", c)
                          : fmt::format("expected '{}' but found '{}'", c, peek()));
    ++m_pos;
  }

  int read_integer() {
    skip_space();
    int value = 0;
    const auto [end, error] =
        std::from_chars(m_text.data() + m_pos, m_text.data() + m_text.size(), value);
    if (error != std::errc{})
      fail("expected a non-negative integer");
    m_pos = static_cast<std::size_t>(end - m_text.data());
    return value;
  }

  void skip_statement() {
    while (m_pos < m_text.size() && m_text[m_pos] != ';') {
      if (m_text[m_pos] == '\n')
        ++m_line;
      ++m_pos;
    }
    expect(';');
  }

  // expression := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*;
  // factor := ('-'|'+') factor | number | 'pi' | '(' expression ')'.
  double expression(int depth = 0) {
    if (depth > 64)
      fail("expression nested too deeply");
    double value = term(depth);
    while (true) {
      skip_space();
      if (peek() == '+') {
        ++m_pos;
        value += term(depth);
      } else if (peek() == '-') {
        ++m_pos;
        value -= term(depth);
      } else {
        return value;
      }
    }
  }

  double term(int depth) {
    double value = factor(depth);
    while (true) {
      skip_space();
      if (peek() == '*') {
        ++m_pos;
        value *= factor(depth);
      } else if (peek() == '/') {
        ++m_pos;
        value /= factor(depth);
      } else {
        return value;
      }
    }
  }

  double factor(int depth) {
    skip_space();
    if (peek() == '-') {
      ++m_pos;
      return -factor(depth + 1);
    }
    if (peek() == '+') {
      ++m_pos;
      return factor(depth + 1);
    }
    if (peek() == '(') {
      ++m_pos;
      const double value = expression(depth + 1);
      expect(')');
      return value;
    }
    if (at_word("pi")) {
      m_pos += 2;
      return pi;
    }
    double value = 0;
    const auto [end, error] =
        std::from_chars(m_text.data() + m_pos, m_text.data() + m_text.size(), value);
    if (error == std::errc::result_out_of_range)
      fail("number out of range in a parameter");
    if (error != std::errc{})
      fail("expected a number, 'pi' or '(' in a parameter");
    m_pos = static_cast<std::size_t>(end - m_text.data());
    return value;
  }

  int qubit_argument() {
    const std::string_view name = read_word();
    if (name.empty())
      fail("expected a qubit like q[0]");
    if (name != m_register)
      fail(m_register.empty() ? "gate before any qreg"
                              : fmt::format("unknown register '{}'", name));
    expect('[');
    const int index = read_integer();
    expect(']');
    if (index >= m_circuit.qubits)
      fail(fmt::format("qubit {} is out of range (the register has {})", index, m_circuit.qubits));
    return index;
  }

  void statement() {
    const std::string_view word = read_word();
    if (word.empty())
      fail(fmt::format("unexpected '{}'", peek()));
    if (word == "include" || word == "creg" || word == "barrier" || word == "measure") {
      skip_statement();
      return;
    }
    if (word == "qreg") {
      if (!m_register.empty())
        fail("only one qreg is supported");
      m_register = read_word();
      if (m_register.empty())
        fail("qreg needs a name");
      expect('[');
      m_circuit.qubits = read_integer();
      expect(']');
      expect(';');
      if (m_circuit.qubits < 1 || m_circuit.qubits > max_qubits)
        fail(fmt::format("qreg size must be 1 to {}", max_qubits));
      return;
    }
    gate_statement(std::string(word));
  }

  void gate_statement(const std::string& name) {
    std::vector<double> params;
    skip_space();
    if (peek() == '(') {
      ++m_pos;
      skip_space();
      if (peek() != ')') {
        params.push_back(expression());
        skip_space();
        while (peek() == ',') {
          ++m_pos;
          params.push_back(expression());
          skip_space();
        }
      }
      expect(')');
    }
    for (const double p : params)
      if (!std::isfinite(p))
        fail(fmt::format("gate '{}' has a parameter that is not finite", name));

    if (name == "cx" || name == "CX") {
      require_parameters(name, params, 0);
      const int control = qubit_argument();
      expect(',');
      const int target = qubit_argument();
      expect(';');
      if (control == target)
        fail("cx needs two different qubits");
      m_circuit.gates.push_back(gate::cx(control, target));
      return;
    }
    const std::optional<std::array<double, 3>> angles = single_qubit_angles(name, params);
    const int q = qubit_argument();
    expect(';');
    m_circuit.gates.push_back(gate::u3(q, (*angles)[0], (*angles)[1], (*angles)[2]));
  }

  void require_parameters(const std::string& name, const std::vector<double>& params,
                          std::size_t count) const {
    if (params.size() != count)
      fail(fmt::format("gate '{}' takes {} parameter{}, got {}", name, count, count == 1 ? "" : "s",
                       params.size()));
  }

  // U3 angles of each supported single-qubit gate, equal up to global phase.
  std::optional<std::array<double, 3>> single_qubit_angles(const std::string& name,
                                                           const std::vector<double>& p) const {
    struct fixed {
      const char* name;
      std::array<double, 3> angles;
    };
    static constexpr fixed fixed_gates[] = {
        {"id", {0, 0, 0}},           {"x", {pi, 0, pi}},
        {"y", {pi, pi / 2, pi / 2}}, {"z", {0, 0, pi}},
        {"h", {pi / 2, 0, pi}},      {"s", {0, 0, pi / 2}},
        {"sdg", {0, 0, -pi / 2}},    {"t", {0, 0, pi / 4}},
        {"tdg", {0, 0, -pi / 4}},    {"sx", {pi / 2, -pi / 2, pi / 2}}};
    for (const fixed& f : fixed_gates)
      if (name == f.name) {
        require_parameters(name, p, 0);
        return f.angles;
      }
    if (name == "u3" || name == "u" || name == "U") {
      require_parameters(name, p, 3);
      return std::array{p[0], p[1], p[2]};
    }
    if (name == "u2") {
      require_parameters(name, p, 2);
      return std::array{pi / 2, p[0], p[1]};
    }
    if (name == "u1" || name == "p" || name == "rz") {
      require_parameters(name, p, 1);
      return std::array{0.0, 0.0, p[0]};
    }
    if (name == "rx") {
      require_parameters(name, p, 1);
      return std::array{p[0], -pi / 2, pi / 2};
    }
    if (name == "ry") {
      require_parameters(name, p, 1);
      return std::array{p[0], 0.0, 0.0};
    }
    fail(fmt::format("unknown gate '{}'", name));
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
  int m_line = 1;
  std::string m_register;
  circuit_gates m_circuit;
};

matrix unitary_with_bits(const circuit_gates& circuit, bool big_endian) {
  const int n = 1 << circuit.qubits;
  const auto bit_of = [&](int q) { return big_endian ? n >> (q + 1) : 1 << q; };
  matrix v = matrix::Identity(n, n);
  for (const gate& g : circuit.gates) {
    if (g.type == gate::kind::cx) {
      const int control = bit_of(g.qubit);
      const int target = bit_of(g.target);
      for (int r = 0; r < n; ++r)
        if ((r & control) && !(r & target))
          v.row(r).swap(v.row(r | target));
      continue;
    }
    const matrix2 u = u3_matrix(g.theta, g.phi, g.lambda);
    const int bit = bit_of(g.qubit);
    for (int r = 0; r < n; ++r)
      if (!(r & bit)) {
        const Eigen::RowVectorXcd low = v.row(r);
        const Eigen::RowVectorXcd high = v.row(r | bit);
        v.row(r) = u(0, 0) * low + u(0, 1) * high;
        v.row(r | bit) = u(1, 0) * low + u(1, 1) * high;
      }
  }
  return v;
}

} // namespace

circuit_gates parse_qasm(std::string_view text) {
  return qasm_parser(text).parse();
}

matrix circuit_unitary(const circuit_gates& circuit) {
  return unitary_with_bits(circuit, true);
}

matrix circuit_unitary_little_endian(const circuit_gates& circuit) {
  return unitary_with_bits(circuit, false);
}

} // namespace qs
