#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <qsearch/circuit.hpp>
#include <qsearch/input_error.hpp>

namespace qs {

/// A classical register of an OpenQASM 2.0 program, as declared by `creg name[size];`.
struct classical_register {
  /// The register's name, an OpenQASM identifier.
  std::string name;
  /// Its number of bits, at least 1.
  int size = 0;

  friend bool operator==(const classical_register&, const classical_register&) = default;
};

/// A final measurement: `measure q[qubit] -> creg[bit];` with no gate on the qubit after it.
struct final_measure {
  /// The measured qubit, in the program's flat qubit numbering.
  int qubit = 0;
  /// The name of the classical register that receives the result.
  std::string creg;
  /// The bit of `creg` that receives the result.
  int bit = 0;

  friend bool operator==(const final_measure&, const final_measure&) = default;
};

/// An OpenQASM 2.0 program reduced to what `qsearch` works on: a flat circuit of U3 and two-qubit
/// gates followed by final measurements (`parse_qasm_program` gives U3 and CX gates only).
///
/// The program's quantum registers are flattened in declaration order into the qubits of
/// `circuit`: with `qreg q[n]; qreg r[m];`, q[i] is qubit i and r[j] is qubit n + j.
struct qasm_program {
  /// The gates; as parsed, every multi-qubit gate decomposed into U3 and CX.
  circuit_gates circuit;
  /// The classical registers in declaration order.
  std::vector<classical_register> cregs;
  /// The final measurements in program order; they act after every gate of `circuit`.
  std::vector<final_measure> measures;
};

/// Returns the circuit as OpenQASM 2.0: the header, `qreg q[N];`, then one `u3(θ,φ,λ) q[i];`,
/// `cx q[c],q[t];`, `cz q[a],q[b];`, `iswap q[a],q[b];` or `sqrt_iswap q[a],q[b];` per line.
/// qelib1.inc has cz; iswap and sqrt_iswap, when the circuit uses them, get a `gate` definition in
/// qelib1.inc's gates (rx, rz, cx) after the include line, so that every OpenQASM 2.0 reader
/// takes the text.
///
/// Angles are written with 17 significant digits, so `parse_qasm` gives back the same doubles;
/// they must be finite.
std::string to_qasm(const circuit_gates& circuit);

/// Returns the program as OpenQASM 2.0: the header, one `qreg q[N];` holding every qubit, the
/// `creg`s in order, the gates as `to_qasm(program.circuit)` writes them, then one
/// `measure q[i] -> c[j];` per final measurement, in order.
///
/// `parse_qasm_program` reads the text back to an equal program, angles bit for bit. The
/// quantum register is called `q`, or `q_`, `q__` ... when a creg already has that name.
/// Register names must be OpenQASM identifiers and angles finite.
std::string to_qasm(const qasm_program& program);

/// Parses an OpenQASM 2.0 program, as written by `to_qasm`, Qiskit or Qsearch, into a flat
/// circuit and its final measurements.
///
/// The program starts with `OPENQASM 2.0;` and declares one or more quantum registers, of
/// 100,000 qubits in all at most, flattened in declaration order as `qasm_program` describes.
/// The gates of qelib1.inc are known whether or not it is included: single-qubit u3 u2 u1 u p U
/// rx ry rz h x y z s sdg t tdg sx sxdg id become one U3 each, equal up to global phase; CX cx
/// stay CNOTs; cy cz ch swap ccx cswap crx cry crz cu1 cp cu3 rxx rzz are expanded into U3 and
/// CX by their qelib1.inc definitions (ccx: 6 CNOTs, cswap: 8, swap: 3, rxx: 2, the other
/// two-qubit gates 1 or 2). A program defines further gates with
/// `gate name(params) a, b { ... }`; each call expands the body, whose parameters are
/// expressions of the formal parameters and which calls gates defined before it. A gate applied
/// to whole registers (`h q;`, `cx q, r;`) is applied to each index in turn, as OpenQASM 2.0
/// says. A program without gates gives an empty circuit. `include` and `barrier` are ignored;
/// `creg`s and final measurements (`measure q[i] -> c[j];` or `measure q -> c;`) are recorded.
/// Parameters are expressions of numbers, `pi`, + − * / ^, parentheses and sin cos tan exp ln
/// sqrt. `//` comments run to the end of the line; statements end at `;`, wherever the line
/// breaks fall.
///
/// **Exceptions.** Throws `input_error` with a one-line message "QASM line N: ..." naming the
/// line and the problem, bytes from the text escaped by `printable`: a syntax error, a missing
/// `;`, an unknown gate or register, a register redeclared, a wrong number of parameters or
/// qubits, a qubit or bit out of range, the same qubit twice in one gate, registers of different
/// sizes in one broadcast gate, a parameter that is not finite, more than 100,000 qubits or
/// 10,000,000 gates, no qreg; a gate definition that calls itself, redefines a gate or nests
/// more than 100 deep; `opaque` gates; `reset`; `if`; a gate on a qubit after its measurement.
///
/// **Complexity.** Linear in the text and the number of gates it expands to.
qasm_program parse_qasm_program(std::string_view text);

/// Parses an OpenQASM 2.0 program as `parse_qasm_program` does and returns its circuit,
/// leaving out the cregs and final measurements.
///
/// **Exceptions.** As `parse_qasm_program`.
circuit_gates parse_qasm(std::string_view text);

/// The largest QASM file `read_qasm_file` reads: far above any circuit the optimizer can take
/// in reasonable time, far below what an endless device would feed it.
inline constexpr std::size_t max_qasm_bytes = std::size_t{64} << 20;

/// Reads and parses the OpenQASM 2.0 program in `path`, or standard input for `-`.
///
/// **Exceptions.** `input_error` naming the file: `FILE: cannot open: <reason>`, `FILE: larger
/// than 67108864 bytes ...`, or `FILE: QASM line N: <problem>` as `parse_qasm_program` says it.
qasm_program read_qasm_file(const std::string& path);

} // namespace qs
