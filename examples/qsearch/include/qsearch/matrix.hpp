#pragma once

#include <complex>

#include <Eigen/Dense>

/// The qsearch synthesizer: finds a circuit of U3 gates and CNOTs (or CZs, iSWAPs, √iSWAPs) with
/// the fewest of them whose unitary equals a target up to global phase.
namespace qs {

using complex = std::complex<double>;

/// A square complex matrix; unitaries are 2^n x 2^n with qubit 0 the most significant bit of
/// the basis index (big-endian), as in the original Qsearch.
using matrix = Eigen::MatrixXcd;

/// A 2x2 single-qubit gate.
using matrix2 = Eigen::Matrix2cd;

} // namespace qs
