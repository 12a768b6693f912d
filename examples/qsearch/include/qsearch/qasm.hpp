#pragma once

#include <string>
#include <string_view>

#include <qsearch/circuit.hpp>
#include <qsearch/input_error.hpp>

namespace qs {

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

} // namespace qs
