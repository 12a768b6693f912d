#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <qsearch/matrix.hpp>

namespace qs {

/// One gate of an emitted circuit: a U3 on `qubit`, or a CNOT with control `qubit` and target
/// `target`.
struct gate {
  /// Which gate this is.
  enum class kind { u3, cx };

  /// U3 or CX.
  kind type;
  /// The U3's qubit, or the CX's control.
  int qubit;
  /// The CX's target; for a U3, equal to `qubit`.
  int target;
  /// The U3's angles as in OpenQASM's `u3(theta, phi, lambda)`; zero for a CX.
  double theta, phi, lambda;

  /// A U3 on qubit `q`.
  static gate u3(int q, double theta, double phi, double lambda) {
    return {kind::u3, q, q, theta, phi, lambda};
  }

  /// A CNOT with control `control` and target `target`.
  static gate cx(int control, int target) { return {kind::cx, control, target, 0, 0, 0}; }
};

/// A flat circuit of U3 and CX gates on qubits 0 to `qubits - 1`, in time order: the form the
/// synthesizer emits.
struct circuit_gates {
  int qubits = 0;
  std::vector<gate> gates;
};

/// Returns U3 angles (θ, φ, λ) whose gate equals the unitary `u` up to global phase, with θ in
/// [0, π] and φ, λ in (−π, π].
///
/// Each phase is read from a single entry rather than from sums of them, so the result stays
/// accurate to rounding at θ = 0 and θ = π, where one of φ, λ is free and is set to 0.
std::array<double, 3> u3_angles(const matrix2& u);

/// Returns the circuit as OpenQASM 2.0: the header, `qreg q[N];`, then one `u3(θ,φ,λ) q[i];` or
/// `cx q[c],q[t];` per line.
///
/// Angles are written with 17 significant digits, so `parse_qasm` gives back the same doubles;
/// they must be finite.
std::string to_qasm(const circuit_gates& circuit);

/// Parses an OpenQASM 2.0 program as written by `to_qasm`, Qiskit or Qsearch.
///
/// The program starts with `OPENQASM 2.0;` and declares exactly one quantum register of 1 to
/// 16 qubits. The gates u3 u2 u1 u p U CX cx rx ry rz h x y z s sdg t tdg sx sxdg id are
/// accepted; single-qubit gates become U3s equal up to global phase. `include`, `creg`,
/// `barrier` and `measure` are ignored. Parameters are expressions of numbers, `pi`, + − * / ^,
/// parentheses and sin cos tan exp ln sqrt. `//` comments run to the end of the line;
/// statements end at `;`, wherever the line breaks fall.
///
/// **Exceptions.** Throws `input_error` with a one-line message naming the line and the
/// problem: an unknown gate or register, a wrong number of parameters or qubits, a qubit out of
/// range, a CX on one qubit, a syntax error, a missing `;`.
circuit_gates parse_qasm(std::string_view text);

/// Returns the circuit's 2^n x 2^n unitary, qubit 0 the most significant bit of the basis index.
///
/// **Exceptions.** Throws `std::invalid_argument` if `qubits` is not in [0, 30], a gate's qubit
/// is out of range, or a CX's control equals its target.
///
/// **Complexity.** O(gates · 4^n): each gate updates pairs of entries of every column in place.
matrix circuit_unitary(const circuit_gates& circuit);

/// Returns the circuit's unitary in Qiskit's order, qubit 0 the least significant bit of the
/// basis index; otherwise as `circuit_unitary`.
matrix circuit_unitary_little_endian(const circuit_gates& circuit);

} // namespace qs
