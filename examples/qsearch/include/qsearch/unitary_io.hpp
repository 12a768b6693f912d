#pragma once

#include <filesystem>
#include <string_view>

#include <qsearch/matrix.hpp>

namespace qs {

/// Reads a target unitary: a NumPy `.npy` file (complex128 or float64, recognised by its magic
/// bytes) or whitespace-separated text as `numpy.savetxt` writes it (`(a+bj)`, `a+bj`, `a`,
/// `bj`; `#` comments), one row per line.
///
/// **Exceptions.** `input_error` with a one-line message naming the file and the problem:
/// unreadable, malformed, ragged rows, not square, not a power-of-2 size, NaN/Inf, or not
/// unitary within 1e-8.
matrix read_unitary(const std::filesystem::path& file);

/// Throws `input_error`, prefixed by `what`, unless `u` is a finite 2^n×2^n unitary (n ≥ 1)
/// within 1e-8 (max |(U†U − I)_ij|).
void validate_unitary(const matrix& u, std::string_view what);

/// Writes `u` as numpy.savetxt does for complex data, with 17 significant digits (exact).
void write_unitary_text(const std::filesystem::path& file, const matrix& u);

/// Writes `u` as a NumPy `.npy` file, version 1.0, dtype '<c16', C order.
void write_unitary_npy(const std::filesystem::path& file, const matrix& u);

/// Reverses the qubit order of the basis indices (bit reversal on rows and columns): converts
/// between Qiskit's little-endian order and the big-endian order used here.
matrix reverse_qubit_order(const matrix& u);

} // namespace qs
