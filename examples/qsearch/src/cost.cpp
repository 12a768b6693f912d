#include <algorithm>
#include <cmath>

#include <qsearch/cost.hpp>

namespace qs {
namespace {

// Column-major N×N matrices as raw arrays: these loops are the whole cost of synthesis, and
// Eigen expressions cannot express "2×2 gate on bit s of the row index" without temporaries.

// a ← (I⊗g⊗I)·a, g acting on the row-index bit `s`.
void apply_left(complex* a, int n, int s, const matrix2& g) {
  const complex g00 = g(0, 0), g01 = g(0, 1), g10 = g(1, 0), g11 = g(1, 1);
  for (int c = 0; c < n; ++c) {
    complex* column = a + static_cast<std::ptrdiff_t>(c) * n;
    for (int block = 0; block < n; block += 2 * s) {
      for (int r = block; r < block + s; ++r) {
        const complex x = column[r];
        const complex y = column[r + s];
        column[r] = g00 * x + g01 * y;
        column[r + s] = g10 * x + g11 * y;
      }
    }
  }
}

// a ← a·(I⊗g⊗I), g acting on the column-index bit `s`.
void apply_right(complex* a, int n, int s, const matrix2& g) {
  const complex g00 = g(0, 0), g01 = g(0, 1), g10 = g(1, 0), g11 = g(1, 1);
  for (int block = 0; block < n; block += 2 * s) {
    for (int c = block; c < block + s; ++c) {
      complex* x = a + static_cast<std::ptrdiff_t>(c) * n;
      complex* y = x + static_cast<std::ptrdiff_t>(s) * n;
      for (int r = 0; r < n; ++r) {
        const complex xr = x[r];
        const complex yr = y[r];
        x[r] = xr * g00 + yr * g10;
        y[r] = xr * g01 + yr * g11;
      }
    }
  }
}

// a ← CX·a: rows with the control bit set swap across the target bit.
void apply_cx_left(complex* a, int n, int control, int target) {
  for (int c = 0; c < n; ++c) {
    complex* column = a + static_cast<std::ptrdiff_t>(c) * n;
    for (int r = 0; r < n; ++r) {
      if ((r & control) && !(r & target)) {
        std::swap(column[r], column[r | target]);
      }
    }
  }
}

// a ← a·CX: the same permutation of columns.
void apply_cx_right(complex* a, int n, int control, int target) {
  for (int c = 0; c < n; ++c) {
    if ((c & control) && !(c & target)) {
      std::swap_ranges(a + static_cast<std::ptrdiff_t>(c) * n,
                       a + static_cast<std::ptrdiff_t>(c + 1) * n,
                       a + static_cast<std::ptrdiff_t>(c | target) * n);
    }
  }
}

// Calls f(i) for every index i below n with the bits `first` and `second` clear, in order: the
// |00> index of each group of four that a two-qubit gate on those bits mixes.
template <class F> void for_each_clear_pair(int n, int first, int second, F f) {
  const int high = std::max(first, second);
  const int low = std::min(first, second);
  for (int outer = 0; outer < n; outer += 2 * high) {
    for (int inner = outer; inner < outer + high; inner += 2 * low) {
      for (int i = inner; i < inner + low; ++i) {
        f(i);
      }
    }
  }
}

// a ← G·a for a symmetric gate G on the row-index bits `first` and `second`: the rows with both
// bits set scale by the phase, the two with one set mix through the exchange matrix.
void apply_symmetric_left(complex* a, int n, int first, int second, const symmetric_form& g) {
  const complex e00 = g.exchange(0, 0), e01 = g.exchange(0, 1), e10 = g.exchange(1, 0),
                e11 = g.exchange(1, 1);
  const bool exchanges = g.exchange != matrix2::Identity();
  const bool phases = g.phase != 1.0;
  for (int c = 0; c < n; ++c) {
    complex* column = a + static_cast<std::ptrdiff_t>(c) * n;
    for_each_clear_pair(n, first, second, [&](int r) {
      if (phases) {
        column[r | first | second] *= g.phase;
      }
      if (exchanges) {
        const complex x = column[r | second]; // |01>
        const complex y = column[r | first];  // |10>
        column[r | second] = e00 * x + e01 * y;
        column[r | first] = e10 * x + e11 * y;
      }
    });
  }
}

// a ← a·G: the same on columns.
void apply_symmetric_right(complex* a, int n, int first, int second, const symmetric_form& g) {
  const complex e00 = g.exchange(0, 0), e01 = g.exchange(0, 1), e10 = g.exchange(1, 0),
                e11 = g.exchange(1, 1);
  const bool exchanges = g.exchange != matrix2::Identity();
  const bool phases = g.phase != 1.0;
  const auto column = [&](int c) { return a + static_cast<std::ptrdiff_t>(c) * n; };
  for_each_clear_pair(n, first, second, [&](int c) {
    if (phases) {
      complex* both = column(c | first | second);
      for (int r = 0; r < n; ++r) {
        both[r] *= g.phase;
      }
    }
    if (exchanges) {
      complex* x = column(c | second); // |01>
      complex* y = column(c | first);  // |10>
      for (int r = 0; r < n; ++r) {
        const complex xr = x[r];
        const complex yr = y[r];
        x[r] = xr * e00 + yr * e10;
        y[r] = xr * e01 + yr * e11;
      }
    }
  });
}

// Tr(e·(I⊗dg⊗I)) = Σ_ab dg(a,b)·R(b,a), R the partial trace of e over every bit but `s`.
matrix2 reduce(const complex* e, int n, int s) {
  complex r00, r01, r10, r11;
  for (int block = 0; block < n; block += 2 * s) {
    for (int i = block; i < block + s; ++i) {
      const complex* low = e + static_cast<std::ptrdiff_t>(i) * n;    // column i
      const complex* high = low + static_cast<std::ptrdiff_t>(s) * n; // column i + s
      r00 += low[i];
      r10 += low[i + s];
      r01 += high[i];
      r11 += high[i + s];
    }
  }
  matrix2 r;
  r << r00, r01, r10, r11;
  return r;
}

complex contract(const matrix2& dg, const matrix2& r) {
  return dg(0, 0) * r(0, 0) + dg(0, 1) * r(1, 0) + dg(1, 0) * r(0, 1) + dg(1, 1) * r(1, 1);
}

} // namespace

unitary_cost::unitary_cost(const structure& s, const matrix& target)
    : m_dimension(static_cast<int>(target.rows())), m_parameter_count(s.parameter_count()),
      m_ops(compile(s)), m_entangler(s.entangler), m_target_adjoint(target.adjoint()),
      m_work(m_dimension, m_dimension), m_gates(m_ops.size()), m_derivatives(3 * m_ops.size()) {
  if (is_symmetric(m_entangler)) {
    m_form = symmetric_form_of(m_entangler);
    m_form_adjoint = {m_form.exchange.adjoint(), std::conj(m_form.phase)};
  }
}

void unitary_cost::entangle_left(complex* a, const operation& op, bool adjoint) const {
  const int n = m_dimension;
  const int first = n >> (op.qubit + 1);
  const int second = n >> (op.target + 1);
  if (m_entangler == two_qubit_gate::cx) {
    apply_cx_left(a, n, first, second);
  } else {
    apply_symmetric_left(a, n, first, second, adjoint ? m_form_adjoint : m_form);
  }
}

void unitary_cost::entangle_right(complex* a, const operation& op) const {
  const int n = m_dimension;
  const int first = n >> (op.qubit + 1);
  const int second = n >> (op.target + 1);
  if (m_entangler == two_qubit_gate::cx) {
    apply_cx_right(a, n, first, second);
  } else {
    apply_symmetric_right(a, n, first, second, m_form);
  }
}

void unitary_cost::load_gates(std::span<const double> x, bool with_derivatives) {
  for (std::size_t k = 0; k < m_ops.size(); ++k) {
    const operation& op = m_ops[k];
    if (op.type != operation::kind::entangler) {
      m_gates[k] = single_qubit_matrix(op.type, x.data() + op.parameter,
                                       with_derivatives ? &m_derivatives[3 * k] : nullptr);
    }
  }
}

complex unitary_cost::forward() {
  m_work = m_target_adjoint;
  complex* w = m_work.data();
  const int n = m_dimension;
  for (std::size_t k = 0; k < m_ops.size(); ++k) {
    const operation& op = m_ops[k];
    if (op.type == operation::kind::entangler) {
      entangle_left(w, op, false);
    } else {
      apply_left(w, n, n >> (op.qubit + 1), m_gates[k]);
    }
  }
  return m_work.trace(); // Tr(V·U†) = Tr(U†·V)
}

double unitary_cost::gradient(std::span<double> gradient) {
  const complex trace = forward();
  const double magnitude = std::abs(trace);
  // ∂|T| = Re(conj(T)·∂T)/|T|; at T = 0 every direction is a subgradient, take 0.
  const complex scale = magnitude > 0 ? std::conj(trace) / (magnitude * -m_dimension) : 0.0;

  complex* e = m_work.data();
  const int n = m_dimension;
  // E_m = G_m†·(G_m⋯G_1·U†); then E_{k−1} = G_{k−1}†·E_k·G_k.
  for (std::size_t k = m_ops.size(); k-- > 0;) {
    const operation& op = m_ops[k];
    if (op.type == operation::kind::entangler) {
      entangle_left(e, op, true);
      entangle_right(e, op);
      continue;
    }
    const int bit = n >> (op.qubit + 1);
    apply_left(e, n, bit, m_gates[k].adjoint());
    const matrix2 r = reduce(e, n, bit);
    for (int j = 0; j < qs::parameter_count(op.type); ++j) {
      gradient[static_cast<std::size_t>(op.parameter) + static_cast<std::size_t>(j)] =
          (scale * contract(m_derivatives[3 * k + static_cast<std::size_t>(j)], r)).real();
    }
    if (k > 0) {
      apply_right(e, n, bit, m_gates[k]);
    }
  }
  return 1.0 - magnitude / m_dimension;
}

double unitary_cost::distance(std::span<const double> x) {
  load_gates(x, false);
  return 1.0 - std::abs(forward()) / m_dimension;
}

// Kernels specialised to a compile-time dimension (8 for 3 qubits) measured 2 % faster: not
// worth a template, so the dimension stays a run-time value.
double unitary_cost::distance_and_gradient(std::span<const double> x, std::span<double> gradient) {
  load_gates(x, true);
  return this->gradient(gradient);
}

void unitary_cost::residuals(std::span<const double> x, Eigen::VectorXd& r,
                             Eigen::MatrixXd* jacobian) {
  const int n = m_dimension;
  const std::ptrdiff_t entries = static_cast<std::ptrdiff_t>(n) * n;
  load_gates(x, jacobian != nullptr);
  const complex phase = std::polar(1.0, x[static_cast<std::size_t>(m_parameter_count)]);

  // Prefixes P_k = G_{k−1}⋯G_1 of the parameterized operations, for the Jacobian.
  matrix product = matrix::Identity(n, n);
  if (jacobian) {
    m_prefixes.resize(m_ops.size());
  }
  for (std::size_t k = 0; k < m_ops.size(); ++k) {
    const operation& op = m_ops[k];
    if (op.type == operation::kind::entangler) {
      entangle_left(product.data(), op, false);
      continue;
    }
    if (jacobian) {
      m_prefixes[k] = product;
    }
    apply_left(product.data(), n, n >> (op.qubit + 1), m_gates[k]);
  }
  // product = V; m_work = e^{iφ}·U†V − I.
  m_work.noalias() = m_target_adjoint * product;
  m_work *= phase;
  const matrix rotated = m_work;
  m_work.diagonal().array() -= 1.0;
  r.resize(2 * entries);
  r.head(entries) = Eigen::Map<const Eigen::VectorXcd>(m_work.data(), entries).real();
  r.tail(entries) = Eigen::Map<const Eigen::VectorXcd>(m_work.data(), entries).imag();
  if (!jacobian) {
    return;
  }

  jacobian->resize(2 * entries, m_parameter_count + 1);
  // ∂/∂φ (e^{iφ}·U†V) = i·e^{iφ}·U†V.
  const Eigen::Map<const Eigen::VectorXcd> rotated_entries(rotated.data(), entries);
  jacobian->col(m_parameter_count).head(entries) = (complex(0, 1) * rotated_entries).real();
  jacobian->col(m_parameter_count).tail(entries) = (complex(0, 1) * rotated_entries).imag();

  // Walk back with suffix = e^{iφ}·U†·G_m⋯G_{k+1}: ∂(e^{iφ}U†V) = suffix·∂G_k·P_k.
  matrix suffix = phase * m_target_adjoint;
  matrix derivative(n, n);
  matrix column(n, n);
  for (std::size_t k = m_ops.size(); k-- > 0;) {
    const operation& op = m_ops[k];
    if (op.type == operation::kind::entangler) {
      entangle_right(suffix.data(), op);
      continue;
    }
    const int bit = n >> (op.qubit + 1);
    for (int j = 0; j < qs::parameter_count(op.type); ++j) {
      derivative = m_prefixes[k];
      apply_left(derivative.data(), n, bit, m_derivatives[3 * k + static_cast<std::size_t>(j)]);
      column.noalias() = suffix * derivative;
      const Eigen::Map<const Eigen::VectorXcd> values(column.data(), entries);
      jacobian->col(op.parameter + j).head(entries) = values.real();
      jacobian->col(op.parameter + j).tail(entries) = values.imag();
    }
    apply_right(suffix.data(), n, bit, m_gates[k]);
  }
}

matrix unitary_cost::unitary(std::span<const double> x) {
  load_gates(x, false);
  const int n = m_dimension;
  matrix v = matrix::Identity(n, n);
  for (std::size_t k = 0; k < m_ops.size(); ++k) {
    const operation& op = m_ops[k];
    if (op.type == operation::kind::entangler) {
      entangle_left(v.data(), op, false);
    } else {
      apply_left(v.data(), n, n >> (op.qubit + 1), m_gates[k]);
    }
  }
  return v;
}

} // namespace qs
