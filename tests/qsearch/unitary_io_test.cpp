#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include <support/temp_dir.hpp>

#include <qsearch/random.hpp>
#include <qsearch/unitary_io.hpp>

namespace {

// The message of the input_error that reading `file` throws, or "" if it reads fine.
std::string read_error(const std::filesystem::path& file) {
  try {
    qs::read_unitary(file);
  } catch (const qs::input_error& error) {
    return error.what();
  }
  return "";
}

std::string npy_header(const std::string& dict) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  return bytes + header;
}

std::string raw_doubles(std::initializer_list<double> values) {
  std::string bytes;
  for (const double v : values)
    bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
  return bytes;
}

} // namespace

TEST_CASE("a unitary round-trips bit-exactly through text and npy files", "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_test");
  const qs::matrix u = qs::haar_random_unitary(3, 5);
  qs::write_unitary_text(dir / "u.txt", u);
  qs::write_unitary_npy(dir / "u.npy", u);
  CHECK(qs::read_unitary(dir / "u.txt") == u);
  CHECK(qs::read_unitary(dir / "u.npy") == u);
}

TEST_CASE("text files accept NumPy's complex forms, comments and commas", "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_test");
  const auto file = dir.write("forms.txt", "# a comment\n"
                                           "(0.6+0j) 0.8j\n"
                                           "\n"
                                           "+8e-1, -0.6j  # trailing comment\n");
  const qs::matrix u = qs::read_unitary(file);
  REQUIRE(u.rows() == 2);
  CHECK(u(0, 0) == qs::complex(0.6, 0));
  CHECK(u(0, 1) == qs::complex(0, 0.8));
  CHECK(u(1, 0) == qs::complex(0.8, 0));
  CHECK(u(1, 1) == qs::complex(0, -0.6));
  const auto signs = dir.write("signs.txt", "(6e-1-0e+00j) (0-8.0e-1j)\n(-0.8+0j) -0.6j\n");
  CHECK(qs::read_unitary(signs)(0, 1) == qs::complex(0, -0.8));
}

TEST_CASE("npy files in Fortran order and float64 dtype are read", "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_test");
  // [[0, 1], [1j, 0]] in column order: (0,0), (1,0), (0,1), (1,1).
  const auto fortran =
      dir.write("f.npy", npy_header("{'descr': '<c16', 'fortran_order': True, 'shape': (2, 2), }") +
                             raw_doubles({0, 0, 0, 1, 1, 0, 0, 0}));
  const qs::matrix u = qs::read_unitary(fortran);
  CHECK(u(1, 0) == qs::complex(0, 1));
  CHECK(u(0, 1) == qs::complex(1, 0));
  const auto real =
      dir.write("r.npy", npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }") +
                             raw_doubles({0, 1, 1, 0}));
  CHECK(qs::read_unitary(real)(0, 1) == qs::complex(1, 0));
}

TEST_CASE("bad unitary files give a one-line error naming the problem", "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_test");
  std::string size6;
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 6; ++j)
      size6 += i == j ? "1 " : "0 ";
    size6 += '\n';
  }
  const std::string valid_header =
      npy_header("{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }");
  const std::vector<std::pair<std::filesystem::path, std::string>> cases{
      {dir / "missing.txt", "cannot open"},
      {dir.write("empty.txt", "# nothing\n"), "no numbers"},
      {dir.write("ragged.txt", "1 0\n0\n"), "row 2 has 1 entries, expected 2"},
      {dir.write("token.txt", "1 zero\n0 1\n"), "'zero' is not a complex number"},
      {dir.write("rect.txt", "1 0 0\n0 1 0\n"), "2x3 is not square"},
      {dir.write("one.txt", "1\n"), "1x1 is not a power-of-2 size"},
      {dir.write("six.txt", size6), "6x6 is not a power-of-2 size"},
      {dir.write("nan.txt", "nan 0\n0 1\n"), "entry (0,0) is not finite"},
      {dir.write("inf.txt", "1 0\n0 -inf\n"), "entry (1,1) is not finite"},
      {dir.write("shear.txt", "1 1\n0 1\n"), "not unitary"},
      {dir.write("short.npy", std::string("\x93NUMPY\x01", 7)), "truncated npy"},
      {dir.write("cut.npy", valid_header + raw_doubles({1, 0, 0})), "truncated npy"},
      {dir.write("int.npy",
                 npy_header("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }") +
                     std::string(16, '\0')),
       "unsupported dtype '<i4'"},
      {dir.write(
           "huge.npy",
           npy_header("{'descr': '<c16', 'fortran_order': False, 'shape': (900000, 900000), }")),
       "too large"},
      {dir.write("vector.npy",
                 npy_header("{'descr': '<c16', 'fortran_order': False, 'shape': (4,), }") +
                     raw_doubles({1, 0, 0, 0, 0, 0, 0, 0})),
       "need a 2-D matrix"},
      {dir.write("version.npy", std::string("\x93NUMPY\x09\x00\x00\x00", 10)),
       "unsupported npy version"},
  };
  for (const auto& [file, phrase] : cases) {
    const std::string message = read_error(file);
    INFO(file.filename().string() << ": " << message);
    CHECK(message.find(phrase) != std::string::npos);
    CHECK(message.find(file.filename().string()) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("reversing the qubit order is an involution that swaps a CNOT's roles", "[qsearch][io]") {
  const qs::matrix u = qs::haar_random_unitary(3, 9);
  CHECK(qs::reverse_qubit_order(qs::reverse_qubit_order(u)) == u);
  qs::matrix cx01 = qs::matrix::Zero(4, 4); // control q0 (most significant), target q1
  cx01(0, 0) = cx01(1, 1) = cx01(2, 3) = cx01(3, 2) = 1;
  qs::matrix cx10 = qs::matrix::Zero(4, 4); // control q1, target q0
  cx10(0, 0) = cx10(2, 2) = cx10(1, 3) = cx10(3, 1) = 1;
  CHECK(qs::reverse_qubit_order(cx01) == cx10);
}
