#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <qsearch/bounded_read.hpp>
#include <qsearch/printable.hpp>
#include <qsearch/qasm.hpp>

namespace qs {

namespace {

// iSWAP and √iSWAP are exp(iα(XX+YY)) with α = π/4 and π/8. Rx(π/2) on both qubits turns YY
// into ZZ and leaves XX, and CX·(Rx(−2α)⊗Rz(−2α))·CX is exp(iα(XX+ZZ)): every OpenQASM 2.0
// reader knows these gates. qelib1.inc has cz.
constexpr std::string_view iswap_definition =
    "gate iswap a,b { rx(pi/2) a; rx(pi/2) b; cx a,b; rx(-pi/2) a; rz(-pi/2) b; cx a,b; "
    "rx(-pi/2) a; rx(-pi/2) b; }\n";
constexpr std::string_view sqrt_iswap_definition =
    "gate sqrt_iswap a,b { rx(pi/2) a; rx(pi/2) b; cx a,b; rx(-pi/4) a; rz(-pi/4) b; cx a,b; "
    "rx(-pi/2) a; rx(-pi/2) b; }\n";

// The header, the definitions of the gates the circuit uses that qelib1.inc lacks, and the qreg.
std::string header(std::string_view qreg, const circuit_gates& circuit) {
  std::string out = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n";
  const auto uses = [&](gate::kind k) {
    return std::ranges::count(circuit.gates, k, &gate::type) > 0;
  };
  if (uses(gate::kind::iswap)) {
    out += iswap_definition;
  }
  if (uses(gate::kind::sqrt_iswap)) {
    out += sqrt_iswap_definition;
  }
  return out + fmt::format("qreg {}[{}];\n", qreg, circuit.qubits);
}

void append_gates(std::string& out, std::string_view qreg, const circuit_gates& circuit) {
  for (const gate& g : circuit.gates) {
    if (g.is_two_qubit()) {
      out += fmt::format("{0} {1}[{2}],{1}[{3}];\n", gate_name(g.two_qubit_type()), qreg, g.qubit,
                         g.target);
    } else {
      out += fmt::format("u3({:.17g},{:.17g},{:.17g}) {}[{}];\n", g.theta, g.phi, g.lambda, qreg,
                         g.qubit);
    }
  }
}

} // namespace

std::string to_qasm(const circuit_gates& circuit) {
  std::string out = header("q", circuit);
  append_gates(out, "q", circuit);
  return out;
}

std::string to_qasm(const qasm_program& program) {
  // One namespace holds every register name.
  std::string qreg = "q";
  while (std::any_of(program.cregs.begin(), program.cregs.end(),
                     [&](const classical_register& c) { return c.name == qreg; })) {
    qreg += '_';
  }
  std::string out = header(qreg, program.circuit);
  for (const classical_register& c : program.cregs) {
    out += fmt::format("creg {}[{}];\n", c.name, c.size);
  }
  append_gates(out, qreg, program.circuit);
  for (const final_measure& m : program.measures) {
    out += fmt::format("measure {}[{}] -> {}[{}];\n", qreg, m.qubit, m.creg, m.bit);
  }
  return out;
}

namespace {

constexpr double pi = std::numbers::pi;

// Wide enough for any circuit qsearch could partition; the per-qubit bookkeeping stays small.
constexpr int max_qubits = 100'000;

// Bounds the memory a few lines of nested gate definitions can claim (40 bytes a gate).
constexpr std::uint64_t max_gates = 10'000'000;

// Deep enough for any real program; shallow enough that the recursive descent cannot exhaust
// the stack on input like "((((((...".
constexpr int max_expression_depth = 64;

// Expanding a call recurses once per level of nested definitions: the bound keeps a chain of
// thousands of definitions, each calling the one before, from exhausting the stack.
constexpr int max_gate_nesting = 100;

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
    if (std::string_view("()[],;+-*/^{}").find(c) != std::string_view::npos) {
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

// A single-qubit gate of qelib1.inc and its U3 angles, equal to the gate up to global phase
// (rz(λ) is diag(e^{−iλ/2}, e^{iλ/2}) = e^{−iλ/2}·u3(0, 0, λ)).
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
};

// A parameter expression in postfix order: evaluating it needs no recursion, however long a
// chain like 1+1+...+1 is.
struct step {
  enum class op {
    number,
    parameter,
    negate,
    add,
    subtract,
    multiply,
    divide,
    power,
    sin,
    cos,
    tan,
    exp,
    ln,
    sqrt
  };
  op type = op::number;
  double value = 0;          // a number's value
  std::size_t parameter = 0; // a formal parameter's index
};

using expression = std::vector<step>;

double apply_unary(step::op op, double x) {
  switch (op) {
  case step::op::negate:
    return -x;
  case step::op::sin:
    return std::sin(x);
  case step::op::cos:
    return std::cos(x);
  case step::op::tan:
    return std::tan(x);
  case step::op::exp:
    return std::exp(x);
  case step::op::ln:
    return std::log(x);
  default:
    return std::sqrt(x);
  }
}

double apply_binary(step::op op, double x, double y) {
  switch (op) {
  case step::op::add:
    return x + y;
  case step::op::subtract:
    return x - y;
  case step::op::multiply:
    return x * y;
  case step::op::divide:
    return x / y;
  default:
    return std::pow(x, y);
  }
}

// `stack` is scratch space, passed in so that expanding many calls reuses one allocation.
double evaluate(const expression& e, std::span<const double> parameters,
                std::vector<double>& stack) {
  stack.clear();
  for (const step& s : e) {
    switch (s.type) {
    case step::op::number:
      stack.push_back(s.value);
      break;
    case step::op::parameter:
      stack.push_back(parameters[s.parameter]);
      break;
    case step::op::add:
    case step::op::subtract:
    case step::op::multiply:
    case step::op::divide:
    case step::op::power: {
      const double rhs = stack.back();
      stack.pop_back();
      stack.back() = apply_binary(s.type, stack.back(), rhs);
      break;
    }
    default:
      stack.back() = apply_unary(s.type, stack.back());
    }
  }
  return stack.back();
}

struct gate_definition;

// One gate applied in a definition's body: its parameters are expressions of the definition's
// parameters, its qubits indices into the definition's qubit arguments.
struct gate_call {
  const gate_definition* callee = nullptr;
  std::vector<expression> parameters;
  std::vector<std::size_t> qubits;
};

// A gate the parser knows: a U3 whose angles follow from the parameters, the CNOT, or a body of
// calls to gates defined before it (so no definition can reach itself).
struct gate_definition {
  enum class kind { u3, cx, composite };
  kind type = kind::composite;
  std::string_view name;
  std::size_t parameters = 0;
  std::size_t qubits = 1;
  angle_triple (*angles)(std::span<const double> p) = nullptr; // a U3's
  std::vector<gate_call> body;                                 // a composite's
  // U3s and CXs per call, saturating at max_gates + 1 so that sums cannot overflow.
  std::uint64_t expanded_gates = 1;
  // 0 for U3 and CX, otherwise 1 + the deepest callee's.
  int nesting = 0;
};

// The gates a program can call: its own definitions over those of `base`. A deque keeps each
// definition in place as more are added, as later bodies point to it.
class gate_table {
public:
  explicit gate_table(const gate_table* base) : m_base(base) {}
  gate_table(const gate_table&) = delete;
  gate_table& operator=(const gate_table&) = delete;

  const gate_definition* find(std::string_view name) const {
    if (const auto it = m_index.find(name); it != m_index.end()) {
      return it->second;
    }
    return m_base != nullptr ? m_base->find(name) : nullptr;
  }

  void add(gate_definition definition) {
    const gate_definition& added = m_definitions.emplace_back(std::move(definition));
    m_index.emplace(added.name, &added);
  }

private:
  const gate_table* m_base;
  std::deque<gate_definition> m_definitions;
  std::unordered_map<std::string_view, const gate_definition*> m_index;
};

// The multi-qubit gates of qelib1.inc, as it defines them.
constexpr std::string_view qelib1_definitions = R"(
gate cz a,b { h b; cx a,b; h b; }
gate cy a,b { sdg b; cx a,b; s b; }
gate swap a,b { cx a,b; cx b,a; cx a,b; }
gate ch a,b {
  h b; sdg b;
  cx a,b;
  h b; t b;
  cx a,b;
  t b; h b; s b; x b; s a;
}
gate ccx a,b,c {
  h c;
  cx b,c; tdg c;
  cx a,c; t c;
  cx b,c; tdg c;
  cx a,c; t b; t c; h c;
  cx a,b; t a; tdg b;
  cx a,b;
}
gate cswap a,b,c { cx c,b; ccx a,b,c; cx c,b; }
gate crx(lambda) a,b {
  u1(pi/2) b;
  cx a,b;
  u3(-lambda/2,0,0) b;
  cx a,b;
  u3(lambda/2,-pi/2,0) b;
}
gate cry(lambda) a,b { ry(lambda/2) b; cx a,b; ry(-lambda/2) b; cx a,b; }
gate crz(lambda) a,b { rz(lambda/2) b; cx a,b; rz(-lambda/2) b; cx a,b; }
gate cu1(lambda) a,b { u1(lambda/2) a; cx a,b; u1(-lambda/2) b; cx a,b; u1(lambda/2) b; }
gate cp(lambda) a,b { p(lambda/2) a; cx a,b; p(-lambda/2) b; cx a,b; p(lambda/2) b; }
gate cu3(theta,phi,lambda) c,t {
  u1((lambda+phi)/2) c;
  u1((lambda-phi)/2) t;
  cx c,t;
  u3(-theta/2,0,-(phi+lambda)/2) t;
  cx c,t;
  u3(theta/2,phi,0) t;
}
gate rxx(theta) a,b {
  u3(pi/2,theta,0) a;
  h b;
  cx a,b;
  u1(-theta) b;
  cx a,b;
  h b;
  u2(-pi,pi-theta) a;
}
gate rzz(theta) a,b { cx a,b; u1(theta) b; cx a,b; }
)";

// Words that start statements other than gate calls.
bool is_keyword(std::string_view word) {
  return word == "OPENQASM" || word == "include" || word == "qreg" || word == "creg" ||
         word == "gate" || word == "opaque" || word == "barrier" || word == "measure" ||
         word == "reset" || word == "if";
}

// Names that parameter expressions give a meaning of their own.
bool is_reserved(std::string_view word) {
  return word == "pi" || word == "sin" || word == "cos" || word == "tan" || word == "exp" ||
         word == "ln" || word == "sqrt";
}

// Recursive descent over OpenQASM 2.0 without classical control.
class parser {
public:
  parser(std::string_view text, gate_table& gates) : m_lexer(text), m_gates(gates) { advance(); }

  qasm_program parse_program() {
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
    if (m_program.circuit.qubits == 0) {
      fail(m_token.line, "no qreg declared");
    }
    return std::move(m_program);
  }

  // A text of gate definitions only, such as `qelib1_definitions`.
  void parse_definitions() {
    while (m_token.type != token::kind::end) {
      if (m_token.type != token::kind::identifier || m_token.text != "gate") {
        fail(m_token.line, fmt::format("expected 'gate' but found {}", describe(m_token)));
      }
      advance();
      define_gate();
    }
  }

private:
  // A declared register; a qreg's `offset` is its first qubit in the flat numbering.
  struct register_info {
    std::string_view name;
    bool quantum = true;
    int offset = 0;
    int size = 0;
  };

  // A register, or one of its qubits or bits when `index` is not negative.
  struct reference {
    const register_info* reg = nullptr;
    int index = -1;
  };

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

  token identifier(std::string_view what) {
    const token t = m_token;
    if (t.type != token::kind::identifier) {
      fail(t.line, fmt::format("expected {} but found {}", what, describe(t)));
    }
    advance();
    return t;
  }

  void statement() {
    const token word = identifier("a statement");
    if (word.text == "include") {
      if (m_token.type != token::kind::string) {
        fail(m_token.line, "expected a file name in quotes after 'include'");
      }
      advance();
      expect_semicolon();
    } else if (word.text == "qreg" || word.text == "creg") {
      declare_register(word.text == "qreg");
    } else if (word.text == "gate") {
      define_gate();
    } else if (word.text == "barrier") {
      skip_statement();
    } else if (word.text == "measure") {
      measure(word);
    } else if (word.text == "opaque") {
      fail(word.line, "'opaque' gates are not supported: qsearch needs every gate's definition");
    } else if (word.text == "reset") {
      fail(word.line, "'reset' is not supported: qsearch takes unitary circuits");
    } else if (word.text == "if") {
      fail(word.line, "'if' is not supported: qsearch takes no classically controlled gates");
    } else {
      gate_statement(word);
    }
  }

  void declare_register(bool quantum) {
    const token name = identifier("a register name");
    if (m_registers.contains(name.text)) {
      fail(name.line, fmt::format("register {} is already declared", describe(name)));
    }
    expect("[");
    const token size_token = m_token;
    const int size = integer("a register size");
    if (size < 1 || size > max_qubits) {
      fail(size_token.line,
           fmt::format("{} size must be 1 to {}, not {}", quantum ? "qreg" : "creg", max_qubits,
                       shortened(size_token.text)));
    }
    circuit_gates& circuit = m_program.circuit;
    if (quantum && size > max_qubits - circuit.qubits) {
      fail(size_token.line, fmt::format("the qregs hold more than {} qubits", max_qubits));
    }
    expect("]");
    expect_semicolon();
    if (quantum) {
      m_registers.emplace(name.text, register_info{name.text, true, circuit.qubits, size});
      circuit.qubits += size;
      m_measured.resize(static_cast<std::size_t>(circuit.qubits));
      m_in_use.resize(static_cast<std::size_t>(circuit.qubits));
    } else {
      m_registers.emplace(name.text, register_info{name.text, false, 0, size});
      m_program.cregs.push_back({std::string(name.text), size});
    }
  }

  // `gate name(params) a, b { body }`, after the keyword.
  void define_gate() {
    const token name = identifier("a gate name");
    if (is_keyword(name.text)) {
      fail(name.line, fmt::format("'{}' cannot name a gate", name.text));
    }
    if (m_gates.find(name.text) != nullptr) {
      fail(name.line, fmt::format("gate {} is already defined", describe(name)));
    }
    // Maps, not lists: a gate may have thousands of formals, each named many times in the body.
    std::unordered_map<std::string_view, std::size_t> parameters;
    std::unordered_map<std::string_view, std::size_t> qubits;
    const auto declare = [&](std::unordered_map<std::string_view, std::size_t>& names,
                             std::string_view formal) {
      if (parameters.contains(formal) || qubits.contains(formal)) {
        fail(name.line,
             fmt::format("gate {} declares '{}' twice", describe(name), shortened(formal)));
      }
      names.emplace(formal, names.size());
    };
    if (at_symbol("(")) {
      advance();
      if (!at_symbol(")")) {
        for (const std::string_view formal : identifier_list("a parameter name")) {
          if (is_reserved(formal)) {
            fail(name.line, fmt::format("gate {} names a parameter '{}', which is reserved",
                                        describe(name), formal));
          }
          declare(parameters, formal);
        }
      }
      expect(")");
    }
    const std::vector<std::string_view> qubit_names = identifier_list("a qubit argument name");
    for (const std::string_view formal : qubit_names) {
      declare(qubits, formal);
    }
    expect("{");
    gate_definition definition{gate_definition::kind::composite,
                               name.text,
                               parameters.size(),
                               qubits.size(),
                               nullptr,
                               {},
                               0};
    m_formals = std::move(parameters);
    while (!at_symbol("}")) {
      if (m_token.type == token::kind::end) {
        fail(m_token.line, fmt::format("missing '}}' at the end of gate {}", describe(name)));
      }
      body_statement(name, qubits, qubit_names, definition);
    }
    m_formals.clear();
    advance();
    if (definition.nesting > max_gate_nesting) {
      fail(name.line, fmt::format("gate {} nests gate definitions more than {} deep",
                                  describe(name), max_gate_nesting));
    }
    m_gates.add(std::move(definition));
  }

  std::vector<std::string_view> identifier_list(std::string_view what) {
    std::vector<std::string_view> names{identifier(what).text};
    while (at_symbol(",")) {
      advance();
      names.push_back(identifier(what).text);
    }
    return names;
  }

  // One gate call or barrier in the body of `definition`, whose qubit arguments `qubits` maps
  // to their indices in `qubit_names`.
  void body_statement(const token& name,
                      const std::unordered_map<std::string_view, std::size_t>& qubits,
                      std::span<const std::string_view> qubit_names, gate_definition& definition) {
    const token word = m_token;
    if (word.type != token::kind::identifier) {
      fail(word.line, fmt::format("expected a gate call in gate {} but found {}", describe(name),
                                  describe(word)));
    }
    advance();
    if (word.text == "barrier") {
      skip_statement();
      return;
    }
    if (word.text == name.text) {
      fail(word.line,
           fmt::format("gate {} calls itself; recursive gates are not supported", describe(name)));
    }
    if (is_keyword(word.text)) {
      fail(word.line,
           fmt::format("'{}' is not allowed in the body of gate {}", word.text, describe(name)));
    }
    const gate_definition& callee = known_gate(word);
    gate_call call{&callee, parameter_list(), {}};
    while (true) {
      const token argument = identifier("a qubit argument");
      const auto found = qubits.find(argument.text);
      if (found == qubits.end()) {
        fail(argument.line,
             fmt::format("unknown qubit {} in gate {}", describe(argument), describe(name)));
      }
      call.qubits.push_back(found->second);
      if (!at_symbol(",")) {
        break;
      }
      advance();
    }
    expect_semicolon();
    check_arity(word, callee, call.parameters.size(), call.qubits.size());
    std::vector<std::size_t> sorted = call.qubits;
    std::sort(sorted.begin(), sorted.end());
    if (const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
        twice != sorted.end()) {
      fail(word.line,
           fmt::format("gate '{}' gets '{}' twice", word.text, shortened(qubit_names[*twice])));
    }
    definition.expanded_gates =
        std::min(definition.expanded_gates + callee.expanded_gates, max_gates + 1);
    definition.nesting = std::max(definition.nesting, callee.nesting + 1);
    definition.body.push_back(std::move(call));
  }

  const gate_definition& known_gate(const token& name) const {
    const gate_definition* found = m_gates.find(name.text);
    if (found == nullptr) {
      fail(name.line, fmt::format("unknown gate {}", describe(name)));
    }
    return *found;
  }

  void check_arity(const token& name, const gate_definition& g, std::size_t parameters,
                   std::size_t qubits) const {
    if (parameters != g.parameters) {
      fail(name.line, fmt::format("gate '{}' takes {} parameter{}, got {}", name.text, g.parameters,
                                  g.parameters == 1 ? "" : "s", parameters));
    }
    if (qubits != g.qubits) {
      fail(name.line, fmt::format("gate '{}' takes {} qubit{}, got {}", name.text, g.qubits,
                                  g.qubits == 1 ? "" : "s", qubits));
    }
  }

  // A gate applied to qubits, or to whole registers: then once for each index, with the single
  // qubits among the arguments the same each time, as OpenQASM 2.0 specifies.
  void gate_statement(const token& name) {
    const gate_definition& g = known_gate(name);
    std::vector<double> parameters;
    for (const expression& e : parameter_list()) {
      parameters.push_back(evaluate(e, {}, m_stack));
      if (!std::isfinite(parameters.back())) {
        fail(name.line, fmt::format("gate '{}' has a parameter that is not finite", name.text));
      }
    }
    std::vector<reference> arguments{register_reference(true)};
    while (at_symbol(",")) {
      advance();
      arguments.push_back(register_reference(true));
    }
    expect_semicolon();
    check_arity(name, g, parameters.size(), arguments.size());
    int repeats = 1;
    const reference* whole = nullptr;
    for (const reference& r : arguments) {
      if (r.index >= 0) {
        continue;
      }
      if (whole != nullptr && r.reg->size != whole->reg->size) {
        fail(name.line, fmt::format("gate '{}' is applied to registers of different sizes ({} "
                                    "and {})",
                                    name.text, whole->reg->size, r.reg->size));
      }
      whole = &r;
      repeats = r.reg->size;
    }
    std::vector<int> qubits(arguments.size());
    for (int j = 0; j < repeats; ++j) {
      for (std::size_t k = 0; k < arguments.size(); ++k) {
        qubits[k] = arguments[k].reg->offset + (arguments[k].index >= 0 ? arguments[k].index : j);
      }
      check_distinct(name, qubits);
      for (const int q : qubits) {
        if (m_measured[static_cast<std::size_t>(q)] != 0) {
          fail(name.line, fmt::format("gate '{}' acts on {} after its measurement; only final "
                                      "measurements are supported",
                                      name.text, qubit_name(q)));
        }
      }
      if (m_program.circuit.gates.size() + g.expanded_gates > max_gates) {
        fail(name.line, fmt::format("the circuit has more than {} gates", max_gates));
      }
      expand(name, g, parameters, qubits);
    }
  }

  void check_distinct(const token& name, std::span<const int> qubits) {
    std::size_t marked = 0;
    while (marked < qubits.size() && m_in_use[static_cast<std::size_t>(qubits[marked])] == 0) {
      m_in_use[static_cast<std::size_t>(qubits[marked])] = 1;
      ++marked;
    }
    for (std::size_t k = 0; k < marked; ++k) {
      m_in_use[static_cast<std::size_t>(qubits[k])] = 0;
    }
    if (marked < qubits.size()) {
      fail(name.line,
           fmt::format("gate '{}' gets {} twice", name.text, qubit_name(qubits[marked])));
    }
  }

  // Appends the U3s and CXs of `g` on `qubits`; errors name the statement's gate `call`.
  void expand(const token& call, const gate_definition& g, std::span<const double> parameters,
              std::span<const int> qubits) {
    if (g.type == gate_definition::kind::u3) {
      const auto [theta, phi, lambda] = g.angles(parameters);
      m_program.circuit.gates.push_back(gate::u3(qubits[0], theta, phi, lambda));
      return;
    }
    if (g.type == gate_definition::kind::cx) {
      m_program.circuit.gates.push_back(gate::cx(qubits[0], qubits[1]));
      return;
    }
    std::vector<double> values;
    std::vector<int> targets;
    for (const gate_call& c : g.body) {
      values.clear();
      for (const expression& e : c.parameters) {
        values.push_back(evaluate(e, parameters, m_stack));
        if (!std::isfinite(values.back())) {
          fail(call.line, fmt::format("gate '{}' gives gate '{}' a parameter that is not finite",
                                      call.text, c.callee->name));
        }
      }
      targets.clear();
      for (const std::size_t k : c.qubits) {
        targets.push_back(qubits[k]);
      }
      expand(call, *c.callee, values, targets);
    }
  }

  // `measure q[i] -> c[j];` or `measure q -> c;`, after the keyword.
  void measure(const token& keyword) {
    const reference from = register_reference(true);
    expect("->");
    const reference to = register_reference(false);
    expect_semicolon();
    if ((from.index < 0) != (to.index < 0)) {
      fail(keyword.line, "measure takes a qubit and a bit, or a qreg and a creg");
    }
    if (from.index < 0 && from.reg->size != to.reg->size) {
      fail(keyword.line, fmt::format("measure of a qreg of {} qubits into a creg of {} bits",
                                     from.reg->size, to.reg->size));
    }
    const int count = from.index < 0 ? from.reg->size : 1;
    for (int j = 0; j < count; ++j) {
      const int qubit = from.reg->offset + (from.index < 0 ? j : from.index);
      m_measured[static_cast<std::size_t>(qubit)] = 1;
      m_program.measures.push_back({qubit, std::string(to.reg->name), to.index < 0 ? j : to.index});
    }
  }

  // `name` or `name[index]`, a qreg's when `quantum`, otherwise a creg's.
  reference register_reference(bool quantum) {
    const token name = m_token;
    if (name.type != token::kind::identifier) {
      fail(name.line, fmt::format("expected a {} like {} but found {}", quantum ? "qubit" : "bit",
                                  quantum ? "q[0]" : "c[0]", describe(name)));
    }
    const auto found = m_registers.find(name.text);
    if (found == m_registers.end()) {
      fail(name.line, fmt::format("unknown register {}", describe(name)));
    }
    const register_info& reg = found->second;
    if (reg.quantum != quantum) {
      fail(name.line, fmt::format("{} is a {}, not a {}", describe(name), quantum ? "creg" : "qreg",
                                  quantum ? "qreg" : "creg"));
    }
    advance();
    if (!at_symbol("[")) {
      return {&reg, -1};
    }
    advance();
    const token index_token = m_token;
    const int index = integer(quantum ? "a qubit index" : "a bit index");
    if (index >= reg.size) {
      fail(index_token.line, fmt::format("{} {} is out of range ({} {} has {})",
                                         quantum ? "qubit" : "bit", shortened(index_token.text),
                                         quantum ? "qreg" : "creg", describe(name), reg.size));
    }
    expect("]");
    return {&reg, index};
  }

  // How a flat qubit appears in a message: as its register's name and index.
  std::string qubit_name(int qubit) const {
    for (const auto& [name, reg] : m_registers) {
      if (reg.quantum && qubit >= reg.offset && qubit < reg.offset + reg.size) {
        return fmt::format("{}[{}]", shortened(name), qubit - reg.offset);
      }
    }
    return fmt::format("qubit {}", qubit);
  }

  std::vector<expression> parameter_list() {
    std::vector<expression> list;
    if (!at_symbol("(")) {
      return list;
    }
    advance();
    if (at_symbol(")")) {
      advance();
      return list;
    }
    while (true) {
      parse_expression(list.emplace_back(), 0);
      if (!at_symbol(",")) {
        break;
      }
      advance();
    }
    expect(")");
    return list;
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
  // primary := number | 'pi' | parameter | function '(' expression ')' | '(' expression ')'
  // Every recursion passes through `unary`, which bounds the depth. Steps are appended to `out`
  // in postfix order.
  void parse_expression(expression& out, int depth) {
    term(out, depth);
    while (at_symbol("+") || at_symbol("-")) {
      const step::op op = m_token.text == "+" ? step::op::add : step::op::subtract;
      advance();
      term(out, depth);
      out.push_back({op});
    }
  }

  void term(expression& out, int depth) {
    unary(out, depth);
    while (at_symbol("*") || at_symbol("/")) {
      const step::op op = m_token.text == "*" ? step::op::multiply : step::op::divide;
      advance();
      unary(out, depth);
      out.push_back({op});
    }
  }

  void unary(expression& out, int depth) {
    if (depth > max_expression_depth) {
      fail(m_token.line, "expression nested too deeply");
    }
    if (at_symbol("-")) {
      advance();
      unary(out, depth + 1);
      out.push_back({step::op::negate});
      return;
    }
    if (at_symbol("+")) {
      advance();
      unary(out, depth + 1);
      return;
    }
    primary(out, depth);
    if (!at_symbol("^")) {
      return;
    }
    advance();
    unary(out, depth + 1);
    out.push_back({step::op::power});
  }

  void primary(expression& out, int depth) {
    const token t = m_token;
    if (t.type == token::kind::number) {
      advance();
      double value = 0;
      if (std::from_chars(t.text.data(), t.text.data() + t.text.size(), value).ec != std::errc{}) {
        fail(t.line, fmt::format("number {} is out of range", describe(t)));
      }
      out.push_back({step::op::number, value});
      return;
    }
    if (t.type == token::kind::identifier) {
      advance();
      if (t.text == "pi") {
        out.push_back({step::op::number, pi});
        return;
      }
      if (const auto found = m_formals.find(t.text); found != m_formals.end()) {
        out.push_back({step::op::parameter, 0, found->second});
        return;
      }
      constexpr std::pair<std::string_view, step::op> functions[] = {
          {"sin", step::op::sin}, {"cos", step::op::cos}, {"tan", step::op::tan},
          {"exp", step::op::exp}, {"ln", step::op::ln},   {"sqrt", step::op::sqrt}};
      const auto function = std::find_if(std::begin(functions), std::end(functions),
                                         [&](const auto& f) { return f.first == t.text; });
      if (function == std::end(functions)) {
        fail(t.line, fmt::format("unknown name {} in a parameter", describe(t)));
      }
      expect("(");
      parse_expression(out, depth + 1);
      expect(")");
      out.push_back({function->second});
      return;
    }
    if (at_symbol("(")) {
      advance();
      parse_expression(out, depth + 1);
      expect(")");
      return;
    }
    fail(t.line,
         fmt::format("expected a number, 'pi' or '(' in a parameter but found {}", describe(t)));
  }

  lexer m_lexer;
  token m_token;
  int m_previous_line = 1;
  gate_table& m_gates;
  // The parameters of the gate being defined, which its body's expressions may name, and
  // their indices.
  std::unordered_map<std::string_view, std::size_t> m_formals;
  std::unordered_map<std::string_view, register_info> m_registers;
  std::vector<char> m_measured; // per qubit: measured, so no gate may follow
  std::vector<char> m_in_use;   // per qubit: scratch for check_distinct
  std::vector<double> m_stack;  // scratch for evaluate
  qasm_program m_program;
};

// The single-qubit gates, CX and the multi-qubit definitions of qelib1.inc; built once.
class builtin_gates : public gate_table {
public:
  builtin_gates() : gate_table(nullptr) {
    for (const gate_spec& spec : gate_specs) {
      add({gate_definition::kind::u3, spec.name, spec.parameters, 1, spec.angles, {}});
    }
    for (const std::string_view name : {"cx", "CX"}) {
      add({gate_definition::kind::cx, name, 0, 2, nullptr, {}});
    }
    parser(qelib1_definitions, *this).parse_definitions();
  }
};

} // namespace

qasm_program parse_qasm_program(std::string_view text) {
  static const builtin_gates builtins;
  gate_table gates(&builtins);
  return parser(text, gates).parse_program();
}

circuit_gates parse_qasm(std::string_view text) {
  return parse_qasm_program(text).circuit;
}

qasm_program read_qasm_file(const std::string& path) {
  const bool standard_input = path == "-";
  std::ifstream file;
  if (!standard_input) {
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored)) {
      throw input_error(fmt::format("{}: is a directory", path));
    }
    file.open(path, std::ios::binary);
    if (!file) {
      throw input_error(
          fmt::format("{}: cannot open: {}", path, std::generic_category().message(errno)));
    }
  }
  std::istream& in = standard_input ? std::cin : file;
  std::string text;
  read_bounded(in, text, path, max_qasm_bytes, "more than any circuit qsearch can take",
               "not an OpenQASM 2.0 program");
  try {
    return parse_qasm_program(text);
  } catch (const input_error& error) {
    throw input_error(fmt::format("{}: {}", path, error.what()));
  }
}

} // namespace qs
