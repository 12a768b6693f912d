#pragma once

#include <span>
#include <vector>

#include <qsearch/circuit.hpp>

namespace qs {

/// Distance d(U,V) = 1 − |Tr(U†V)|/N between a target U and a candidate's unitary V, and its
/// analytic gradient.
///
/// The gradient uses the environment of each gate: with V = G_m⋯G_1, the derivative of
/// Tr(U†V) by a parameter of G_k is Tr(E_k ∂G_k) where E_k = G_{k−1}⋯G_1·U†·G_m⋯G_{k+1}, and
/// E_{k−1} = G_{k−1}† E_k G_k. One forward and one backward sweep of 2×2 row/column updates
/// give every partial derivative: O(m·N²), no Kronecker products, no allocation per call. A CX
/// permutes rows or columns; the symmetric gates scale the rows or columns with both of their bits
/// set and mix those with one of them set.
///
/// **Thread safety.** An object keeps scratch space: use one per thread (one per optimizer
/// start); the target is shared read-only.
class unitary_cost {
public:
  unitary_cost(const structure& s, const matrix& target);

  int parameter_count() const { return m_parameter_count; }
  /// N = 2^qubits.
  int dimension() const { return m_dimension; }

  /// d at parameters `x` (size parameter_count()).
  double distance(std::span<const double> x);

  /// d at `x`, writing ∂d/∂x into `gradient`.
  double distance_and_gradient(std::span<const double> x, std::span<double> gradient);

  /// Residuals of Levenberg–Marquardt: the real then imaginary parts of e^{iφ}·U†V − I, where
  /// φ = `x[parameter_count()]` is an extra phase variable (x has parameter_count() + 1
  /// entries). ½‖r‖² = N·d at the best φ. Writes the Jacobian (2N² × (parameter_count() + 1))
  /// when `jacobian` is not null.
  void residuals(std::span<const double> x, Eigen::VectorXd& r, Eigen::MatrixXd* jacobian);

  /// The candidate's unitary V at `x`.
  matrix unitary(std::span<const double> x);

private:
  void load_gates(std::span<const double> x, bool with_derivatives);
  // a ← G·a or G†·a, and a ← a·G, for the two-qubit gate G of `op`.
  void entangle_left(complex* a, const operation& op, bool adjoint) const;
  void entangle_right(complex* a, const operation& op) const;
  // m_work ← V·U†; returns Tr(U†V).
  complex forward();
  // The gradient into `gradient` after load_gates; returns d.
  double gradient(std::span<double> gradient);

  int m_dimension;
  int m_parameter_count;
  std::vector<operation> m_ops;
  two_qubit_gate m_entangler;
  // The entangler's form and its adjoint, unless it is a CX.
  symmetric_form m_form;
  symmetric_form m_form_adjoint;
  matrix m_target_adjoint;
  matrix m_work;
  std::vector<matrix> m_prefixes;
  std::vector<matrix2> m_gates;
  std::vector<matrix2> m_derivatives; // 3 slots per operation
};

} // namespace qs
