#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <support/mutate.hpp>
#include <support/polar_factor.hpp>
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
  for (const double v : values) {
    bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  return bytes;
}

// Whether a terminal shows `text` as is: no control byte, no DEL, nothing above ASCII.
bool printable_ascii(const std::string& text) {
  return std::ranges::all_of(text, [](char c) { return c >= 0x20 && c < 0x7f; });
}

// A 4x4 identity in C order, complex128.
std::string identity4_data() {
  std::string bytes;
  for (int k = 0; k < 16; ++k) {
    bytes += raw_doubles({k % 5 == 0 ? 1.0 : 0.0, 0});
  }
  return bytes;
}

std::string dict_with_shape(const std::string& shape) {
  return "{'descr': '<c16', 'fortran_order': False, 'shape': " + shape + ", }";
}

// [[0.6, 0.8i], [0.8, -0.6i]]: unitary, and so is its transpose (what Fortran order gives).
qs::matrix fuzz_base() {
  qs::matrix m(2, 2);
  m << qs::complex(0.6, 0), qs::complex(0, 0.8), qs::complex(0.8, 0), qs::complex(0, -0.6);
  return m;
}

// One spelling of part of a file, and whether a correct parser accepts the file it makes.
struct variant {
  std::string text;
  bool valid;
};

const variant& pick(const std::vector<variant>& variants, qs::splitmix64& random) {
  // Mostly valid spellings, so that many files combine several valid ones and still parse.
  std::vector<const variant*> chosen;
  const bool valid = random.next() % 4 != 0;
  for (const variant& v : variants) {
    if (v.valid == valid) {
      chosen.push_back(&v);
    }
  }
  return *chosen[random.next() % chosen.size()];
}

// A new file name per trial: truncating a file that was just written can wait ~10 ms for the
// disk (ext4 flushes it first), which made the fuzz test take 20 s instead of 1.
std::string fresh_name(int trial, const std::string& suffix) {
  return "fuzz_" + std::to_string(trial) + "_" + suffix;
}

// The mutations' inserted bytes: digits, signs, the parts of complex numbers and npy headers.
constexpr std::string_view fuzz_alphabet = "0123456789.-+eEj() ,\n#'TF(x";

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
    for (int j = 0; j < 6; ++j) {
      size6 += i == j ? "1 " : "0 ";
    }
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

TEST_CASE("nearest_unitary returns the polar factor of a nearly unitary matrix", "[qsearch][io]") {
  for (int qubits = 1; qubits <= 6; ++qubits) {
    qs::matrix given = qs::haar_random_unitary(qubits, static_cast<std::uint64_t>(qubits));
    const qs::matrix noise =
        qs::haar_random_unitary(qubits, 100 + static_cast<std::uint64_t>(qubits));
    given += 1e-9 * noise; // still within validate_unitary's 1e-8
    REQUIRE(qs::unitarity_error(given) <= 1e-8);
    INFO(qubits << " qubits");
    const qs::matrix nearest = qs::nearest_unitary(given);
    CHECK(qs::unitarity_error(nearest) < 1e-14);
    CHECK((nearest - yt_test::polar_factor(given)).cwiseAbs().maxCoeff() < 1e-14);
    // The polar factor W of `given` is the unitary with W†·given Hermitian positive definite.
    const qs::matrix h = nearest.adjoint() * given;
    CHECK((h - h.adjoint()).cwiseAbs().maxCoeff() < 1e-14);
    CHECK((nearest - given).cwiseAbs().maxCoeff() < 1e-8);
  }
  const qs::matrix exact = qs::haar_random_unitary(3, 7);
  CHECK((qs::nearest_unitary(exact) - exact).cwiseAbs().maxCoeff() < 1e-15);
  CHECK_THROWS_AS(qs::nearest_unitary(2 * exact), std::invalid_argument);
}

TEST_CASE("numbers beyond a double's range are rejected, naming the file, line and token",
          "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_test");
  const std::string digits400(400, '1');
  const std::vector<std::pair<std::filesystem::path, std::string>> cases{
      {dir.write("big.txt", "1 1e400\n0 1\n"), "line 1: '1e400' is out of a double's range"},
      {dir.write("bigj.txt", "1 0\n0 -1e999j\n"), "line 2: '-1e999j' is out of a double's range"},
      {dir.write("digits.txt", "1 0\n" + digits400 + " 1\n"),
       "line 2: '" + digits400.substr(0, 40) + "...' is out of a double's range"},
      {dir.write("pair.txt", "(1+1e400j) 0\n0 1\n"),
       "line 1: '(1+1e400j)' is out of a double's range"},
  };
  for (const auto& [file, phrase] : cases) {
    const std::string message = read_error(file);
    INFO(file.filename().string() << ": " << message);
    CHECK(message.find(phrase) != std::string::npos);
    CHECK(message.find(file.filename().string()) != std::string::npos);
  }
}

TEST_CASE("numbers below a double's smallest magnitude round to zero", "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_test");
  const qs::matrix u = qs::read_unitary(dir.write("tiny.txt", "(1+1e-400j) 4e-320\n-1e-999j 1\n"));
  CHECK(u(0, 0) == qs::complex(1, 0));
  CHECK(u(0, 1) == qs::complex(4e-320, 0)); // a subnormal keeps its value
  CHECK(u(1, 0) == qs::complex(0, 0));
}

TEST_CASE("npy headers that numpy would reject are rejected", "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_test");
  const std::string data = raw_doubles({1, 0, 0, 0, 0, 0, 1, 0});
  const std::vector<std::pair<std::string, std::string>> cases{
      {"{'descr': '<c16', 'fortran_order': true, 'shape': (2, 2), }",
       "'fortran_order' must be True or False, not 'true'"},
      {"{'descr': '<c16', 'fortran_order': Maybe, 'shape': (2, 2), }",
       "'fortran_order' must be True or False, not 'Maybe'"},
      {"{'descr': '<c16', 'fortran_order': 'True', 'shape': (2, 2), }",
       "'fortran_order' must be True or False"},
      {"{'descr': '<c16', 'fortran_order': 0, 'shape': (2, 2), }",
       "'fortran_order' must be True or False"},
      {"{'descr': <c16, 'fortran_order': False, 'shape': (2, 2), }",
       "'descr' must be a quoted dtype"},
      {"{'descr': ['<c16'], 'fortran_order': False, 'shape': (2, 2), }",
       "'descr' must be a quoted dtype"},
      {"{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), 'extra': 1, }",
       "unknown key 'extra'"},
      {"{'descr': '<c16', 'descr': '<c16', 'fortran_order': False, 'shape': (2, 2)}",
       "'descr' appears twice"},
      {"{'descr': '<c16', 'shape': (2, 2), }", "no 'fortran_order'"},
      {"['descr', '<c16', 'fortran_order', False, 'shape', (2, 2)]", "is not a dict"},
      {"{'descr': '<c16' 'fortran_order': False, 'shape': (2, 2)}", "expected ','"},
      {"{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), } junk", "after the '}'"},
  };
  for (const auto& [dict, phrase] : cases) {
    const auto file = dir.write("header.npy", npy_header(dict) + data);
    const std::string message = read_error(file);
    INFO(dict << " -> " << message);
    CHECK(message.find(phrase) != std::string::npos);
    CHECK(message.find("header.npy") != std::string::npos);
  }
  // Valid spellings numpy also accepts: double quotes, any key order, no trailing comma.
  const auto reordered = dir.write(
      "reordered.npy",
      npy_header("{\"shape\": (2, 2), \"fortran_order\": False, \"descr\": \"<c16\"}") + data);
  CHECK(qs::read_unitary(reordered) == qs::matrix::Identity(2, 2));
}

TEST_CASE("npy shapes must be a tuple of two non-negative integers", "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_test");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"(-4, -4)", "npy shape (-4, -4) is not a tuple of non-negative integers"},
      {"(4 4)", "npy shape (4 4) is not a tuple of non-negative integers"},
      {"(+4, 4)", "is not a tuple of non-negative integers"},
      {"(4.0, 4)", "is not a tuple of non-negative integers"},
      {"(a, b)", "is not a tuple of non-negative integers"},
      {"(4,, 4)", "is not a tuple of non-negative integers"},
      {"(04, 4)", "is not a tuple of non-negative integers"},
      {"(4)", "is not a tuple of non-negative integers"},
      {"[4, 4]", "is not a tuple of non-negative integers"},
      {"(4, 4, 1)", "need a 2-D matrix"},
      {"()", "need a 2-D matrix"},
      {"(99999999999999999999999, 4)", "too large"},
      {"(2048, 2048)", "too large"},
  };
  for (const auto& [shape, phrase] : cases) {
    const auto file = dir.write("shape.npy", npy_header(dict_with_shape(shape)) + identity4_data());
    const std::string message = read_error(file);
    INFO(shape << " -> " << message);
    CHECK(message.find(phrase) != std::string::npos);
  }
  for (const std::string shape : {"(4,4)", "(4, 4,)", "( 4 , 4 , )"}) {
    const auto file = dir.write("shape.npy", npy_header(dict_with_shape(shape)) + identity4_data());
    INFO(shape);
    CHECK(qs::read_unitary(file) == qs::matrix::Identity(4, 4));
  }
}

TEST_CASE("endless devices are refused at their first NUL byte", "[qsearch][io]") {
  for (const std::string device : {"/dev/zero", "/dev/urandom"}) {
    const auto start = std::chrono::steady_clock::now();
    const std::string message = read_error(device);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(device << ": " << message);
    CHECK(message.starts_with(device));
    CHECK(message.find(": byte ") == device.size());
    CHECK(message.find("is NUL: neither a text unitary nor a .npy file") != std::string::npos);
    CHECK(seconds < 1);
  }
}

TEST_CASE("a text file is read only up to the most a 10-qubit unitary needs", "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_large");
  // 128 MiB and one byte of blanks: no NUL, so only the size limit stops it.
  const auto file = dir.write("large.txt", std::string((std::size_t{128} << 20) + 1, ' '));
  const std::string message = read_error(file);
  CHECK(message.find("large.txt: larger than 134217728 bytes, the most a unitary of up to 10 "
                     "qubits needs") != std::string::npos);
}

TEST_CASE("text with more than 1024 rows or columns is refused", "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_test");
  std::string row;
  for (int j = 0; j < 1025; ++j) {
    row += "0 ";
  }
  std::string column;
  for (int i = 0; i < 1025; ++i) {
    column += "0\n";
  }
  for (const auto& file : {dir.write("row.txt", row), dir.write("column.txt", column)}) {
    const std::string message = read_error(file);
    INFO(message);
    CHECK(message.find("more than 1024 rows or columns (10 qubits)") != std::string::npos);
  }
}

TEST_CASE("messages show bytes from the file escaped, never raw", "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_test");
  const std::vector<std::pair<std::filesystem::path, std::string>> cases{
      {dir.write("escape.txt", std::string("1 \x1b[31mred\x01\x7f\\\n0 1\n", 18)),
       "'\\x1b[31mred\\x01\\x7f\\\\' is not a complex number"},
      {dir.write("long.txt", std::string(1000, 'a') + " 0\n0 1\n"),
       std::string(1, '\'').append(40, 'a').append("...' is not a complex number")},
      {dir.write("descr.npy",
                 npy_header("{'descr': '\x1b[2J\x9b', 'fortran_order': False, 'shape': (2, 2)}") +
                     std::string(64, '\0')),
       "unsupported dtype '\\x1b[2J\\x9b'"},
      {dir.write("fortran.npy",
                 npy_header("{'descr': '<c16', 'fortran_order': Tr\x1bue\x07, 'shape': (2, 2)}") +
                     std::string(64, '\0')),
       "not 'Tr\\x1bue\\x07'"},
  };
  for (const auto& [file, phrase] : cases) {
    const std::string message = read_error(file);
    INFO(file.filename().string() << ": " << message);
    CHECK(printable_ascii(message));
    CHECK(message.find(phrase) != std::string::npos);
  }
}

TEST_CASE("mutated unitary files parse to the right unitary or throw input_error",
          "[qsearch][io]") {
  const yt_test::temp_dir dir("qsearch_io_test");
  const qs::matrix base = fuzz_base();
  qs::splitmix64 random(23);
  const std::string zeros400(400, '0');
  const std::string digits400(400, '1');
  // Text: each entry spelled in one of several ways with the same value, or replaced by a token
  // a correct parser rejects (or that yields a non-unitary, non-finite matrix).
  const std::vector<variant> wrong_entry{
      {"1e400", false},        {"-1e999j", false},    {digits400, false},
      {"(0.6+1e400j)", false}, {"0.6+1e999j", false}, {"-" + digits400 + "j", false},
      {"1e-400", false},       {"inf", false},        {"--0.6", false},
      {"0.6jj", false},        {"0x1p-1", false},     {"\x1b[31m", false},
  };
  const std::vector<std::vector<variant>> entries{
      {{"0.6", true},
       {"6e-1", true},
       {"+0.6", true},
       {"(0.6+0j)", true},
       {"0.6-0j", true},
       {"0.6" + zeros400, true},
       {"6" + zeros400 + "e-401", true}},
      {{"0.8j", true}, {"(0+0.8j)", true}, {"8e-1j", true}, {"+0.8" + zeros400 + "j", true}},
      {{"0.8", true}, {"(8e-1+0e0j)", true}, {"80" + zeros400 + "e-402", true}},
      {{"-0.6j", true}, {"(0-0.6j)", true}, {"-6e-1J", true}, {"-0-0.6j", true}},
  };
  const std::vector<std::string> separators{" ", ", ", "\t", ","};
  int parsed = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    bool valid = true;
    std::string text = random.next() % 2 ? "# fuzz\n" : "";
    for (std::size_t k = 0; k < 4; ++k) {
      const bool wrong = random.next() % 8 == 0;
      const variant& entry = wrong ? wrong_entry[random.next() % wrong_entry.size()]
                                   : entries[k][random.next() % entries[k].size()];
      valid = valid && entry.valid;
      text += entry.text + (k % 2 == 0 ? separators[random.next() % separators.size()] : "\n");
    }
    const auto file = dir.write(fresh_name(trial, ".txt"), text);
    INFO(text);
    if (valid) {
      REQUIRE(qs::read_unitary(file) == base);
      ++parsed;
    } else {
      REQUIRE_THROWS_AS(qs::read_unitary(file), qs::input_error);
    }
  }
  CHECK(parsed > 100);

  // npy: each header value spelled validly or as garbage numpy rejects; the dict reordered.
  const std::vector<variant> descrs{
      {"'<c16'", true},     {"\"<c16\"", true},       {"'<c8'", false},  {"<c16", false},
      {"'<c16", false},     {"['<c16']", false},      {"'<C16'", false}, {"''", false},
      {"'\x1b[2J'", false}, {"'<c16' '<c16'", false},
  };
  const std::vector<variant> fortran_orders{
      {"True", true},  {"False", true},        {"true", false},  {"Maybe", false},
      {"1", false},    {"'True'", false},      {"Truee", false}, {"", false},
      {"None", false}, {"False False", false},
  };
  const std::vector<variant> shapes{
      {"(2, 2)", true},
      {"(2,2)", true},
      {"(2, 2,)", true},
      {"( 2 , 2 , )", true},
      {"(-2, -2)", false},
      {"(2, 2, 1)", false},
      {"(2,)", false},
      {"()", false},
      {"(a, b)", false},
      {"(2 2)", false},
      {"(2,,2)", false},
      {"(+2, 2)", false},
      {"[2, 2]", false},
      {"(2, 2", false},
      {"(2)", false},
      {"(02, 2)", false},
      {"(2.0, 2)", false},
      {"(1, 4)", false},
      {"(99999999999999999999999, 2)", false},
      {"(4096, 4096)", false},
  };
  using layout =
      std::function<std::string(const std::string&, const std::string&, const std::string&)>;
  const std::vector<std::pair<layout, bool>> layouts{
      {[](auto& d, auto& f, auto& s) { return "{" + d + ", " + f + ", " + s + ", }"; }, true},
      {[](auto& d, auto& f, auto& s) { return "{" + d + ", " + f + ", " + s + "}"; }, true},
      {[](auto& d, auto& f, auto& s) { return "{" + s + ", " + d + ", " + f + "}"; }, true},
      {[](auto& d, auto& f, auto& s) { return "{ " + f + " ,\n" + s + " , " + d + " }"; }, true},
      {[](auto& d, auto& f, auto&) { return "{" + d + ", " + f + "}"; }, false},
      {[](auto& d, auto& f, auto& s) { return "{" + d + ", " + f + ", " + s + ", 'x': 1}"; },
       false},
      {[](auto& d, auto& f, auto& s) { return "{" + d + ", " + d + ", " + f + ", " + s + "}"; },
       false},
      {[](auto& d, auto& f, auto& s) { return d + ", " + f + ", " + s; }, false},
      {[](auto& d, auto& f, auto& s) { return "{" + d + " " + f + ", " + s + "}"; }, false},
      {[](auto& d, auto& f, auto& s) { return "{" + d + ", " + f + ", " + s + "} x"; }, false},
      {[](auto& d, auto& f, auto& s) { return "{" + d + ", " + f + ", " + s + ",,}"; }, false},
      {[](auto& d, auto& f, auto& s) { return "[" + d + ", " + f + ", " + s + "]"; }, false},
  };
  const std::string data = raw_doubles({0.6, 0, 0, 0.8, 0.8, 0, 0, -0.6});
  parsed = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    const variant& descr = pick(descrs, random);
    const variant& fortran = pick(fortran_orders, random);
    const variant& shape = pick(shapes, random);
    const auto& [make, layout_valid] =
        layouts[random.next() % 4 != 0 ? random.next() % 4
                                       : 4 + random.next() % (layouts.size() - 4)];
    const std::string dict = make("'descr': " + descr.text, "'fortran_order': " + fortran.text,
                                  "'shape': " + shape.text);
    const auto file = dir.write(fresh_name(trial, ".npy"), npy_header(dict) + data);
    INFO(dict);
    if (descr.valid && fortran.valid && shape.valid && layout_valid) {
      REQUIRE(qs::read_unitary(file) ==
              (fortran.text == "True" ? qs::matrix(base.transpose()) : base));
      ++parsed;
    } else {
      REQUIRE_THROWS_AS(qs::read_unitary(file), qs::input_error);
    }
  }
  CHECK(parsed > 100);

  // Random byte edits: whatever comes out is a finite unitary, or the error is input_error.
  qs::write_unitary_text(dir / "base.txt", base);
  qs::write_unitary_npy(dir / "base.npy", base);
  for (const std::string name : {"base.txt", "base.npy"}) {
    std::ifstream in(dir / name, std::ios::binary);
    const std::string original{std::istreambuf_iterator<char>(in), {}};
    for (int trial = 0; trial < 1500; ++trial) {
      const auto file = dir.write(fresh_name(trial, name),
                                  yt_test::mutate_bytes(original, random, fuzz_alphabet));
      try {
        const qs::matrix u = qs::read_unitary(file);
        REQUIRE(u.rows() == u.cols());
        REQUIRE(u.allFinite());
        REQUIRE(
            (u.adjoint() * u - qs::matrix::Identity(u.rows(), u.cols())).cwiseAbs().maxCoeff() <=
            1e-8);
      } catch (const qs::input_error& error) {
        REQUIRE(printable_ascii(error.what()));
      }
    }
  }
}
