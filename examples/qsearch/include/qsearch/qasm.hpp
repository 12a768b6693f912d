#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <qsearch/matrix.hpp>

namespace qs {

/// One gate of an emitted circuit: a U3 on `qubit`, or a CNOT from `qubit` to `target`.
struct gate {
  enum class kind { u3, cx };
  kind type;
  int qubit;
  int target;
  double theta;
  double phi;
  double lambda;

  static gate u3(int q, double theta, double phi, double lambda) {
    return {kind::u3, q, q, theta, phi, lambda};
  }
  static gate cx(int control, int target) { return {kind::cx, control, target, 0, 0, 0}; }
};

/// A flat circuit of U3 and CX gates in time order.
struct circuit_gates {
  int qubits = 0;
  std::vector<gate> gates;
};

/// U3 angles (θ, φ, λ) whose gate equals `u` up to global phase; exact at θ = 0 and θ = π.
std::array<double, 3> u3_angles(const matrix2& u);

/// The circuit as OpenQASM 2.0; angles with 17 significant digits, so parsing the text back
/// gives the same doubles.
std::string to_qasm(const circuit_gates& circuit);

/// Parses OpenQASM 2.0 with one quantum register: the qelib1 gates u3 u2 u1 u p U CX cx rx ry
/// rz h x y z s sdg t tdg sx id (single-qubit gates become U3s equal up to global phase);
/// creg, barrier and measure are ignored. Parameters are expressions of numbers and `pi`.
/// Throws `input_error` naming the line and the problem.
circuit_gates parse_qasm(std::string_view text);

/// The circuit's unitary, qubit 0 the most significant bit of the basis index.
matrix circuit_unitary(const circuit_gates& circuit);

/// The circuit's unitary in Qiskit's order, qubit 0 the least significant bit.
matrix circuit_unitary_little_endian(const circuit_gates& circuit);

} // namespace qs
