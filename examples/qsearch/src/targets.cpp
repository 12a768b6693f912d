#include <charconv>
#include <cstdlib>
#include <numbers>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include <qsearch/random.hpp>
#include <qsearch/targets.hpp>
#include <qsearch/unitary_io.hpp>

namespace qs {
namespace {

constexpr double pi = std::numbers::pi;

struct tfim_file {
  const char* name;
  int time;
  int qubits;
};
constexpr tfim_file tfim_files[] = {{"tfim_3_3", 3, 3},
                                    {"tfim_6_3", 6, 3},
                                    {"tfim_42_3", 42, 3},
                                    {"tfim_60_3", 60, 3},
                                    {"tfim_30_4", 30, 4}};

matrix qft(int qubits) {
  const int n = 1 << qubits;
  matrix q(n, n);
  for (int x = 0; x < n; ++x) {
    for (int y = 0; y < n; ++y) {
      q(x, y) = std::polar(1 / std::sqrt(static_cast<double>(n)), 2 * pi * ((x * y) % n) / n);
    }
  }
  return q;
}

// The permutation matrix of a reversible function on basis indices.
template <class F> matrix permutation(int qubits, F f) {
  const int n = 1 << qubits;
  matrix p = matrix::Zero(n, n);
  for (int x = 0; x < n; ++x) {
    p(f(x), x) = 1;
  }
  return p;
}

// Bit of qubit q in a big-endian index of `qubits` qubits.
int bit(int x, int q, int qubits) {
  return (x >> (qubits - 1 - q)) & 1;
}
int with_bit(int x, int q, int qubits, int value) {
  const int mask = 1 << (qubits - 1 - q);
  return value ? x | mask : x & ~mask;
}

matrix toffoli() {
  return permutation(3, [](int x) { return bit(x, 0, 3) && bit(x, 1, 3) ? x ^ 1 : x; });
}

matrix fredkin() {
  return permutation(3, [](int x) {
    if (!bit(x, 0, 3)) {
      return x;
    }
    return with_bit(with_bit(x, 1, 3, bit(x, 2, 3)), 2, 3, bit(x, 1, 3));
  });
}

matrix peres() {
  return permutation(3, [](int x) {
    const int a = bit(x, 0, 3);
    const int b = bit(x, 1, 3) ^ a; // CX(q0→q1) first
    const int c = bit(x, 2, 3) ^ (a & b);
    return (a << 2) | (b << 1) | c;
  });
}

matrix or_gate() {
  return permutation(3, [](int x) { return bit(x, 0, 3) || bit(x, 1, 3) ? x ^ 1 : x; });
}

matrix hhl() {
  matrix u = matrix::Zero(8, 8);
  u(0, 3) = complex(0, -1);
  u(1, 2) = -1;
  u(2, 1) = 1;
  u(3, 0) = -1;
  u(4, 4) = 1;
  u(5, 5) = 1;
  u(6, 6) = -1;
  u(7, 7) = complex(0, 1);
  return u;
}

// exp(−iπ/6·X⊗X⊗X) = cos(π/6)·I − i·sin(π/6)·X⊗X⊗X; X⊗X⊗X maps |x⟩ to |7−x⟩.
matrix miro() {
  matrix u = std::cos(pi / 6) * matrix::Identity(8, 8);
  for (int x = 0; x < 8; ++x) {
    u(7 - x, x) += complex(0, -std::sin(pi / 6));
  }
  return u;
}

// |a, b, c, d⟩ → |a, b, a⊕b⊕c, d⊕maj(a, b, c)⟩: sum on q2, carry on q3.
matrix full_adder() {
  return permutation(4, [](int x) {
    const int a = bit(x, 0, 4), b = bit(x, 1, 4), c = bit(x, 2, 4), d = bit(x, 3, 4);
    const int majority = (a & b) | (a & c) | (b & c);
    return (a << 3) | (b << 2) | ((a ^ b ^ c) << 1) | (d ^ majority);
  });
}

struct builtin {
  const char* name;
  int qubits;
  const char* description;
  matrix (*make)();
};
const builtin builtins[] = {
    {"qft2", 2, "quantum Fourier transform", [] { return qft(2); }},
    {"qft3", 3, "quantum Fourier transform", [] { return qft(3); }},
    {"qft4", 4, "quantum Fourier transform", [] { return qft(4); }},
    {"qft5", 5, "quantum Fourier transform", [] { return qft(5); }},
    {"toffoli", 3, "CCX, controls q0 q1, target q2", toffoli},
    {"fredkin", 3, "CSWAP, control q0, swaps q1 q2", fredkin},
    {"peres", 3, "CX(q0->q1) then CCX(q0,q1->q2)", peres},
    {"or", 3, "q2 ^= q0 OR q1", or_gate},
    {"hhl", 3, "the signed permutation of Qsearch's HHL benchmark", hhl},
    {"miro", 3, "exp(-i pi/6 X(x)X(x)X)", miro},
    {"full_adder", 4, "q2 = a^b^c (sum), q3 ^= maj(a,b,c) (carry)", full_adder},
};

std::filesystem::path data_directory() {
  // getenv races only with a concurrent setenv, and neither qsearch nor yieldtasks changes the
  // environment; the CLI reads the targets before its threads start anyway.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* dir = std::getenv("QSEARCH_DATA_DIR"); dir && *dir) {
    return dir;
  }
  return QSEARCH_DATA_DIR;
}

// A decimal field of a planted name: digits only, no sign, within the type's range.
template <class Integer> std::optional<Integer> parse_field(std::string_view text) {
  Integer value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      text.front() == '-') {
    return std::nullopt;
  }
  return value;
}

// `planted_Q_K_S`, already known to start with "planted_".
matrix planted_target(std::string_view name) {
  const auto fail = [name](std::string_view problem) {
    return input_error(fmt::format("target '{}': {} (planted_Q_K_S: Q qubits from 2 to {}, K "
                                   "CNOTs from 0 to {}, S a seed from 0 to 2^64-1, all decimal)",
                                   name, problem, max_planted_qubits, max_planted_cnots));
  };
  std::string_view rest = name.substr(std::string_view("planted_").size());
  std::vector<std::string_view> fields;
  for (std::size_t underscore; (underscore = rest.find('_')) != std::string_view::npos;) {
    fields.push_back(rest.substr(0, underscore));
    rest.remove_prefix(underscore + 1);
  }
  fields.push_back(rest);
  if (fields.size() != 3) {
    throw fail(fmt::format("expected 3 '_'-separated numbers, not {}", fields.size()));
  }
  const std::optional<int> qubits = parse_field<int>(fields[0]);
  if (!qubits || *qubits < 2 || *qubits > max_planted_qubits) {
    throw fail(
        fmt::format("'{}' is not a qubit count from 2 to {}", fields[0], max_planted_qubits));
  }
  const std::optional<int> cnots = parse_field<int>(fields[1]);
  if (!cnots || *cnots > max_planted_cnots) {
    throw fail(fmt::format("'{}' is not a CNOT count from 0 to {}", fields[1], max_planted_cnots));
  }
  const std::optional<std::uint64_t> seed = parse_field<std::uint64_t>(fields[2]);
  if (!seed) {
    throw fail(fmt::format("'{}' is not a seed from 0 to 2^64-1", fields[2]));
  }
  return circuit_unitary(planted_circuit(*qubits, *cnots, *seed));
}

} // namespace

circuit_gates planted_circuit(int qubits, int cnots, std::uint64_t seed) {
  if (qubits < 2 || cnots < 0) {
    throw std::invalid_argument(fmt::format(
        "planted_circuit: needs at least 2 qubits and 0 CNOTs, not {} and {}", qubits, cnots));
  }
  splitmix64 random(
      mix_keys({seed, static_cast<std::uint64_t>(qubits), static_cast<std::uint64_t>(cnots)}));
  const auto u3 = [&random](int qubit) {
    const std::vector<double> angles = random_angles(3, random);
    return gate::u3(qubit, angles[0], angles[1], angles[2]);
  };
  const std::vector<coupling_edge> edges = linear_topology(qubits);
  circuit_gates circuit{qubits, {}};
  for (int q = 0; q < qubits; ++q) {
    circuit.gates.push_back(u3(q));
  }
  for (int layer = 0; layer < cnots; ++layer) {
    // The modulo's bias, under edges / 2^64, is negligible.
    const coupling_edge edge = edges[random.next() % edges.size()];
    circuit.gates.push_back(gate::cx(edge.control, edge.target));
    circuit.gates.push_back(u3(edge.control));
    circuit.gates.push_back(u3(edge.target));
  }
  return circuit;
}

std::vector<target_info> list_targets() {
  std::vector<target_info> targets;
  for (const builtin& b : builtins) {
    targets.push_back({b.name, b.qubits, b.description});
  }
  for (const tfim_file& t : tfim_files) {
    targets.push_back(
        {t.name, t.qubits,
         fmt::format("transverse-field Ising evolution, time step {} (data)", t.time)});
  }
  return targets;
}

std::vector<std::string> benchmark_targets() {
  return {"qft2", "qft3", "fredkin", "toffoli", "peres", "or", "miro", "hhl"};
}

matrix make_target(std::string_view name) {
  for (const builtin& b : builtins) {
    if (name == b.name) {
      return b.make();
    }
  }
  for (const tfim_file& t : tfim_files) {
    if (name == t.name) {
      return read_unitary(data_directory() /
                          fmt::format("circuit_eph_1.0_time_{}_{}.unitary", t.time, t.qubits));
    }
  }
  if (name.starts_with("planted_")) {
    return planted_target(name);
  }
  std::string known;
  for (const target_info& t : list_targets()) {
    known += (known.empty() ? "" : ", ") + t.name;
  }
  known += ", planted_Q_K_S";
  throw input_error(fmt::format("unknown target '{}' (known: {})", name, known));
}

} // namespace qs
