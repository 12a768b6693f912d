#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>

#include <catch2/catch.hpp>

#include <support/random_circuit.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/thread_pool.hpp>

#include <qsearch/circuit.hpp>
#include <qsearch/search.hpp>

namespace {

double distance_of_unitaries(const qs::circuit_gates& a, const qs::circuit_gates& b) {
  return qs::distance(qs::circuit_unitary(a), qs::circuit_unitary(b));
}

} // namespace

TEST_CASE("circuit_distance equals the distance of the two circuits' unitaries",
          "[qsearch][circuit]") {
  yt::inline_executor serial;
  for (int qubits = 1; qubits <= 6; ++qubits) {
    const auto seed = static_cast<std::uint64_t>(qubits);
    const qs::circuit_gates a = yt_test::random_circuit(qubits, 40, seed, 0.3);
    const qs::circuit_gates b = yt_test::random_circuit(qubits, 40, seed + 100, 0.3);
    INFO(qubits << " qubits");
    CHECK(serial.sync_wait(qs::circuit_distance(a, b)) ==
          Approx(distance_of_unitaries(a, b)).margin(1e-12));
    CHECK(serial.sync_wait(qs::circuit_distance(a, a)) < 1e-14);
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
