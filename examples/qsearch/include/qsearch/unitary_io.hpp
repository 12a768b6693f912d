#pragma once

#include <filesystem>
#include <string_view>

#include <qsearch/input_error.hpp>
#include <qsearch/matrix.hpp>

namespace qs {

/// Reads a target unitary: a NumPy `.npy` file (complex128 or float64, recognised by its magic
/// bytes) or whitespace-separated text as `numpy.savetxt` writes it (`(a+bj)`, `a+bj`, `a`,
/// `bj`; `#` comments), one row per line.
///
/// A number below the smallest subnormal double reads as 0 (its correct rounding); one beyond the
/// largest double is an error. The `.npy` header must be a dict of exactly 'descr',
/// 'fortran_order' (True or False) and 'shape' (a tuple of non-negative integers), as numpy
/// requires. At most 2^10 × 2^10 (10 qubits): the reader stops after the most bytes such a
/// unitary needs (the header plus 16 bytes per entry, or 128 MiB of text).
///
/// **Exceptions.** `input_error` with a one-line message naming the file and the problem
/// (quoting bytes from the file escaped, see `printable`): unreadable, too large, malformed,
/// ragged rows, not square, not a power-of-2 size, NaN/Inf, or not unitary within 1e-8.
matrix read_unitary(const std::filesystem::path& file);

/// Throws `input_error`, prefixed by `what`, unless `u` is a finite 2^n×2^n unitary (n ≥ 1)
/// within 1e-8 (`unitarity_error(u) <= 1e-8`).
void validate_unitary(const matrix& u, std::string_view what);

/// The largest entry of |U†U − I|: 0 for an exact unitary.
double unitarity_error(const matrix& u);

/// The unitary nearest to the nearly unitary matrix `u` in the Frobenius norm: the polar factor
/// W·V† of the singular value decomposition u = W·Σ·V†.
///
/// Computed by the Newton–Schulz iteration X ← X·(3I − X†X)/2, which maps every singular value
/// s to s·(3 − s²)/2 and so converges quadratically to the polar factor when the singular values
/// are near 1: an input that passes `validate_unitary` needs three steps.
///
/// **Exceptions.** `std::invalid_argument` if `unitarity_error(u)` exceeds 0.1, where the
/// iteration is not assured to converge.
///
/// **Complexity.** O(N³): two N×N products per step, about a second per step for N = 1024.
matrix nearest_unitary(const matrix& u);

/// Writes `u` as numpy.savetxt does for complex data, with 17 significant digits (exact).
void write_unitary_text(const std::filesystem::path& file, const matrix& u);

/// Writes `u` as a NumPy `.npy` file, version 1.0, dtype '<c16', C order.
void write_unitary_npy(const std::filesystem::path& file, const matrix& u);

/// Reverses the qubit order of the basis indices (bit reversal on rows and columns): converts
/// between Qiskit's little-endian order and the big-endian order used here.
matrix reverse_qubit_order(const matrix& u);

} // namespace qs
