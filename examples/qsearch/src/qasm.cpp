#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <qsearch/gates.hpp>
#include <qsearch/printable.hpp>
#include <qsearch/qasm.hpp>

namespace qs {

std::string to_qasm(const circuit_gates& circuit) {
  std::string out =
      fmt::format("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[{}];\n", circuit.qubits);
  for (const gate& g : circuit.gates) {
    if (g.type == gate::kind::cx) {
      out += fmt::format("cx q[{}],q[{}];\n", g.qubit, g.target);
    } else {
      out += fmt::format("u3({:.17g},{:.17g},{:.17g}) q[{}];\n", g.theta, g.phi, g.lambda, g.qubit);
    }
  }
  return out;
}

namespace {

constexpr double pi = std::numbers::pi;

constexpr int max_qubits = 16;

// Deep enough for any real program; shallow enough that the recursive descent cannot exhaust
// the stack on input like "((((((...".
constexpr int max_expression_depth = 64;

[[noreturn]] void fail(int line, std::string_view what) {
  throw input_error(fmt::format("QASM line {}: {}", line, what));
}

bool is_letter(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

struct token {
  enum class kind { end, identifier, number, string, symbol };
  kind type = kind::end;
  std::string_view text; // a view into the program
  int line = 1;
};

// Garbage input must not make a one-line message long, nor put raw bytes in it.
std::string shortened(std::string_view text) {
  return printable(text, 24);
}

// How a token appears in a message.
std::string describe(const token& t) {
  if (t.type == token::kind::end) {
    return "the end of the program";
  }
  return fmt::format("'{}'", shortened(t.text));
}

// Splits the program into tokens on demand, so that errors come in the order of the text.
class lexer {
public:
  explicit lexer(std::string_view text) : m_text(text) {}

  token next() {
    skip_space_and_comments();
    const std::size_t start = m_pos;
    const auto make = [&](token::kind type) {
      return token{type, m_text.substr(start, m_pos - start), m_line};
    };
    if (m_pos == m_text.size()) {
      return make(token::kind::end);
    }
    const char c = m_text[m_pos];
    if (is_letter(c)) {
      while (m_pos < m_text.size() && (is_letter(m_text[m_pos]) || is_digit(m_text[m_pos]))) {
        ++m_pos;
      }
      return make(token::kind::identifier);
    }
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) {
      lex_number();
      return make(token::kind::number);
    }
    if (c == '"') {
      ++m_pos;
      while (m_pos < m_text.size() && m_text[m_pos] != '"' && m_text[m_pos] != '\n') {
        ++m_pos;
      }
      if (peek(0) != '"') {
        fail(m_line, "unterminated string");
      }
      ++m_pos;
      return make(token::kind::string);
    }
    if (c == '-' && peek(1) == '>') {
      m_pos += 2;
      return make(token::kind::symbol);
    }
    if (std::string_view("()[],;+-*/^").find(c) != std::string_view::npos) {
      ++m_pos;
      return make(token::kind::symbol);
    }
    if (std::isprint(static_cast<unsigned char>(c))) {
      fail(m_line, fmt::format("unexpected character '{}'", c));
    }
    fail(m_line, fmt::format("unexpected byte 0x{:02x}", static_cast<unsigned char>(c)));
  }

private:
  char peek(std::size_t ahead) const {
    return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0';
  }

  void skip_space_and_comments() {
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos];
      if (c == '\n') {
        ++m_line;
        ++m_pos;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++m_pos;
      } else if (c == '/' && peek(1) == '/') {
        while (m_pos < m_text.size() && m_text[m_pos] != '\n') {
          ++m_pos;
        }
      } else {
        return;
      }
    }
  }

  // digits [. digits] [e [+-] digits], or . digits [...]; std::from_chars reads the value later.
  void lex_number() {
    const std::size_t start = m_pos;
    const auto digits = [&] {
      while (is_digit(peek(0))) {
        ++m_pos;
      }
    };
    digits();
    if (peek(0) == '.') {
      ++m_pos;
      digits();
    }
    if (peek(0) == 'e' || peek(0) == 'E') {
      ++m_pos;
      if (peek(0) == '+' || peek(0) == '-') {
        ++m_pos;
      }
      if (!is_digit(peek(0))) {
        fail(m_line, fmt::format("malformed number {}",
                                 describe({token::kind::number, m_text.substr(start, m_pos - start),
                                           m_line})));
      }
      digits();
    }
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
  int m_line = 1;
};

using angle_triple = std::array<double, 3>;

// A gate of qelib1.inc and its U3 angles, equal to the gate up to global phase (rz(λ) is
// diag(e^{−iλ/2}, e^{iλ/2}) = e^{−iλ/2}·u3(0, 0, λ)); `angles` is null for the CNOT.
struct gate_spec {
  std::string_view name;
  std::size_t parameters;
  angle_triple (*angles)(std::span<const double> p);
};

constexpr gate_spec gate_specs[] = {
    {"u3", 3,
     [](std::span<const double> p) {
       return angle_triple{p[0], p[1], p[2]};
     }},
    {"u", 3,
     [](std::span<const double> p) {
       return angle_triple{p[0], p[1], p[2]};
     }},
    {"U", 3,
     [](std::span<const double> p) {
       return angle_triple{p[0], p[1], p[2]};
     }},
    {"u2", 2,
     [](std::span<const double> p) {
       return angle_triple{pi / 2, p[0], p[1]};
     }},
    {"u1", 1,
     [](std::span<const double> p) {
       return angle_triple{0, 0, p[0]};
     }},
    {"p", 1,
     [](std::span<const double> p) {
       return angle_triple{0, 0, p[0]};
     }},
    {"rz", 1,
     [](std::span<const double> p) {
       return angle_triple{0, 0, p[0]};
     }},
    {"rx", 1,
     [](std::span<const double> p) {
       return angle_triple{p[0], -pi / 2, pi / 2};
     }},
    {"ry", 1,
     [](std::span<const double> p) {
       return angle_triple{p[0], 0, 0};
     }},
    {"id", 0,
     [](std::span<const double>) {
       return angle_triple{0, 0, 0};
     }},
    {"x", 0,
     [](std::span<const double>) {
       return angle_triple{pi, 0, pi};
     }},
    {"y", 0,
     [](std::span<const double>) {
       return angle_triple{pi, pi / 2, pi / 2};
     }},
    {"z", 0,
     [](std::span<const double>) {
       return angle_triple{0, 0, pi};
     }},
    {"h", 0,
     [](std::span<const double>) {
       return angle_triple{pi / 2, 0, pi};
     }},
    {"s", 0,
     [](std::span<const double>) {
       return angle_triple{0, 0, pi / 2};
     }},
    {"sdg", 0,
     [](std::span<const double>) {
       return angle_triple{0, 0, -pi / 2};
     }},
    {"t", 0,
     [](std::span<const double>) {
       return angle_triple{0, 0, pi / 4};
     }},
    {"tdg", 0,
     [](std::span<const double>) {
       return angle_triple{0, 0, -pi / 4};
     }},
    {"sx", 0,
     [](std::span<const double>) {
       return angle_triple{pi / 2, -pi / 2, pi / 2};
     }},
    {"sxdg", 0,
     [](std::span<const double>) {
       return angle_triple{pi / 2, pi / 2, -pi / 2};
     }},
    {"cx", 0, nullptr},
    {"CX", 0, nullptr},
};

// Recursive descent over the grammar of OpenQASM 2.0 that flat circuits use.
class parser {
public:
  explicit parser(std::string_view text) : m_lexer(text) { advance(); }

  circuit_gates parse() {
    if (m_token.type != token::kind::identifier || m_token.text != "OPENQASM") {
      fail(m_token.line, "expected 'OPENQASM 2.0;' first");
    }
    advance();
    if (m_token.type != token::kind::number || (m_token.text != "2.0" && m_token.text != "2")) {
      fail(m_token.line, "only OpenQASM 2.0 is supported");
    }
    advance();
    expect_semicolon();
    while (m_token.type != token::kind::end) {
      statement();
    }
    if (m_register.empty()) {
      fail(m_token.line, "no qreg declared");
    }
    return std::move(m_circuit);
  }

private:
  void advance() {
    m_previous_line = m_token.line;
    m_token = m_lexer.next();
  }

  bool at_symbol(std::string_view symbol) const {
    return m_token.type == token::kind::symbol && m_token.text == symbol;
  }

  void expect(std::string_view symbol) {
    if (!at_symbol(symbol)) {
      fail(m_token.line, fmt::format("expected '{}' but found {}", symbol, describe(m_token)));
    }
    advance();
  }

  // A statement that runs into the next line or the end most likely lacks its ';': blame the
  // line it is on, not the line of whatever follows.
  void expect_semicolon() {
    if (!at_symbol(";") && (m_token.type == token::kind::end || m_token.line != m_previous_line)) {
      fail(m_previous_line, "missing ';' at the end of the statement");
    }
    expect(";");
  }

  void skip_statement() {
    while (m_token.type != token::kind::end && !at_symbol(";")) {
      advance();
    }
    expect_semicolon();
  }

  void statement() {
    const token word = m_token;
    if (word.type != token::kind::identifier) {
      fail(word.line, fmt::format("expected a statement but found {}", describe(word)));
    }
    advance();
    if (word.text == "include") {
      if (m_token.type != token::kind::string) {
        fail(m_token.line, "expected a file name in quotes after 'include'");
      }
      advance();
      expect_semicolon();
    } else if (word.text == "creg" || word.text == "barrier" || word.text == "measure") {
      skip_statement();
    } else if (word.text == "qreg") {
      declare_register(word);
    } else if (word.text == "gate" || word.text == "opaque" || word.text == "if" ||
               word.text == "reset") {
      fail(word.line, fmt::format("'{}' statements are not supported", word.text));
    } else {
      gate_statement(word);
    }
  }

  void declare_register(const token& keyword) {
    if (!m_register.empty()) {
      fail(keyword.line, "only one qreg is supported");
    }
    const token name = m_token;
    if (name.type != token::kind::identifier) {
      fail(name.line, fmt::format("expected a register name but found {}", describe(name)));
    }
    advance();
    expect("[");
    const token size = m_token;
    const int qubits = integer("a register size");
    if (qubits < 1 || qubits > max_qubits) {
      fail(size.line,
           fmt::format("qreg size must be 1 to {}, not {}", max_qubits, shortened(size.text)));
    }
    expect("]");
    expect_semicolon();
    m_register = name.text;
    m_circuit.qubits = qubits;
  }

  void gate_statement(const token& name) {
    const gate_spec* spec = nullptr;
    for (const gate_spec& candidate : gate_specs) {
      if (candidate.name == name.text) {
        spec = &candidate;
      }
    }
    if (spec == nullptr) {
      fail(name.line, fmt::format("unknown gate {}", describe(name)));
    }
    if (m_register.empty()) {
      fail(name.line, "gate before any qreg");
    }
    const std::vector<double> params = parameters(name);
    if (params.size() != spec->parameters) {
      fail(name.line,
           fmt::format("gate '{}' takes {} parameter{}, got {}", name.text, spec->parameters,
                       spec->parameters == 1 ? "" : "s", params.size()));
    }
    std::vector<int> qubits{qubit_argument()};
    while (at_symbol(",")) {
      advance();
      qubits.push_back(qubit_argument());
    }
    expect_semicolon();
    const std::size_t arity = spec->angles ? 1 : 2;
    if (qubits.size() != arity) {
      fail(name.line, fmt::format("gate '{}' takes {} qubit{}, got {}", name.text, arity,
                                  arity == 1 ? "" : "s", qubits.size()));
    }
    if (!spec->angles) {
      if (qubits[0] == qubits[1]) {
        fail(name.line, "cx needs two different qubits");
      }
      m_circuit.gates.push_back(gate::cx(qubits[0], qubits[1]));
      return;
    }
    const auto [theta, phi, lambda] = spec->angles(params);
    m_circuit.gates.push_back(gate::u3(qubits[0], theta, phi, lambda));
  }

  std::vector<double> parameters(const token& name) {
    std::vector<double> values;
    if (!at_symbol("(")) {
      return values;
    }
    advance();
    if (at_symbol(")")) {
      advance();
      return values;
    }
    while (true) {
      const int line = m_token.line;
      values.push_back(expression(0));
      if (!std::isfinite(values.back())) {
        fail(line, fmt::format("gate '{}' has a parameter that is not finite", name.text));
      }
      if (!at_symbol(",")) {
        break;
      }
      advance();
    }
    expect(")");
    return values;
  }

  int qubit_argument() {
    const token name = m_token;
    if (name.type != token::kind::identifier) {
      fail(name.line,
           fmt::format("expected a qubit like {}[0] but found {}", m_register, describe(name)));
    }
    if (name.text != m_register) {
      fail(name.line, fmt::format("unknown register {}", describe(name)));
    }
    advance();
    expect("[");
    const token index_token = m_token;
    const int index = integer("a qubit index");
    if (index >= m_circuit.qubits) {
      fail(index_token.line, fmt::format("qubit {} is out of range (the register has {})",
                                         shortened(index_token.text), m_circuit.qubits));
    }
    expect("]");
    return index;
  }

  // A non-negative integer literal; one too large for int reads as int's maximum, which every
  // caller rejects as out of range.
  int integer(std::string_view what) {
    const token t = m_token;
    const bool all_digits = t.type == token::kind::number &&
                            t.text.find_first_not_of("0123456789") == std::string_view::npos;
    if (!all_digits) {
      fail(t.line, fmt::format("expected {} but found {}", what, describe(t)));
    }
    int value = 0;
    if (std::from_chars(t.text.data(), t.text.data() + t.text.size(), value).ec != std::errc{}) {
      value = std::numeric_limits<int>::max();
    }
    advance();
    return value;
  }

  // expression := term (('+' | '-') term)*        term := unary (('*' | '/') unary)*
  // unary := ('-' | '+') unary | power             power := primary ['^' unary]
  // primary := number | 'pi' | function '(' expression ')' | '(' expression ')'
  // Every recursion passes through `unary`, which bounds the depth.
  double expression(int depth) {
    double value = term(depth);
    while (at_symbol("+") || at_symbol("-")) {
      const bool plus = m_token.text == "+";
      advance();
      const double rhs = term(depth);
      value = plus ? value + rhs : value - rhs;
    }
    return value;
  }

  double term(int depth) {
    double value = unary(depth);
    while (at_symbol("*") || at_symbol("/")) {
      const bool times = m_token.text == "*";
      advance();
      const double rhs = unary(depth);
      value = times ? value * rhs : value / rhs;
    }
    return value;
  }

  double unary(int depth) {
    if (depth > max_expression_depth) {
      fail(m_token.line, "expression nested too deeply");
    }
    if (at_symbol("-")) {
      advance();
      return -unary(depth + 1);
    }
    if (at_symbol("+")) {
      advance();
      return unary(depth + 1);
    }
    const double base = primary(depth);
    if (!at_symbol("^")) {
      return base;
    }
    advance();
    return std::pow(base, unary(depth + 1));
  }

  double primary(int depth) {
    const token t = m_token;
    if (t.type == token::kind::number) {
      advance();
      double value = 0;
      if (std::from_chars(t.text.data(), t.text.data() + t.text.size(), value).ec != std::errc{}) {
        fail(t.line, fmt::format("number {} is out of range", describe(t)));
      }
      return value;
    }
    if (t.type == token::kind::identifier) {
      advance();
      if (t.text == "pi") {
        return pi;
      }
      double (*function)(double) = nullptr;
      if (t.text == "sin") {
        function = [](double x) { return std::sin(x); };
      } else if (t.text == "cos") {
        function = [](double x) { return std::cos(x); };
      } else if (t.text == "tan") {
        function = [](double x) { return std::tan(x); };
      } else if (t.text == "exp") {
        function = [](double x) { return std::exp(x); };
      } else if (t.text == "ln") {
        function = [](double x) { return std::log(x); };
      } else if (t.text == "sqrt") {
        function = [](double x) { return std::sqrt(x); };
      } else {
        fail(t.line, fmt::format("unknown name {} in a parameter", describe(t)));
      }
      expect("(");
      const double argument = expression(depth + 1);
      expect(")");
      return function(argument);
    }
    if (at_symbol("(")) {
      advance();
      const double value = expression(depth + 1);
      expect(")");
      return value;
    }
    fail(t.line,
         fmt::format("expected a number, 'pi' or '(' in a parameter but found {}", describe(t)));
  }

  lexer m_lexer;
  token m_token;
  int m_previous_line = 1;
  std::string m_register;
  circuit_gates m_circuit;
};

} // namespace

circuit_gates parse_qasm(std::string_view text) {
  return parser(text).parse();
}

} // namespace qs
