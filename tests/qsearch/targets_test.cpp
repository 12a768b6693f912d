#include <cmath>
#include <numbers>
#include <string>

#include <catch2/catch.hpp>

#include <qsearch/targets.hpp>
#include <qsearch/unitary_io.hpp>

namespace {

// The column a permutation target sends basis state `from` to (it must be a permutation).
int image(const qs::matrix& u, int from) {
  for (int to = 0; to < u.rows(); ++to) {
    if (std::abs(u(to, from) - 1.0) < 1e-15) {
      return to;
    }
  }
  return -1;
}

} // namespace

TEST_CASE("every listed target is a unitary of its listed size", "[qsearch][targets]") {
  const auto targets = qs::list_targets();
  CHECK(targets.size() == 15);
  for (const qs::target_info& t : targets) {
    INFO(t.name);
    const qs::matrix u = qs::make_target(t.name);
    CHECK(u.rows() == (1 << t.qubits));
    CHECK_NOTHROW(qs::validate_unitary(u, t.name));
    CHECK_FALSE(t.description.empty());
  }
}

TEST_CASE("the QFT targets are omega^(xy)/sqrt(N)", "[qsearch][targets]") {
  const qs::matrix q = qs::make_target("qft2");
  const qs::complex i(0, 1);
  const qs::complex expected[4][4] = {
      {1, 1, 1, 1}, {1, i, -1.0, -i}, {1, -1.0, 1, -1.0}, {1, -i, -1.0, i}};
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) {
      CHECK(std::abs(q(r, c) - expected[r][c] / 2.0) < 1e-15);
    }
  }
  const qs::matrix q3 = qs::make_target("qft3");
  CHECK(std::abs(q3(3, 5) - std::polar(1 / std::sqrt(8.0), 2 * std::numbers::pi * 15 / 8)) < 1e-15);
}

TEST_CASE("the reversible targets permute basis states as defined, big-endian",
          "[qsearch][targets]") {
  // Basis index bits: q0 q1 q2 from most to least significant.
  const qs::matrix toffoli = qs::make_target("toffoli");
  CHECK(image(toffoli, 0b110) == 0b111);
  CHECK(image(toffoli, 0b101) == 0b101);
  const qs::matrix fredkin = qs::make_target("fredkin");
  CHECK(image(fredkin, 0b101) == 0b110);
  CHECK(image(fredkin, 0b001) == 0b001);
  const qs::matrix peres = qs::make_target("peres");
  CHECK(image(peres, 0b100) == 0b111); // CX sets q1, then CCX fires
  CHECK(image(peres, 0b110) == 0b100);
  CHECK(image(peres, 0b010) == 0b010);
  const qs::matrix or_gate = qs::make_target("or");
  CHECK(image(or_gate, 0b010) == 0b011);
  CHECK(image(or_gate, 0b100) == 0b101);
  CHECK(image(or_gate, 0b001) == 0b001);
  const qs::matrix adder = qs::make_target("full_adder"); // |a b c d> -> |a b s d^carry>
  CHECK(image(adder, 0b1100) == 0b1101);
  CHECK(image(adder, 0b1010) == 0b1001);
  CHECK(image(adder, 0b0010) == 0b0010);
  CHECK(image(adder, 0b1110) == 0b1111);
}

TEST_CASE("hhl and miro have the defined entries", "[qsearch][targets]") {
  const qs::matrix hhl = qs::make_target("hhl");
  CHECK(hhl(0, 3) == qs::complex(0, -1));
  CHECK(hhl(1, 2) == -1.0);
  CHECK(hhl(2, 1) == 1.0);
  CHECK(hhl(3, 0) == -1.0);
  CHECK(hhl(6, 6) == -1.0);
  CHECK(hhl(7, 7) == qs::complex(0, 1));
  const qs::matrix miro = qs::make_target("miro");
  CHECK(std::abs(miro(0, 0) - std::cos(std::numbers::pi / 6)) < 1e-15);
  CHECK(std::abs(miro(7, 0) - qs::complex(0, -0.5)) < 1e-15);
  CHECK(std::abs(miro(1, 1) - std::cos(std::numbers::pi / 6)) < 1e-15);
  CHECK(miro(1, 0) == 0.0);
}

TEST_CASE("TFIM targets load from the bundled data", "[qsearch][targets]") {
  CHECK(qs::make_target("tfim_3_3").rows() == 8);
  CHECK(qs::make_target("tfim_30_4").rows() == 16);
  CHECK(qs::make_target("tfim_3_3") ==
        qs::read_unitary(std::string(QSEARCH_DATA_DIR) + "/circuit_eph_1.0_time_3_3.unitary"));
}

TEST_CASE("an unknown target name lists the known ones", "[qsearch][targets]") {
  try {
    qs::make_target("qft9");
    FAIL("no error");
  } catch (const qs::input_error& error) {
    const std::string message = error.what();
    CHECK(message.find("unknown target 'qft9'") != std::string::npos);
    CHECK(message.find("toffoli") != std::string::npos);
    CHECK(message.find("tfim_60_3") != std::string::npos);
  }
}
