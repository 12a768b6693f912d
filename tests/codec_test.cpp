#include <array>
#include <complex>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <yieldtasks/codec.hpp>

namespace {

enum class colour : std::uint8_t { red, green };

struct point {
  double x;
  double y;
  friend bool operator==(const point&, const point&) = default;
};

// Not trivially copyable: encoded through codec_fields, found by argument-dependent lookup.
struct sample {
  std::string label;
  std::vector<point> points;
  std::optional<colour> tint;
  friend bool operator==(const sample&, const sample&) = default;
};
auto codec_fields(sample& s) {
  return std::tie(s.label, s.points, s.tint);
}

// A type with a codec of its own: stored as its text.
struct celsius {
  int degrees = 0;
  friend bool operator==(const celsius&, const celsius&) = default;
};

struct holds_a_pointer_only_by_type {
  std::map<int, int> table; // no codec for std::map, no codec_fields
};

template <class T> T round_trip(const T& value) {
  return yt::decode<T>(yt::encode(value));
}

} // namespace

template <> struct yt::codec<celsius> {
  static void encode(byte_writer& writer, const celsius& value) {
    codec<std::string>::encode(writer, std::to_string(value.degrees));
  }
  static celsius decode(byte_reader& reader) {
    return celsius{std::stoi(codec<std::string>::decode(reader))};
  }
};

TEST_CASE("codec: trivially copyable values round-trip bytewise") {
  CHECK(round_trip(42) == 42);
  CHECK(round_trip(-1.5e300) == -1.5e300);
  CHECK(round_trip(colour::green) == colour::green);
  CHECK(round_trip(point{1, 2}) == point{1, 2});
  CHECK(round_trip(std::complex<double>(1, -2)) == std::complex<double>(1, -2));
  CHECK(round_trip(std::array<int, 3>{1, 2, 3}) == std::array<int, 3>{1, 2, 3});
  CHECK(yt::encode(point{1, 2}).size() == sizeof(point));
}

TEST_CASE("codec: standard containers round-trip, nested") {
  const std::string text("with a \0 inside", 15);
  CHECK(round_trip(text) == text);
  CHECK(round_trip(std::string()).empty());
  const std::vector<std::vector<double>> nested{{1.0, 2.0}, {}, {3.0}};
  CHECK(round_trip(nested) == nested);
  const std::vector<bool> flags{true, false, true};
  CHECK(round_trip(flags) == flags);
  const std::vector<std::string> words{"a", "", "ccc"};
  CHECK(round_trip(words) == words);
  CHECK(round_trip(std::optional<std::string>("x")) == std::optional<std::string>("x"));
  CHECK(round_trip(std::optional<std::string>()) == std::nullopt);
  const std::pair<std::string, int> pair{"p", 7};
  CHECK(round_trip(pair) == pair);
  const std::tuple<int, std::string, std::vector<int>> tuple{1, "t", {2, 3}};
  CHECK(round_trip(tuple) == tuple);
  const std::array<std::string, 2> strings{"x", "yz"};
  CHECK(round_trip(strings) == strings);
}

TEST_CASE("codec: Eigen matrices keep their shape and every bit") {
  const Eigen::MatrixXcd unitary = Eigen::MatrixXcd::Random(8, 8);
  const Eigen::MatrixXcd copy = round_trip(unitary);
  REQUIRE(copy.rows() == 8);
  REQUIRE(copy.cols() == 8);
  CHECK(copy == unitary);
  const Eigen::Matrix<double, 3, 2, Eigen::RowMajor> fixed = decltype(fixed)::Random();
  CHECK(round_trip(fixed) == fixed);
  const Eigen::VectorXd empty;
  CHECK(round_trip(empty).size() == 0);
}

TEST_CASE("codec: user types through codec_fields or a specialization") {
  const sample s{"s", {{1, 2}, {3, 4}}, colour::red};
  CHECK(round_trip(s) == s);
  CHECK(round_trip(std::vector<sample>{s, sample{}}) == std::vector<sample>{s, sample{}});
  CHECK(round_trip(celsius{-40}) == celsius{-40});
}

TEST_CASE("codec: types that refer to this process's memory are not encodable") {
  STATIC_REQUIRE_FALSE(yt::encodable<int*>);
  STATIC_REQUIRE_FALSE(yt::encodable<const char*>);
  STATIC_REQUIRE_FALSE(yt::encodable<std::string_view>);
  STATIC_REQUIRE_FALSE(yt::encodable<std::span<const int>>);
  STATIC_REQUIRE_FALSE(yt::encodable<std::vector<int*>>);
  STATIC_REQUIRE_FALSE(yt::encodable<holds_a_pointer_only_by_type>);
  STATIC_REQUIRE(yt::encodable<std::vector<sample>>);
}

TEST_CASE("codec: bad bytes are a codec_error, never a crash or a huge allocation") {
  const std::vector<std::byte> bytes = yt::encode(std::string("hello"));
  CHECK_THROWS_AS(yt::decode<std::string>(std::span(bytes).first(bytes.size() - 1)),
                  yt::codec_error);
  std::vector<std::byte> longer = bytes;
  longer.push_back(std::byte{0});
  CHECK_THROWS_WITH(yt::decode<std::string>(longer), Catch::Contains("left over"));
  // A size field claiming 2^60 elements, with nothing after it.
  const std::vector<std::byte> bogus = yt::encode(std::uint64_t{1} << 60U);
  CHECK_THROWS_AS(yt::decode<std::vector<double>>(bogus), yt::codec_error);
  CHECK_THROWS_AS(yt::decode<std::vector<std::string>>(bogus), yt::codec_error);
  CHECK_THROWS_AS(yt::decode<Eigen::MatrixXd>(yt::encode(std::pair<std::uint64_t, std::uint64_t>(
                      std::uint64_t{1} << 40U, std::uint64_t{1} << 40U))),
                  yt::codec_error);
  CHECK_THROWS_AS(yt::decode<int>(std::span<const std::byte>()), yt::codec_error);
}
