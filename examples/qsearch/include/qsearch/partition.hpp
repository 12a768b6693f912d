#pragma once

#include <vector>

#include <qsearch/circuit.hpp>

namespace qs {

/// A piece of a circuit on a few of its qubits, with its gates on local qubits so that it can be
/// simulated and resynthesized as a circuit of its own.
struct block {
  /// The circuit's qubits the block acts on, ascending; local qubit i is `qubits[i]`.
  std::vector<int> qubits;
  /// The block's gates in input order, on local qubits 0 to `qubits.size() − 1`.
  circuit_gates circuit;
};

/// Cuts `circuit` into blocks of at most `block_size` qubits in one scan, so that every gate
/// lands in exactly one block and the blocks, put back in order (`assemble`), are the input with
/// gates reordered only across different qubits: the same unitary.
///
/// The scan takes the gates in input order. Some blocks are *open*, on disjoint sets of qubits;
/// a qubit in none of them is *free*. A gate joins the open blocks that hold its qubits, merged
/// into one block together with its free qubits, if that makes at most `block_size` qubits.
/// Otherwise the widest of those blocks (of two equally wide, the one opened first) is closed,
/// then the other if the gate still does not fit, and the gate joins what remains, its qubits
/// from a closed block now counting as free; with nothing left, it opens a block. Two
/// exceptions: a single-qubit gate on a free qubit whose last gate is in a closed block is
/// appended to that block, and a single-qubit gate on a qubit without any gate yet opens a
/// block. At the end the open blocks close in the order they opened. The blocks are returned in
/// the order they closed, each with its gates in input order (BQSKit's quick partitioner works
/// this way).
///
/// Why the order is kept: an open block holds the last gate so far of each of its qubits, and
/// the last gate of a free qubit is in a closed block, so each gate's earlier gates on its
/// qubits are in its own block or in one closed before it. A block grows only by merging through
/// a two-qubit gate, so its qubits are connected by its two-qubit gates.
///
/// **Exceptions.** Throws `input_error` if `block_size` is not in [2, 4], and
/// `std::invalid_argument` if a gate's qubit is not in [0, circuit.qubits) or a two-qubit gate's
/// qubits are equal.
///
/// **Complexity.** O(g · b + n) for g gates, b = `block_size` and n qubits: a gate looks at two
/// blocks at most, and moves to another block only when its block merges into a wider one.
std::vector<block> partition(const circuit_gates& circuit, int block_size);

/// Returns the circuit on `qubits` qubits made of the blocks' gates, block after block, each
/// gate mapped back from local qubit i to the block's `qubits[i]`.
///
/// **Exceptions.** Throws `std::invalid_argument` if a block's qubit is not in [0, qubits), or
/// a gate's local qubit is not one of its block's.
///
/// **Complexity.** O(gates).
circuit_gates assemble(int qubits, const std::vector<block>& blocks);

/// Returns `circuit` with each maximal run of single-qubit gates on a qubit (no two-qubit gate on
/// that qubit within the run) replaced by one U3 of their product, placed just before the
/// two-qubit gate that ends the run, or at the end of the circuit (in qubit order) for a run that
/// nothing ends. A product within 1e-14 per entry of a multiple of the identity is left out. The
/// two-qubit gates are kept as they are, in order.
///
/// The result equals the input up to a global phase and to rounding (a few 1e-16 per gate);
/// between two U3s on a qubit there is always a two-qubit gate on it.
///
/// **Exceptions.** Throws `std::invalid_argument` as `partition` does for a malformed gate.
///
/// **Complexity.** O(gates + qubits).
circuit_gates merge_single_qubit_gates(const circuit_gates& circuit);

} // namespace qs
