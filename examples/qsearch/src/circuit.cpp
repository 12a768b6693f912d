#include <algorithm>
#include <charconv>
#include <numbers>
#include <optional>
#include <ranges>
#include <utility>

#include <fmt/format.h>

#include <yieldtasks/taskmap.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/gates.hpp>
#include <qsearch/printable.hpp>

namespace qs {

namespace {

constexpr double pi = std::numbers::pi;

// Into (−π, π]. std::remainder is exact, so the angle moves only by a multiple of the rounded
// 2π: a phase change of a few 1e-16.
double wrap_angle(double x) {
  const double r = std::remainder(x, 2 * pi);
  return r <= -pi ? r + 2 * pi : r;
}

} // namespace

std::string_view gate_name(two_qubit_gate g) {
  switch (g) {
  case two_qubit_gate::cx:
    return "cx";
  case two_qubit_gate::cz:
    return "cz";
  case two_qubit_gate::iswap:
    return "iswap";
  case two_qubit_gate::sqrt_iswap:
    return "sqrt_iswap";
  }
  throw std::invalid_argument("gate_name: not a two_qubit_gate");
}

two_qubit_gate parse_two_qubit_gate(std::string_view text) {
  for (const two_qubit_gate g : all_two_qubit_gates) {
    if (text == gate_name(g)) {
      return g;
    }
  }
  throw input_error(fmt::format("'{}' is not a two-qubit gate qsearch knows (cx, cz, iswap, "
                                "sqrt_iswap)",
                                printable(text)));
}

symmetric_form symmetric_form_of(two_qubit_gate g) {
  const complex i(0, 1);
  symmetric_form form{matrix2::Identity(), 1.0};
  switch (g) {
  case two_qubit_gate::cx:
    throw std::invalid_argument("symmetric_form_of: a CX is not symmetric in its qubits");
  case two_qubit_gate::cz:
    form.phase = -1.0;
    break;
  case two_qubit_gate::iswap:
    form.exchange << 0, i, i, 0;
    break;
  case two_qubit_gate::sqrt_iswap:
    form.exchange << 1, i, i, 1;
    form.exchange /= std::sqrt(2.0);
    break;
  }
  return form;
}

gate gate::two_qubit(two_qubit_gate g, int first, int second) {
  kind type = kind::cx;
  switch (g) {
  case two_qubit_gate::cx:
    break;
  case two_qubit_gate::cz:
    type = kind::cz;
    break;
  case two_qubit_gate::iswap:
    type = kind::iswap;
    break;
  case two_qubit_gate::sqrt_iswap:
    type = kind::sqrt_iswap;
    break;
  }
  return {type, first, second, 0, 0, 0};
}

two_qubit_gate gate::two_qubit_type() const {
  switch (type) {
  case kind::u3:
    break;
  case kind::cx:
    return two_qubit_gate::cx;
  case kind::cz:
    return two_qubit_gate::cz;
  case kind::iswap:
    return two_qubit_gate::iswap;
  case kind::sqrt_iswap:
    return two_qubit_gate::sqrt_iswap;
  }
  throw std::invalid_argument("gate::two_qubit_type: a U3 is not a two-qubit gate");
}

std::array<double, 3> u3_angles(const matrix2& u) {
  // u = e^{iα}·[[c, −e^{iλ}s], [e^{iφ}s, e^{i(φ+λ)}c]] with c = cos(θ/2) ≥ 0, s = sin(θ/2) ≥ 0.
  // Each phase comes from one entry: halving a sum of phases would be off by π, as phases are
  // known only modulo 2π. The phases of the two larger entries are taken as they are and the
  // smaller entries only fix what remains; a small entry's phase is then only as good as its
  // absolute error over its size, but it is multiplied by that size again when the gate is
  // rebuilt, so the result is accurate to the rounding in u even when s or c is 1e-17 of noise.
  // An entry that is exactly zero has no phase: its angle is free and set to 0.
  const double c = std::abs(u(0, 0));
  const double s = std::abs(u(1, 0));
  const double theta = 2 * std::atan2(s, c);
  if (s <= c) {
    const double alpha = std::arg(u(0, 0));
    const double phi = s == 0 ? 0.0 : wrap_angle(std::arg(u(1, 0)) - alpha);
    return {theta, phi, wrap_angle(std::arg(u(1, 1)) - alpha - phi)};
  }
  const double alpha = c == 0 ? std::arg(u(1, 0)) : std::arg(u(0, 0));
  return {theta, wrap_angle(std::arg(u(1, 0)) - alpha), wrap_angle(std::arg(-u(0, 1)) - alpha)};
}

namespace {

// Applies gates, or their adjoints, to state vectors of 2^qubits amplitudes: a U3 mixes the
// pairs of entries whose indices differ only in its bit, a CX swaps the pairs that have the
// control bit set and differ only in the target bit, and a symmetric gate mixes the pairs with
// one of its bits set and scales the entries with both set.
class state_simulator {
public:
  state_simulator(int qubits, bool big_endian) : m_qubits(qubits), m_big_endian(big_endian) {}

  void apply(const gate& g, complex* state, bool adjoint = false) const {
    const Eigen::Index n = Eigen::Index{1} << m_qubits;
    if (g.type == gate::kind::cx) {
      const Eigen::Index control = bit_of(g.qubit);
      const Eigen::Index target = bit_of(g.target);
      for (Eigen::Index i = 0; i < n; ++i) {
        if ((i & control) != 0 && (i & target) == 0) {
          std::swap(state[i], state[i | target]);
        }
      }
      return;
    }
    if (g.is_two_qubit()) {
      symmetric_form form = symmetric_form_of(g.two_qubit_type());
      if (adjoint) {
        form = {form.exchange.adjoint(), std::conj(form.phase)};
      }
      const Eigen::Index first = bit_of(g.qubit);
      const Eigen::Index second = bit_of(g.target);
      for (Eigen::Index i = 0; i < n; ++i) {
        if ((i & first) != 0 && (i & second) != 0) {
          state[i] *= form.phase;
        } else if ((i & first) == 0 && (i & second) != 0) {
          const complex low = state[i];                   // |01>
          const complex high = state[i ^ first ^ second]; // |10>
          state[i] = form.exchange(0, 0) * low + form.exchange(0, 1) * high;
          state[i ^ first ^ second] = form.exchange(1, 0) * low + form.exchange(1, 1) * high;
        }
      }
      return;
    }
    const matrix2 u = adjoint ? matrix2(u3_matrix(g.theta, g.phi, g.lambda).adjoint())
                              : u3_matrix(g.theta, g.phi, g.lambda);
    const Eigen::Index bit = bit_of(g.qubit);
    for (Eigen::Index block = 0; block < n; block += 2 * bit) {
      for (Eigen::Index i = block; i < block + bit; ++i) {
        const complex low = state[i];
        const complex high = state[i + bit];
        state[i] = u(0, 0) * low + u(0, 1) * high;
        state[i + bit] = u(1, 0) * low + u(1, 1) * high;
      }
    }
  }

private:
  [[nodiscard]] Eigen::Index bit_of(int q) const {
    return Eigen::Index{1} << (m_big_endian ? m_qubits - 1 - q : q);
  }

  int m_qubits;
  bool m_big_endian;
};

// Column j of the result is the circuit applied to basis state j.
matrix unitary_with_bits(const circuit_gates& circuit, bool big_endian) {
  if (circuit.qubits < 0 || circuit.qubits > 30) {
    throw std::invalid_argument(
        fmt::format("circuit_unitary: {} qubits is not in [0, 30]", circuit.qubits));
  }
  check_circuit(circuit, "circuit_unitary");
  const Eigen::Index n = Eigen::Index{1} << circuit.qubits;
  const state_simulator simulator(circuit.qubits, big_endian);
  matrix v = matrix::Identity(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    for (const gate& g : circuit.gates) {
      simulator.apply(g, v.col(j).data());
    }
  }
  return v;
}

} // namespace

int two_qubit_count(const circuit_gates& circuit) {
  return static_cast<int>(std::ranges::count_if(circuit.gates, &gate::is_two_qubit));
}

std::optional<circuit_gates> rewrite_two_qubit_gates(const circuit_gates& circuit,
                                                     two_qubit_gate g) {
  const bool cx_or_cz = g == two_qubit_gate::cx || g == two_qubit_gate::cz;
  const gate hadamard = gate::u3(0, pi / 2, 0, pi);
  circuit_gates out{circuit.qubits, {}};
  out.gates.reserve(circuit.gates.size());
  for (const gate& original : circuit.gates) {
    if (!original.is_two_qubit() || original.two_qubit_type() == g) {
      out.gates.push_back(original);
      continue;
    }
    const bool swapped_pair = original.type == gate::kind::cx || original.type == gate::kind::cz;
    if (!cx_or_cz || !swapped_pair) {
      return std::nullopt;
    }
    // CX = H_t·CZ·H_t and CZ = H_t·CX·H_t, as H·Z·H = X.
    gate h = hadamard;
    h.qubit = h.target = original.target;
    out.gates.push_back(h);
    out.gates.push_back(gate::two_qubit(g, original.qubit, original.target));
    out.gates.push_back(h);
  }
  return out;
}

void check_circuit(const circuit_gates& circuit, std::string_view caller) {
  if (circuit.qubits < 0) {
    throw std::invalid_argument(fmt::format("{}: {} qubits", caller, circuit.qubits));
  }
  const auto valid = [&](int q) { return q >= 0 && q < circuit.qubits; };
  for (const gate& g : circuit.gates) {
    if (!valid(g.qubit) || (g.is_two_qubit() && (!valid(g.target) || g.target == g.qubit))) {
      throw std::invalid_argument(
          fmt::format("{}: a gate on qubits {} and {} in a {}-qubit circuit", caller, g.qubit,
                      g.target, circuit.qubits));
    }
  }
}

matrix circuit_unitary(const circuit_gates& circuit) {
  return unitary_with_bits(circuit, true);
}

matrix circuit_unitary_little_endian(const circuit_gates& circuit) {
  return unitary_with_bits(circuit, false);
}

yt::task<double> circuit_distance(circuit_gates a, circuit_gates b) {
  if (a.qubits != b.qubits || a.qubits < 1 || a.qubits > max_distance_qubits) {
    throw std::invalid_argument(
        fmt::format("circuit_distance: circuits of {} and {} qubits (need equal, 1 to {})",
                    a.qubits, b.qubits, max_distance_qubits));
  }
  check_circuit(a, "circuit_distance");
  check_circuit(b, "circuit_distance");
  // Tr(U_a^dagger U_b) = sum_j <j| U_a^dagger U_b |j>: each basis state runs through b, then
  // through a's gates inverted in reverse order, and gives one diagonal entry. Columns go in
  // chunks, one map item each; the partial sums add up in input order, so the result does not
  // depend on the executor.
  const Eigen::Index n = Eigen::Index{1} << a.qubits;
  const Eigen::Index chunk = std::max<Eigen::Index>(1, n / 64);
  const auto chunk_trace = [&a, &b, n, chunk](Eigen::Index first) {
    const state_simulator simulator(a.qubits, true);
    std::vector<complex> state(static_cast<std::size_t>(n));
    complex sum = 0;
    for (Eigen::Index j = first; j < std::min(n, first + chunk); ++j) {
      std::fill(state.begin(), state.end(), complex(0));
      state[static_cast<std::size_t>(j)] = 1;
      for (const gate& g : b.gates) {
        simulator.apply(g, state.data());
      }
      for (const gate& g : std::views::reverse(a.gates)) {
        simulator.apply(g, state.data(), true);
      }
      sum += state[static_cast<std::size_t>(j)];
    }
    return sum;
  };
  std::vector<Eigen::Index> firsts;
  for (Eigen::Index first = 0; first < n; first += chunk) {
    firsts.push_back(first);
  }
  const std::vector<complex> sums = co_await yt::taskmap(chunk_trace, firsts).named("trace chunks");
  complex trace = 0;
  for (const complex& sum : sums) {
    trace += sum;
  }
  // Rounding can put |Tr| a few ulps above N; a distance is never negative.
  co_return std::max(0.0, 1 - std::abs(trace) / static_cast<double>(n));
}

std::vector<coupling_edge> linear_topology(int qubits) {
  std::vector<coupling_edge> edges;
  for (int q = 0; q + 1 < qubits; ++q) {
    edges.push_back({q, q + 1});
  }
  return edges;
}

std::vector<coupling_edge> ring_topology(int qubits) {
  std::vector<coupling_edge> edges = linear_topology(qubits);
  if (qubits >= 3) {
    edges.push_back({qubits - 1, 0});
  }
  return edges;
}

std::vector<coupling_edge> all_to_all_topology(int qubits) {
  std::vector<coupling_edge> edges;
  for (int i = 0; i < qubits; ++i) {
    for (int j = i + 1; j < qubits; ++j) {
      edges.push_back({i, j});
    }
  }
  return edges;
}

namespace {

int parse_qubit(std::string_view text, std::string_view edge, int qubits) {
  int value = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    throw input_error(fmt::format("topology: edge '{}' is not of the form C-T", edge));
  }
  if (value < 0 || value >= qubits) {
    throw input_error(fmt::format(
        "topology: edge '{}' names qubit {}, but the target has {} qubits", edge, value, qubits));
  }
  return value;
}

} // namespace

std::vector<coupling_edge> parse_topology(std::string_view text, int qubits) {
  if (text == "linear") {
    return linear_topology(qubits);
  }
  if (text == "ring") {
    return ring_topology(qubits);
  }
  if (text == "all") {
    return all_to_all_topology(qubits);
  }
  std::vector<coupling_edge> edges;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view edge = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const std::size_t dash = edge.find('-');
    if (dash == std::string_view::npos) {
      throw input_error(fmt::format(
          "topology: '{}' is neither linear, ring, all nor an edge list like 0-1,1-2", edge));
    }
    const coupling_edge parsed{parse_qubit(edge.substr(0, dash), edge, qubits),
                               parse_qubit(edge.substr(dash + 1), edge, qubits)};
    if (parsed.control == parsed.target) {
      throw input_error(fmt::format("topology: edge '{}' joins a qubit to itself", edge));
    }
    for (const coupling_edge& seen : edges) {
      if (seen == parsed) {
        throw input_error(fmt::format("topology: edge '{}' is listed twice", edge));
      }
    }
    edges.push_back(parsed);
  }
  if (edges.empty() && qubits > 1) {
    throw input_error("topology: no edges given");
  }
  return edges;
}

int parameter_count(operation::kind type) {
  switch (type) {
  case operation::kind::u3:
    return 3;
  case operation::kind::entangler:
    return 0;
  default:
    return 2;
  }
}

namespace {

// The single-qubit operations after a layer's two-qubit gate, on its first and its second qubit
// (see layer_kind).
std::pair<operation::kind, operation::kind> layer_operations(layer_kind kind,
                                                             two_qubit_gate entangler) {
  using op = operation::kind;
  if (kind == layer_kind::five_param) {
    return {op::xzxz, op::u3};
  }
  switch (entangler) {
  case two_qubit_gate::cx:
    return {op::ry_rz, op::ry_rx};
  case two_qubit_gate::cz:
  case two_qubit_gate::iswap:
    return {op::ry_rz, op::ry_rz};
  case two_qubit_gate::sqrt_iswap:
    return {op::u3, op::ry_rz};
  }
  throw std::invalid_argument("layer_operations: not a two_qubit_gate");
}

} // namespace

int layer_parameter_count(layer_kind kind, two_qubit_gate entangler) {
  const auto [first, second] = layer_operations(kind, entangler);
  return parameter_count(first) + parameter_count(second);
}

int structure::parameter_count() const {
  return 3 * qubits + two_qubit_count() * layer_parameter_count(kind, entangler);
}

std::vector<operation> compile(const structure& s) {
  std::vector<operation> ops;
  ops.reserve(static_cast<std::size_t>(s.qubits) +
              3 * static_cast<std::size_t>(s.two_qubit_count()));
  for (int q = 0; q < s.qubits; ++q) {
    ops.push_back({operation::kind::u3, q, q, 3 * q});
  }
  int next = 3 * s.qubits;
  const auto [first, second] = layer_operations(s.kind, s.entangler);
  for (const coupling_edge& edge : s.layers) {
    ops.push_back({operation::kind::entangler, edge.control, edge.target, next});
    ops.push_back({first, edge.control, edge.control, next});
    ops.push_back({second, edge.target, edge.target, next + parameter_count(first)});
    next += parameter_count(first) + parameter_count(second);
  }
  return ops;
}

namespace {

// second(p[1])·Ry(p[0]): Ry first, then the rotation `second`, with both derivatives
// (d/dt R(t) = R(t + pi) / 2 for every Pauli rotation R).
matrix2 ry_then(matrix2 (*second)(double), const double* p, matrix2* derivatives) {
  const matrix2 ry = ry_matrix(p[0]);
  const matrix2 after = second(p[1]);
  if (derivatives) {
    derivatives[0] = after * ry_matrix(p[0] + pi) / 2;
    derivatives[1] = second(p[1] + pi) * ry / 2;
  }
  return after * ry;
}

} // namespace

matrix2 single_qubit_matrix(operation::kind type, const double* p, matrix2* derivatives) {
  using kind = operation::kind;
  // d/dt R(t) = R(t + pi) / 2 for every Pauli rotation R.
  switch (type) {
  case kind::u3: {
    if (derivatives) {
      const double c = std::cos(p[0] / 2);
      const double s = std::sin(p[0] / 2);
      const complex eip = std::polar(1.0, p[1]);
      const complex eil = std::polar(1.0, p[2]);
      const complex i(0, 1);
      derivatives[0] << -s / 2, -eil * (c / 2), eip * (c / 2), -eip * eil * (s / 2);
      derivatives[1] << 0, 0, i * eip * s, i * eip * eil * c;
      derivatives[2] << 0, -i * eil * s, 0, i * eip * eil * c;
    }
    return u3_matrix(p[0], p[1], p[2]);
  }
  case kind::ry_rz:
    return ry_then(rz_matrix, p, derivatives);
  case kind::ry_rx:
    return ry_then(rx_matrix, p, derivatives);
  case kind::xzxz: {
    const matrix2 x90 = rx_matrix(pi / 2);
    const matrix2 tail = x90 * rz_matrix(p[1]) * x90;
    if (derivatives) {
      derivatives[0] = rz_matrix(p[0] + pi) * tail / 2;
      derivatives[1] = rz_matrix(p[0]) * x90 * rz_matrix(p[1] + pi) * x90 / 2;
    }
    return rz_matrix(p[0]) * tail;
  }
  case kind::entangler:
    break;
  }
  return matrix2::Identity();
}

circuit_gates to_gates(const structure& s, std::span<const double> parameters) {
  circuit_gates out{s.qubits, {}};
  std::vector<std::optional<matrix2>> pending(static_cast<std::size_t>(s.qubits));
  const auto flush = [&](int q) {
    auto& gate_matrix = pending[static_cast<std::size_t>(q)];
    if (!gate_matrix) {
      return;
    }
    const auto [theta, phi, lambda] = u3_angles(*gate_matrix);
    out.gates.push_back(gate::u3(q, theta, phi, lambda));
    gate_matrix.reset();
  };
  for (const operation& op : compile(s)) {
    if (op.type == operation::kind::entangler) {
      flush(op.qubit);
      flush(op.target);
      out.gates.push_back(gate::two_qubit(s.entangler, op.qubit, op.target));
      continue;
    }
    const matrix2 g = single_qubit_matrix(op.type, parameters.data() + op.parameter, nullptr);
    auto& gate_matrix = pending[static_cast<std::size_t>(op.qubit)];
    gate_matrix = gate_matrix ? matrix2(g * *gate_matrix) : g;
  }
  for (int q = 0; q < s.qubits; ++q) {
    flush(q);
  }
  return out;
}

} // namespace qs
