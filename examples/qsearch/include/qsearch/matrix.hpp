#pragma once

#include <complex>
#include <stdexcept>

#include <Eigen/Dense>

/// The qsearch synthesizer: finds a circuit of U3 gates and CNOTs with the fewest CNOTs whose
/// unitary equals a target up to global phase.
namespace qs {

using complex = std::complex<double>;

/// A square complex matrix; unitaries are 2^n x 2^n with qubit 0 the most significant bit of
/// the basis index (big-endian), as in the original Qsearch.
using matrix = Eigen::MatrixXcd;

/// A 2x2 single-qubit gate.
using matrix2 = Eigen::Matrix2cd;

/// Bad user input: an unreadable or invalid unitary, an unknown target name, a malformed
/// QASM program. The command prints `what()` on one line and exits with code 2.
class input_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace qs
