#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <stdexcept>

#include <catch2/catch.hpp>

#include <support/random_circuit.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/thread_pool.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/input_error.hpp>
#include <qsearch/search.hpp>

namespace {

using qs::two_qubit_gate;

double distance_of_unitaries(const qs::circuit_gates& a, const qs::circuit_gates& b) {
  return qs::distance(qs::circuit_unitary(a), qs::circuit_unitary(b));
}

// The gate's matrix as the literature writes it, first qubit the most significant bit.
qs::matrix literal_matrix(two_qubit_gate g) {
  const qs::complex i(0, 1);
  const double r = 1 / std::sqrt(2.0);
  qs::matrix m(4, 4);
  switch (g) {
  case two_qubit_gate::cx:
    m << 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0;
    break;
  case two_qubit_gate::cz:
    m << 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1;
    break;
  case two_qubit_gate::iswap:
    m << 1, 0, 0, 0, 0, 0, i, 0, 0, i, 0, 0, 0, 0, 0, 1;
    break;
  case two_qubit_gate::sqrt_iswap:
    m << 1, 0, 0, 0, 0, r, i * r, 0, 0, i * r, r, 0, 0, 0, 0, 1;
    break;
  }
  return m;
}

} // namespace

TEST_CASE("circuit_unitary gives the literal matrix of every two-qubit gate, both ways round",
          "[qsearch][circuit]") {
  for (const two_qubit_gate g : qs::all_two_qubit_gates) {
    INFO(qs::gate_name(g));
    const qs::matrix forward = qs::circuit_unitary({2, {qs::gate::two_qubit(g, 0, 1)}});
    CHECK((forward - literal_matrix(g)).cwiseAbs().maxCoeff() < 1e-15);
    // On qubits 1, 0 the gate sees the basis states |01> and |10> exchanged.
    qs::matrix swap = qs::matrix::Zero(4, 4);
    swap(0, 0) = swap(1, 2) = swap(2, 1) = swap(3, 3) = 1;
    const qs::matrix backward = qs::circuit_unitary({2, {qs::gate::two_qubit(g, 1, 0)}});
    CHECK((backward - swap * literal_matrix(g) * swap).cwiseAbs().maxCoeff() < 1e-15);
    CHECK(((backward - forward).cwiseAbs().maxCoeff() < 1e-15) == qs::is_symmetric(g));
    CHECK(qs::gate::two_qubit(g, 0, 1).two_qubit_type() == g);
  }
}

TEST_CASE("two-qubit gates are named and parsed by their OpenQASM names", "[qsearch][circuit]") {
  for (const two_qubit_gate g : qs::all_two_qubit_gates) {
    CHECK(qs::parse_two_qubit_gate(qs::gate_name(g)) == g);
  }
  CHECK(qs::gate_name(two_qubit_gate::sqrt_iswap) == "sqrt_iswap");
  CHECK_THROWS_AS(qs::parse_two_qubit_gate("CX"), qs::input_error);
  CHECK_THROWS_AS(qs::parse_two_qubit_gate(""), qs::input_error);
  CHECK_THROWS_AS(qs::symmetric_form_of(two_qubit_gate::cx), std::invalid_argument);
  CHECK_THROWS_AS(qs::gate::u3(0, 1, 2, 3).two_qubit_type(), std::invalid_argument);
}

TEST_CASE("two_qubit_count counts the two-qubit gates of every kind", "[qsearch][circuit]") {
  const qs::circuit_gates circuit{3,
                                  {qs::gate::u3(0, 1, 2, 3), qs::gate::cx(0, 1),
                                   qs::gate::two_qubit(two_qubit_gate::cz, 1, 2),
                                   qs::gate::two_qubit(two_qubit_gate::iswap, 0, 2),
                                   qs::gate::two_qubit(two_qubit_gate::sqrt_iswap, 2, 1)}};
  CHECK(qs::two_qubit_count(circuit) == 4);
  CHECK(qs::two_qubit_count({2, {}}) == 0);
}

TEST_CASE("rewrite_two_qubit_gates turns CXs into CZs and back, one for one",
          "[qsearch][circuit]") {
  for (const two_qubit_gate from : {two_qubit_gate::cx, two_qubit_gate::cz}) {
    const qs::circuit_gates input = yt_test::random_circuit(4, 60, 3, 0.4, from);
    for (const two_qubit_gate to : qs::all_two_qubit_gates) {
      INFO(qs::gate_name(from) << " -> " << qs::gate_name(to));
      const std::optional<qs::circuit_gates> output = qs::rewrite_two_qubit_gates(input, to);
      if (to == two_qubit_gate::iswap || to == two_qubit_gate::sqrt_iswap) {
        CHECK_FALSE(output);
        continue;
      }
      REQUIRE(output);
      CHECK(qs::two_qubit_count(*output) == qs::two_qubit_count(input));
      for (const qs::gate& g : output->gates) {
        CHECK((!g.is_two_qubit() || g.two_qubit_type() == to));
      }
      CHECK(distance_of_unitaries(input, *output) < 1e-14);
    }
  }
  const qs::circuit_gates iswaps = yt_test::random_circuit(3, 20, 4, 0.4, two_qubit_gate::iswap);
  CHECK_FALSE(qs::rewrite_two_qubit_gates(iswaps, two_qubit_gate::cz));
  CHECK(qs::rewrite_two_qubit_gates(iswaps, two_qubit_gate::iswap)->gates.size() ==
        iswaps.gates.size());
}

TEST_CASE("circuit_distance equals the distance of the two circuits' unitaries",
          "[qsearch][circuit]") {
  yt::inline_executor serial;
  for (const two_qubit_gate g : qs::all_two_qubit_gates) {
    for (int qubits = 1; qubits <= 6; ++qubits) {
      const auto seed = static_cast<std::uint64_t>(qubits);
      const qs::circuit_gates a = yt_test::random_circuit(qubits, 40, seed, 0.3, g);
      const qs::circuit_gates b = yt_test::random_circuit(qubits, 40, seed + 100, 0.3, g);
      INFO(qs::gate_name(g) << ", " << qubits << " qubits");
      CHECK(serial.sync_wait(qs::circuit_distance(a, b)) ==
            Approx(distance_of_unitaries(a, b)).margin(1e-12));
      CHECK(serial.sync_wait(qs::circuit_distance(a, a)) < 1e-14);
    }
  }
}

TEST_CASE("circuit_distance ignores a global phase and is never negative", "[qsearch][circuit]") {
  yt::inline_executor serial;
  // X = U3(pi, 0, pi); U3(pi, pi/2, 3pi/2) is X times -1 up to rounding.
  const qs::circuit_gates x{1, {qs::gate::u3(0, std::numbers::pi, 0, std::numbers::pi)}};
  const qs::circuit_gates minus_x{
      1, {qs::gate::u3(0, std::numbers::pi, std::numbers::pi / 2, 3 * std::numbers::pi / 2)}};
  const double d = serial.sync_wait(qs::circuit_distance(x, minus_x));
  CHECK(d >= 0);
  CHECK(d < 1e-15);
}

TEST_CASE("circuit_distance gives the same bits on one thread and on a pool",
          "[qsearch][circuit]") {
  const qs::circuit_gates a = yt_test::random_circuit(9, 200, 11, 0.3);
  const qs::circuit_gates b = yt_test::random_circuit(9, 200, 12, 0.3);
  yt::inline_executor serial;
  yt::thread_pool pool(2);
  const double on_one = serial.sync_wait(qs::circuit_distance(a, b));
  const double on_pool = pool.sync_wait(qs::circuit_distance(a, b));
  CHECK(on_one == on_pool);
  CHECK(on_one > 0.01);
}

TEST_CASE("circuit_distance refuses circuits of different or too many qubits",
          "[qsearch][circuit]") {
  yt::inline_executor serial;
  const qs::circuit_gates one{1, {}};
  const qs::circuit_gates two{2, {}};
  const qs::circuit_gates wide{qs::max_distance_qubits + 1, {}};
  const qs::circuit_gates out_of_range{2, {qs::gate::cx(0, 2)}};
  CHECK_THROWS_AS(serial.sync_wait(qs::circuit_distance(one, two)), std::invalid_argument);
  CHECK_THROWS_AS(serial.sync_wait(qs::circuit_distance(wide, wide)), std::invalid_argument);
  CHECK_THROWS_AS(serial.sync_wait(qs::circuit_distance(two, out_of_range)), std::invalid_argument);
}
