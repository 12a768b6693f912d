#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include <qsearch/cost.hpp>
#include <qsearch/qasm.hpp>
#include <qsearch/random.hpp>

namespace {

using qs::two_qubit_gate;

qs::structure random_structure(int qubits, int layers, qs::layer_kind kind, std::uint64_t seed,
                               two_qubit_gate entangler = two_qubit_gate::cx) {
  qs::splitmix64 random(seed);
  const std::vector<qs::coupling_edge> edges = qs::all_to_all_topology(qubits);
  qs::structure s{qubits, kind, {}, entangler};
  for (int l = 0; l < layers; ++l) {
    qs::coupling_edge e = edges[random.next() % edges.size()];
    if (random.next() % 2) {
      std::swap(e.control, e.target);
    }
    s.layers.push_back(e);
  }
  return s;
}

std::vector<double> random_point(int count, std::uint64_t seed) {
  qs::splitmix64 random(seed);
  return qs::random_angles(static_cast<std::size_t>(count), random);
}

// (f(x + h·e_i) − f(x − h·e_i)) / 2h, the central difference of `f` along coordinate `i`;
// `f` returns a double or a vector.
template <class F> auto central_difference(const std::vector<double>& x, std::size_t i, F f) {
  constexpr double h = 1e-6;
  std::vector<double> plus = x;
  std::vector<double> minus = x;
  plus[i] += h;
  minus[i] -= h;
  return decltype(f(x))((f(plus) - f(minus)) / (2 * h));
}

// The Jacobian of the residuals at a random point of `s` against central differences.
void check_jacobian(const qs::structure& s) {
  qs::unitary_cost cost(s, qs::haar_random_unitary(3, 12));
  std::vector<double> x = random_point(s.parameter_count() + 1, 13);
  Eigen::VectorXd r;
  Eigen::MatrixXd jacobian;
  cost.residuals(x, r, &jacobian);
  REQUIRE(jacobian.cols() == s.parameter_count() + 1);
  REQUIRE(jacobian.rows() == 2 * 64);
  const auto residuals_at = [&cost](const std::vector<double>& point) {
    Eigen::VectorXd values;
    cost.residuals(point, values, nullptr);
    return values;
  };
  double max_error = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const Eigen::VectorXd numeric = central_difference(x, i, residuals_at);
    max_error = std::max(
        max_error, (numeric - jacobian.col(static_cast<Eigen::Index>(i))).cwiseAbs().maxCoeff());
  }
  CHECK(max_error < 1e-6);
  // ½‖r‖² equals N·d at the best phase, which the residuals cannot beat.
  const double d = cost.distance(std::span<const double>(x).first(x.size() - 1));
  CHECK(r.squaredNorm() / 2 >= 8 * d - 1e-12);
}

} // namespace

TEST_CASE("the analytic gradient matches central differences on random circuits",
          "[qsearch][cost]") {
  for (const two_qubit_gate entangler : qs::all_two_qubit_gates) {
    for (const qs::layer_kind kind : {qs::layer_kind::four_param, qs::layer_kind::five_param}) {
      for (int qubits = 1; qubits <= 4; ++qubits) {
        for (std::uint64_t seed = 0; seed < 5; ++seed) {
          const int layers = qubits == 1 ? 0 : static_cast<int>(2 + seed);
          const qs::structure s = random_structure(qubits, layers, kind, seed, entangler);
          qs::unitary_cost cost(s, qs::haar_random_unitary(qubits, seed + 100));
          std::vector<double> x = random_point(s.parameter_count(), seed + 200);
          std::vector<double> gradient(x.size());
          cost.distance_and_gradient(x, gradient);
          double max_error = 0;
          double max_gradient = 0;
          for (std::size_t i = 0; i < x.size(); ++i) {
            const double numeric = central_difference(
                x, i, [&cost](const std::vector<double>& point) { return cost.distance(point); });
            max_error = std::max(max_error, std::abs(numeric - gradient[i]));
            max_gradient = std::max(max_gradient, std::abs(gradient[i]));
          }
          INFO(qs::gate_name(entangler)
               << " qubits " << qubits << " layers " << layers << " seed " << seed);
          CHECK(max_gradient > 1e-3);
          CHECK(max_error / max_gradient < 1e-6);
        }
      }
    }
  }
}

TEST_CASE("the distance is zero for a circuit's own unitary and matches the QASM gates",
          "[qsearch][cost]") {
  for (const two_qubit_gate entangler : qs::all_two_qubit_gates) {
    for (const qs::layer_kind kind : {qs::layer_kind::four_param, qs::layer_kind::five_param}) {
      INFO(qs::gate_name(entangler) << " layer kind " << static_cast<int>(kind));
      const qs::structure s = random_structure(3, 6, kind, 7, entangler);
      const std::vector<double> x = random_point(s.parameter_count(), 8);
      qs::unitary_cost probe(s, qs::matrix::Identity(8, 8));
      const qs::matrix v = probe.unitary(x);
      CHECK((v.adjoint() * v - qs::matrix::Identity(8, 8)).cwiseAbs().maxCoeff() < 1e-12);

      qs::unitary_cost cost(s, v);
      CHECK(std::abs(cost.distance(x)) < 1e-14);
      // The same circuit written as U3 and two-qubit gates has the same unitary up to phase.
      const qs::circuit_gates gates = qs::to_gates(s, x);
      CHECK(qs::two_qubit_count(gates) == 6);
      for (const qs::gate& g : gates.gates) {
        CHECK((!g.is_two_qubit() || g.two_qubit_type() == entangler));
      }
      const qs::matrix from_gates = qs::circuit_unitary(gates);
      CHECK(1 - std::abs((v.adjoint() * from_gates).trace()) / 8 < 1e-14);
    }
  }
}

TEST_CASE("a layer has 4 parameters, 5 after sqrt-iSWAP or with XZXZ", "[qsearch][cost]") {
  using qs::layer_kind;
  CHECK(qs::layer_parameter_count(layer_kind::four_param, two_qubit_gate::cx) == 4);
  CHECK(qs::layer_parameter_count(layer_kind::four_param, two_qubit_gate::cz) == 4);
  CHECK(qs::layer_parameter_count(layer_kind::four_param, two_qubit_gate::iswap) == 4);
  CHECK(qs::layer_parameter_count(layer_kind::four_param, two_qubit_gate::sqrt_iswap) == 5);
  for (const two_qubit_gate entangler : qs::all_two_qubit_gates) {
    CHECK(qs::layer_parameter_count(layer_kind::five_param, entangler) == 5);
  }
}

TEST_CASE("the distance ignores global phase", "[qsearch][cost]") {
  const qs::structure s = random_structure(2, 3, qs::layer_kind::four_param, 3);
  const std::vector<double> x = random_point(s.parameter_count(), 4);
  qs::unitary_cost probe(s, qs::matrix::Identity(4, 4));
  const qs::matrix v = probe.unitary(x);
  qs::unitary_cost cost(s, qs::complex(std::cos(0.7), std::sin(0.7)) * v);
  CHECK(std::abs(cost.distance(x)) < 1e-14);
}

TEST_CASE("the residual Jacobian matches central differences", "[qsearch][cost]") {
  for (const two_qubit_gate entangler : qs::all_two_qubit_gates) {
    for (const qs::layer_kind kind : {qs::layer_kind::four_param, qs::layer_kind::five_param}) {
      INFO(qs::gate_name(entangler) << " layer kind " << static_cast<int>(kind));
      check_jacobian(random_structure(3, 4, kind, 11, entangler));
    }
  }
}
