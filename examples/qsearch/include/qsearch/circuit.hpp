#pragma once

#include <array>
#include <compare>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yieldtasks/task.hpp>

#include <qsearch/input_error.hpp>
#include <qsearch/matrix.hpp>

namespace qs {

/// A native two-qubit gate: the entangler of a synthesized circuit's layers.
///
/// `cx` (CNOT, control first), `cz`, `iswap` (|01⟩ → i|10⟩, |10⟩ → i|01⟩) and `sqrt_iswap` (its
/// square root, (|01⟩ + i|10⟩)/√2 from |01⟩). All but `cx` are symmetric in their two qubits.
enum class two_qubit_gate { cx, cz, iswap, sqrt_iswap };

/// Every `two_qubit_gate`, in declaration order.
inline constexpr std::array<two_qubit_gate, 4> all_two_qubit_gates{
    two_qubit_gate::cx, two_qubit_gate::cz, two_qubit_gate::iswap, two_qubit_gate::sqrt_iswap};

/// Returns the gate's name in OpenQASM and on the command line: `cx`, `cz`, `iswap` or
/// `sqrt_iswap`.
std::string_view gate_name(two_qubit_gate g);

/// Returns the gate named `text` as `gate_name` writes it; throws `input_error` naming the
/// text and the gates known.
two_qubit_gate parse_two_qubit_gate(std::string_view text);

/// Whether the gate is the same with its two qubits exchanged (every gate but `cx`).
inline bool is_symmetric(two_qubit_gate g) {
  return g != two_qubit_gate::cx;
}

/// A symmetric two-qubit gate in the form they all have: identity on |00⟩, the 2×2 `exchange`
/// on |01⟩ and |10⟩ (in that order), and `phase` on |11⟩. CZ: the identity and −1; iSWAP:
/// [[0, i], [i, 0]] and 1; √iSWAP: [[1, i], [i, 1]]/√2 and 1.
struct symmetric_form {
  matrix2 exchange;
  complex phase;
};

/// Returns the symmetric form of `g`; throws `std::invalid_argument` for `cx`, which has none.
symmetric_form symmetric_form_of(two_qubit_gate g);

/// One gate of an emitted circuit: a U3 on `qubit`, or a two-qubit gate on `qubit` and `target`
/// (a CNOT's control and target).
struct gate {
  /// Which gate this is.
  enum class kind { u3, cx, cz, iswap, sqrt_iswap };

  /// U3 or a two-qubit gate.
  kind type;
  /// The U3's qubit, or a two-qubit gate's first qubit (a CX's control).
  int qubit;
  /// A two-qubit gate's second qubit (a CX's target); for a U3, equal to `qubit`.
  int target;
  /// The U3's angles as in OpenQASM's `u3(theta, phi, lambda)`; zero for a two-qubit gate.
  double theta, phi, lambda;

  /// A U3 on qubit `q`.
  static gate u3(int q, double theta, double phi, double lambda) {
    return {kind::u3, q, q, theta, phi, lambda};
  }

  /// A CNOT with control `control` and target `target`.
  static gate cx(int control, int target) { return {kind::cx, control, target, 0, 0, 0}; }

  /// The two-qubit gate `g` on qubits `first` and `second`.
  static gate two_qubit(two_qubit_gate g, int first, int second);

  /// Whether this is a two-qubit gate.
  bool is_two_qubit() const { return type != kind::u3; }

  /// Which two-qubit gate this is; throws `std::invalid_argument` for a U3.
  two_qubit_gate two_qubit_type() const;
};

/// A flat circuit of U3 and two-qubit gates on qubits 0 to `qubits - 1`, in time order: the
/// form the synthesizer emits.
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

/// The number of two-qubit gates in `circuit`, of every kind: the count that synthesis and
/// optimization minimize.
int two_qubit_count(const circuit_gates& circuit);

/// Returns `circuit` with every two-qubit gate written as `g`, one for one, or nothing when a
/// gate has no such form: a CX becomes H·CZ·H on its target and a CZ becomes H·CX·H, the
/// Hadamards as U3s (not merged with their neighbours); gates already `g` stay as they are. A CX
/// or CZ takes two iSWAPs or two √iSWAPs, and either of those two CXs, so those have none.
std::optional<circuit_gates> rewrite_two_qubit_gates(const circuit_gates& circuit,
                                                     two_qubit_gate g);

/// Throws `std::invalid_argument`, prefixed by `caller`, unless `circuit` has a non-negative
/// qubit count and every gate's qubits lie in it (a two-qubit gate on two different qubits).
void check_circuit(const circuit_gates& circuit, std::string_view caller);

/// Returns the circuit's 2^n x 2^n unitary, qubit 0 the most significant bit of the basis index.
///
/// **Exceptions.** Throws `std::invalid_argument` if `qubits` is not in [0, 30], a gate's qubit
/// is out of range, or a two-qubit gate's qubits are equal.
///
/// **Complexity.** O(gates · 4^n): each gate updates pairs of entries of every column in place.
matrix circuit_unitary(const circuit_gates& circuit);

/// Returns the circuit's unitary in Qiskit's order, qubit 0 the least significant bit of the
/// basis index; otherwise as `circuit_unitary`.
matrix circuit_unitary_little_endian(const circuit_gates& circuit);

/// The widest circuits `circuit_distance` compares: its work grows as 4^n.
inline constexpr int max_distance_qubits = 16;

/// d(U_a, U_b) = 1 − |Tr(U_a† U_b)|/N between the unitaries of two circuits on the same qubits,
/// computed by simulating every basis state through `b` and then through `a` inverted, without
/// forming either unitary (O(2^n) memory per chunk of columns instead of O(4^n)).
///
/// Runs the columns as one `yt::taskmap` of up to 64 chunks; the result does not depend on the
/// executor. **Exceptions.** `std::invalid_argument` if the qubit counts differ or are not in
/// [1, max_distance_qubits], or a gate's qubit is out of range. **Complexity.**
/// O(4^n · (|a| + |b|)).
yt::task<double> circuit_distance(circuit_gates a, circuit_gates b);

/// A two-qubit gate placement allowed by the hardware: a CNOT's control and target, or the two
/// qubits of a symmetric gate in either order.
struct coupling_edge {
  int control;
  int target;
  friend auto operator<=>(const coupling_edge&, const coupling_edge&) = default;
};

/// The chain 0→1→…→n−1, the default coupling graph.
std::vector<coupling_edge> linear_topology(int qubits);
/// The chain closed by n−1→0 (for n ≥ 3).
std::vector<coupling_edge> ring_topology(int qubits);
/// Every pair i < j as i→j.
std::vector<coupling_edge> all_to_all_topology(int qubits);
/// Parses `linear`, `ring`, `all`, or an edge list such as `0-1,1-2,0-2`; throws
/// `input_error` naming the problem.
std::vector<coupling_edge> parse_topology(std::string_view text, int qubits);

/// The parameterized gates that follow each layer's two-qubit gate.
///
/// `four_param`: on each qubit, the rotations of a full single-qubit gate that do not pass
/// through the two-qubit gate. A full gate after a CNOT would be Rz·Ry·Rz on the control (Rx·Ry·Rx
/// on the target), but its first rotation commutes with the CNOT and merges into the gates before
/// it, so Ry then Rz on the control and Ry then Rx on the target reach the same circuits. The
/// order matters: the rotation next to the two-qubit gate must be the one that does not commute
/// with it. CZ commutes with Rz on either qubit, and Rz(a)⊗Rz(b) passes through iSWAP as
/// Rz(b)⊗Rz(a), so both take Ry then Rz on both qubits (4 parameters); only Rz(a)⊗Rz(a) passes
/// through √iSWAP, so it takes a U3 on its first qubit and Ry then Rz on its second (5).
///
/// `five_param`: Qsearch's layer, X90, Rz, X90, Rz in time order ("XZXZ") on the first qubit (a
/// CNOT's control) and U3 on the second, for every gate: XZXZ is Rz·Ry·X up to phase, which with
/// an Rz passed through the gate (there is one on the first qubit of each) is any single-qubit
/// gate.
enum class layer_kind { four_param, five_param };

/// A candidate circuit's shape: a U3 on every qubit, then one layer per entry of `layers`, each
/// the two-qubit gate `entangler` on an edge followed by parameterized single-qubit gates.
struct structure {
  int qubits = 0;
  layer_kind kind = layer_kind::four_param;
  std::vector<coupling_edge> layers;
  two_qubit_gate entangler = two_qubit_gate::cx;

  /// 3 per qubit for the root U3s, then `layer_parameter_count` per layer.
  int parameter_count() const;
  /// The number of two-qubit gates: one per layer.
  int two_qubit_count() const { return static_cast<int>(layers.size()); }
};

/// Parameters per layer of `kind` after the two-qubit gate `entangler`: 4 or 5.
int layer_parameter_count(layer_kind kind, two_qubit_gate entangler);

/// One step of the compiled gate sequence: the structure's fixed two-qubit gate or a
/// parameterized single-qubit gate.
struct operation {
  enum class kind { u3, ry_rz, ry_rx, xzxz, entangler };
  kind type;
  int qubit;     ///< the single-qubit gate's qubit, or the two-qubit gate's first qubit
  int target;    ///< the two-qubit gate's second qubit
  int parameter; ///< index of the gate's first parameter
};

/// Number of parameters a single-qubit operation takes (0 for the two-qubit gate).
int parameter_count(operation::kind type);

/// The operations of `s` in time order; parameters in the layout of `structure`.
std::vector<operation> compile(const structure& s);

/// The 2x2 matrix of a single-qubit operation at parameters `p`, and when `derivatives` is not
/// null its derivative with respect to each of the operation's parameters.
matrix2 single_qubit_matrix(operation::kind type, const double* p, matrix2* derivatives);

/// The circuit as U3s and the structure's two-qubit gates: consecutive single-qubit gates on a
/// qubit merge into one U3.
circuit_gates to_gates(const structure& s, std::span<const double> parameters);

} // namespace qs
