#pragma once

#include <cmath>

#include <qsearch/matrix.hpp>

/// Single-qubit gate matrices and their derivatives, in the conventions of OpenQASM 2.0.
namespace qs {

/// The U3 gate of OpenQASM 2.0: Rz(phi)·Ry(theta)·Rz(lambda) up to global phase.
inline matrix2 u3_matrix(double theta, double phi, double lambda) {
  const double c = std::cos(theta / 2);
  const double s = std::sin(theta / 2);
  const complex eip = std::polar(1.0, phi);
  const complex eil = std::polar(1.0, lambda);
  matrix2 g;
  g << c, -eil * s, eip * s, eip * eil * c;
  return g;
}

/// Rotation about X by `theta`: exp(-i·theta·X/2).
inline matrix2 rx_matrix(double theta) {
  const double c = std::cos(theta / 2);
  const double s = std::sin(theta / 2);
  matrix2 g;
  g << c, complex(0, -s), complex(0, -s), c;
  return g;
}

/// Rotation about Y by `theta`: exp(-i·theta·Y/2).
inline matrix2 ry_matrix(double theta) {
  const double c = std::cos(theta / 2);
  const double s = std::sin(theta / 2);
  matrix2 g;
  g << c, -s, s, c;
  return g;
}

/// Rotation about Z by `theta`: exp(-i·theta·Z/2).
inline matrix2 rz_matrix(double theta) {
  matrix2 g;
  g << std::polar(1.0, -theta / 2), 0, 0, std::polar(1.0, theta / 2);
  return g;
}

} // namespace qs
