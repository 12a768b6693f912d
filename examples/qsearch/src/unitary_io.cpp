#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include <qsearch/bounded_read.hpp>
#include <qsearch/printable.hpp>
#include <qsearch/unitary_io.hpp>

namespace qs {
namespace {

// The search cannot handle more than 10 qubits anyway; the limit also bounds what a file may
// make us read and allocate.
constexpr int max_qubits = 10;
constexpr std::int64_t max_dimension = std::int64_t{1} << max_qubits;
constexpr std::size_t max_npy_data = 16 * max_dimension * max_dimension; // complex128
// The most a version 1.0 header can be; numpy writes headers of about 128 bytes.
constexpr std::size_t max_npy_header = 65535;
// A 10-qubit unitary as numpy.savetxt writes it takes about 50 MB; room for longer spellings.
constexpr std::size_t max_text_bytes = std::size_t{128} << 20;

std::string file_name(const std::filesystem::path& file) {
  return file.string();
}

bool is_npy(std::string_view bytes) {
  return bytes.substr(0, 6) == "\x93NUMPY";
}

// Where the header dict of an .npy file lies, from its first 12 bytes.
struct npy_header_span {
  std::size_t start = 0;
  std::size_t length = 0;
};

npy_header_span locate_npy_header(std::string_view bytes, const std::filesystem::path& file) {
  const auto truncated = [&] {
    return input_error(fmt::format("{}: truncated npy file", file_name(file)));
  };
  if (bytes.size() < 10) {
    throw truncated();
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  npy_header_span span;
  if (major == 1) {
    span.length = static_cast<unsigned char>(bytes[8]) |
                  static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
    span.start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      throw truncated();
    }
    for (int i = 3; i >= 0; --i) {
      span.length =
          span.length << 8 | static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(i)]);
    }
    span.start = 12;
  } else {
    throw input_error(fmt::format("{}: unsupported npy version {}", file_name(file), major));
  }
  if (span.length > max_npy_header) {
    throw input_error(fmt::format("{}: npy header of {} bytes is longer than {}", file_name(file),
                                  span.length, max_npy_header));
  }
  return span;
}

// The whole file, or input_error if it is longer than any unitary of up to max_qubits needs
// (an endless source must not be read without end) or is binary but not a .npy file.
std::string read_capped(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw input_error(fmt::format("{}: cannot open: {}", file_name(file),
                                  std::generic_category().message(errno)));
  }
  std::string bytes(12, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  std::size_t limit = max_text_bytes;
  const bool npy = is_npy(bytes);
  if (npy) {
    const npy_header_span header = locate_npy_header(bytes, file);
    limit = header.start + header.length + max_npy_data;
  }
  read_bounded(in, bytes, file_name(file), limit,
               fmt::format("the most a unitary of up to {} qubits needs", max_qubits),
               npy ? std::nullopt
                   : std::optional<std::string_view>("neither a text unitary nor a .npy file"));
  return bytes;
}

enum class number_status { ok, malformed, out_of_range };

// Whether a decimal that std::from_chars found out of range is too large rather than too
// small. Out-of-range doubles lie above 1e308 or below 1e-323, so the sign of the power of ten
// of the first nonzero digit decides.
bool too_large(std::string_view number) {
  const std::size_t e = number.find_first_of("eE");
  const std::string_view mantissa = number.substr(0, e);
  std::int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view digits = number.substr(e + 1);
    const bool negative = !digits.empty() && digits.front() == '-';
    if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
      digits.remove_prefix(1);
    }
    // An exponent beyond int64 saturates: no mantissa length can offset it.
    if (std::from_chars(digits.data(), digits.data() + digits.size(), exponent).ec != std::errc{}) {
      exponent = std::numeric_limits<std::int64_t>::max() / 2;
    }
    exponent = negative ? -exponent : exponent;
  }
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  const std::size_t first = mantissa.find_first_not_of("0.");
  if (first == std::string_view::npos) {
    return false;
  }
  const auto lead = first < point ? static_cast<std::int64_t>(point - first - 1)
                                  : -static_cast<std::int64_t>(first - point);
  return lead + exponent > 0;
}

// One number with an optional leading '+', which std::from_chars does not accept. A number
// below the smallest subnormal is read as a zero of its sign: that is its correct rounding.
number_status parse_real(std::string_view& text, double& value) {
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest.empty() || rest.front() == '+' || rest.front() == '-') {
    return number_status::malformed;
  }
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  const std::string_view number = rest.substr(0, static_cast<std::size_t>(end - rest.data()));
  if (error == std::errc::result_out_of_range) {
    if (too_large(number)) {
      return number_status::out_of_range;
    }
    value = 0;
  } else if (error != std::errc{}) {
    return number_status::malformed;
  }
  text = rest.substr(number.size());
  value = negative ? -value : value;
  return number_status::ok;
}

// `(a+bj)`, `a+bj`, `a-bj`, `a`, `bj`.
number_status parse_complex(std::string_view token, complex& value) {
  if (token.size() >= 2 && token.front() == '(' && token.back() == ')') {
    token = token.substr(1, token.size() - 2);
  }
  double first = 0;
  if (const number_status status = parse_real(token, first); status != number_status::ok) {
    return status;
  }
  if (token.empty()) {
    value = complex(first, 0);
    return number_status::ok;
  }
  if (token == "j" || token == "J") {
    value = complex(0, first);
    return number_status::ok;
  }
  double second = 0;
  if (const number_status status = parse_real(token, second); status != number_status::ok) {
    return status;
  }
  if (token != "j" && token != "J") {
    return number_status::malformed;
  }
  value = complex(first, second);
  return number_status::ok;
}

matrix parse_text(const std::string& text, const std::filesystem::path& file) {
  const auto too_many = [&] {
    return input_error(fmt::format("{}: more than {} rows or columns ({} qubits) are too many",
                                   file_name(file), max_dimension, max_qubits));
  };
  std::vector<std::vector<complex>> rows;
  std::istringstream lines(text);
  std::string line;
  int line_number = 0;
  while (std::getline(lines, line)) {
    ++line_number;
    if (const std::size_t hash = line.find('#'); hash != std::string::npos) {
      line.erase(hash);
    }
    std::ranges::replace(line, ',', ' ');
    std::istringstream tokens(line);
    std::vector<complex> row;
    std::string token;
    while (tokens >> token) {
      complex value;
      const number_status status = parse_complex(token, value);
      if (status != number_status::ok) {
        throw input_error(fmt::format(
            "{}: line {}: '{}' {}", file_name(file), line_number, printable(token),
            status == number_status::out_of_range ? "is out of a double's range (1.8e308 at most)"
                                                  : "is not a complex number"));
      }
      row.push_back(value);
      // Checked as the row grows: one line of 128 MiB could otherwise hold 64 million entries.
      if (static_cast<std::int64_t>(row.size()) > max_dimension) {
        throw too_many();
      }
    }
    if (row.empty()) {
      continue;
    }
    if (!rows.empty() && row.size() != rows.front().size()) {
      throw input_error(fmt::format("{}: row {} has {} entries, expected {}", file_name(file),
                                    rows.size() + 1, row.size(), rows.front().size()));
    }
    if (static_cast<std::int64_t>(rows.size()) == max_dimension) {
      throw too_many();
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) {
    throw input_error(fmt::format("{}: no numbers found", file_name(file)));
  }
  matrix u(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.front().size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t j = 0; j < rows[i].size(); ++j) {
      u(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
    }
  }
  return u;
}

// Python's whitespace, which may separate the tokens of the header dict.
constexpr std::string_view blanks = " \t\r\n\f\v";

// The end of the value that starts at `at`: a quoted string, a bracketed group (quotes inside
// skipped), or a bare word up to a blank, ',', ':' or '}'; npos if a quote or bracket is not
// closed.
std::size_t value_end(std::string_view header, std::size_t at) {
  const auto after_string = [&](std::size_t open) {
    const std::size_t close = header.find(header[open], open + 1);
    return close == std::string_view::npos ? close : close + 1;
  };
  const char first = header[at];
  if (first == '\'' || first == '"') {
    return after_string(at);
  }
  if (first != '(' && first != '[' && first != '{') {
    return std::min(header.find_first_of(" \t\r\n\f\v,:}", at), header.size());
  }
  int depth = 0;
  while (at < header.size()) {
    const char c = header[at];
    if (c == '\'' || c == '"') {
      at = after_string(at);
      continue;
    }
    depth += c == '(' || c == '[' || c == '{' ? 1 : c == ')' || c == ']' || c == '}' ? -1 : 0;
    ++at;
    if (depth == 0) {
      return at;
    }
  }
  return std::string_view::npos;
}

// The raw values of the three keys of an .npy header, which is a Python dict literal.
struct npy_header_values {
  std::optional<std::string_view> descr;
  std::optional<std::string_view> fortran_order;
  std::optional<std::string_view> shape;
};

// As numpy's own reader, accepts exactly the keys 'descr', 'fortran_order' and 'shape'.
npy_header_values split_npy_header(std::string_view header, const std::filesystem::path& file) {
  const auto malformed = [&](std::string_view why) {
    return input_error(
        fmt::format("{}: npy header is not a dict of 'descr', 'fortran_order' and 'shape' ({})",
                    file_name(file), why));
  };
  std::size_t at = 0;
  const auto skip_blanks = [&] {
    at = std::min(header.find_first_not_of(blanks, at), header.size());
  };
  const auto next_is = [&](char c) { return at < header.size() && header[at] == c; };
  skip_blanks();
  if (!next_is('{')) {
    throw malformed("it does not start with '{'");
  }
  ++at;
  npy_header_values values;
  for (skip_blanks(); !next_is('}'); skip_blanks()) {
    if (!next_is('\'') && !next_is('"')) {
      throw malformed(at == header.size() ? "no closing '}'" : "expected a quoted key");
    }
    const std::size_t key_end = value_end(header, at);
    if (key_end == std::string_view::npos) {
      throw malformed("a key is not closed");
    }
    const std::string_view key = header.substr(at + 1, key_end - at - 2);
    std::optional<std::string_view>* slot = key == "descr"           ? &values.descr
                                            : key == "fortran_order" ? &values.fortran_order
                                            : key == "shape"         ? &values.shape
                                                                     : nullptr;
    if (slot == nullptr) {
      throw malformed(fmt::format("unknown key '{}'", printable(key)));
    }
    if (slot->has_value()) {
      throw malformed(fmt::format("'{}' appears twice", key));
    }
    at = key_end;
    skip_blanks();
    if (!next_is(':')) {
      throw malformed(fmt::format("expected ':' after '{}'", key));
    }
    ++at;
    skip_blanks();
    const std::size_t end = at == header.size() ? at : value_end(header, at);
    if (end == std::string_view::npos) {
      throw malformed(fmt::format("the value of '{}' is not closed", key));
    }
    *slot = header.substr(at, end - at);
    at = end;
    skip_blanks();
    if (next_is(',')) {
      ++at;
    } else if (!next_is('}')) {
      throw malformed(fmt::format("expected ',' or '}}' after the value of '{}'", key));
    }
  }
  ++at;
  skip_blanks();
  if (at != header.size()) {
    throw malformed("text after the '}'");
  }
  for (const auto& [value, key] :
       {std::pair{values.descr, "descr"}, std::pair{values.fortran_order, "fortran_order"},
        std::pair{values.shape, "shape"}}) {
    if (!value) {
      throw malformed(fmt::format("no '{}'", key));
    }
  }
  return values;
}

enum class shape_status { ok, malformed, too_large };

// numpy's shape tuple: `()`, `(a,)` or `(a, b, ...)` with an optional trailing comma, each a
// non-negative decimal without leading zeros, blanks between tokens.
shape_status parse_shape(std::string_view text, std::vector<std::int64_t>& dims) {
  std::size_t at = 0;
  const auto skip_blanks = [&] { at = std::min(text.find_first_not_of(blanks, at), text.size()); };
  const auto next_is = [&](char c) { return at < text.size() && text[at] == c; };
  if (!next_is('(')) {
    return shape_status::malformed;
  }
  ++at;
  skip_blanks();
  bool comma = false;
  while (!next_is(')')) {
    const std::size_t digits = std::min(text.find_first_not_of("0123456789", at), text.size());
    if (digits == at || (text[at] == '0' && digits > at + 1)) {
      return shape_status::malformed;
    }
    std::int64_t value = 0;
    if (std::from_chars(text.data() + at, text.data() + digits, value).ec != std::errc{}) {
      return shape_status::too_large;
    }
    dims.push_back(value);
    at = digits;
    skip_blanks();
    comma = next_is(',');
    if (comma) {
      ++at;
      skip_blanks();
    } else if (!next_is(')')) {
      return shape_status::malformed;
    }
  }
  // `(4)` is the number 4 in Python, not a tuple.
  const bool tuple = dims.size() != 1 || comma;
  return tuple && at + 1 == text.size() ? shape_status::ok : shape_status::malformed;
}

matrix parse_npy(const std::string& bytes, const std::filesystem::path& file) {
  const npy_header_span span = locate_npy_header(bytes, file);
  if (bytes.size() < span.start + span.length) {
    throw input_error(fmt::format("{}: truncated npy file", file_name(file)));
  }
  const npy_header_values values =
      split_npy_header(std::string_view(bytes).substr(span.start, span.length), file);

  const std::string_view descr_value = *values.descr;
  const bool quoted = descr_value.size() >= 2 &&
                      (descr_value.front() == '\'' || descr_value.front() == '"') &&
                      descr_value.find(descr_value.front(), 1) == descr_value.size() - 1;
  if (!quoted) {
    throw input_error(
        fmt::format("{}: npy header: 'descr' must be a quoted dtype such as '<c16', not {}",
                    file_name(file), printable(descr_value)));
  }
  const std::string_view descr = descr_value.substr(1, descr_value.size() - 2);
  const bool complex_data = descr == "<c16";
  if (!complex_data && descr != "<f8") {
    throw input_error(
        fmt::format("{}: unsupported dtype '{}' (need complex128 '<c16' or float64 '<f8')",
                    file_name(file), printable(descr)));
  }
  if (*values.fortran_order != "True" && *values.fortran_order != "False") {
    throw input_error(fmt::format("{}: npy header: 'fortran_order' must be True or False, not '{}'",
                                  file_name(file), printable(*values.fortran_order)));
  }
  const bool fortran = *values.fortran_order == "True";

  const std::string shape = printable(*values.shape);
  std::vector<std::int64_t> dims;
  const shape_status status = parse_shape(*values.shape, dims);
  if (status == shape_status::malformed) {
    throw input_error(fmt::format("{}: npy shape {} is not a tuple of non-negative integers",
                                  file_name(file), shape));
  }
  if (status == shape_status::too_large ||
      std::ranges::any_of(dims, [](std::int64_t d) { return d > max_dimension; })) {
    throw input_error(fmt::format("{}: npy shape {} is too large (at most {}x{}, {} qubits)",
                                  file_name(file), shape, max_dimension, max_dimension,
                                  max_qubits));
  }
  if (dims.size() != 2) {
    throw input_error(
        fmt::format("{}: npy array has shape {}, need a 2-D matrix", file_name(file), shape));
  }
  const std::size_t scalar = complex_data ? 16 : 8;
  const auto count = static_cast<std::size_t>(dims[0] * dims[1]);
  const std::size_t data_start = span.start + span.length;
  if (bytes.size() - data_start < count * scalar) {
    throw input_error(fmt::format("{}: truncated npy file", file_name(file)));
  }

  matrix u(dims[0], dims[1]);
  const auto stride = static_cast<std::size_t>(fortran ? dims[0] : dims[1]);
  for (std::size_t k = 0; k < count; ++k) {
    double parts[2] = {0, 0};
    std::memcpy(parts, bytes.data() + data_start + k * scalar, scalar);
    const auto major_index = static_cast<Eigen::Index>(k / stride);
    const auto minor_index = static_cast<Eigen::Index>(k % stride);
    (fortran ? u(minor_index, major_index) : u(major_index, minor_index)) =
        complex(parts[0], parts[1]);
  }
  return u;
}

} // namespace

double unitarity_error(const matrix& u) {
  return (u.adjoint() * u - matrix::Identity(u.rows(), u.cols())).cwiseAbs().maxCoeff();
}

void validate_unitary(const matrix& u, std::string_view what) {
  if (u.rows() != u.cols()) {
    throw input_error(fmt::format("{}: {}x{} is not square", what, u.rows(), u.cols()));
  }
  if (u.rows() < 2 || !std::has_single_bit(static_cast<std::uint64_t>(u.rows()))) {
    throw input_error(fmt::format("{}: {}x{} is not a power-of-2 size (2x2, 4x4, 8x8, ...)", what,
                                  u.rows(), u.cols()));
  }
  for (Eigen::Index j = 0; j < u.cols(); ++j) {
    for (Eigen::Index i = 0; i < u.rows(); ++i) {
      if (!std::isfinite(u(i, j).real()) || !std::isfinite(u(i, j).imag())) {
        throw input_error(fmt::format("{}: entry ({},{}) is not finite", what, i, j));
      }
    }
  }
  const double error = unitarity_error(u);
  if (!(error <= 1e-8)) {
    throw input_error(
        fmt::format("{}: not unitary (max |U^dagger U - I| = {:.2g} > 1e-8)", what, error));
  }
}

matrix read_unitary(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw input_error(fmt::format("{}: is a directory", file_name(file)));
  }
  const std::string bytes = read_capped(file);
  matrix u = is_npy(bytes) ? parse_npy(bytes, file) : parse_text(bytes, file);
  validate_unitary(u, file_name(file));
  return u;
}

// Newton–Schulz rather than an SVD: Eigen's BDCSVD took over a minute to compile, and the
// products reach the same polar factor to rounding for the nearly unitary inputs it is given.
matrix nearest_unitary(const matrix& u) {
  const matrix identity = matrix::Identity(u.rows(), u.cols());
  matrix x = u;
  double error = unitarity_error(x);
  if (!(error <= 0.1)) {
    throw std::invalid_argument(
        fmt::format("nearest_unitary: max |U^dagger U - I| = {:.2g} exceeds 0.1", error));
  }
  // Each step squares the error until rounding stops it from shrinking.
  constexpr int max_steps = 8;
  for (int step = 0; step < max_steps && error > 0; ++step) {
    matrix next = x * (3 * identity - x.adjoint() * x) / 2;
    const double next_error = unitarity_error(next);
    if (next_error >= error) {
      break;
    }
    x = std::move(next);
    error = next_error;
  }
  return x;
}

void write_unitary_text(const std::filesystem::path& file, const matrix& u) {
  std::ofstream out(file);
  for (Eigen::Index i = 0; i < u.rows(); ++i) {
    for (Eigen::Index j = 0; j < u.cols(); ++j) {
      out << fmt::format("{}({:.17g}{:+.17g}j)", j ? " " : "", u(i, j).real(), u(i, j).imag());
    }
    out << '\n';
  }
  if (!out.flush()) {
    throw input_error(fmt::format("{}: cannot write", file_name(file)));
  }
}

void write_unitary_npy(const std::filesystem::path& file, const matrix& u) {
  std::string header = fmt::format(
      "{{'descr': '<c16', 'fortran_order': False, 'shape': ({}, {}), }}", u.rows(), u.cols());
  // Pad with spaces and a newline so the data starts at a multiple of 64 bytes.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(file, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const char length[2] = {static_cast<char>(header.size() & 0xff),
                          static_cast<char>(header.size() >> 8)};
  out.write(length, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (Eigen::Index i = 0; i < u.rows(); ++i) {
    for (Eigen::Index j = 0; j < u.cols(); ++j) {
      const double parts[2] = {u(i, j).real(), u(i, j).imag()};
      out.write(reinterpret_cast<const char*>(parts), sizeof parts);
    }
  }
  if (!out.flush()) {
    throw input_error(fmt::format("{}: cannot write", file_name(file)));
  }
}

matrix reverse_qubit_order(const matrix& u) {
  const int qubits = std::countr_zero(static_cast<std::uint64_t>(u.rows()));
  const auto reverse = [&](Eigen::Index x) {
    Eigen::Index r = 0;
    for (int b = 0; b < qubits; ++b) {
      r |= ((x >> b) & 1) << (qubits - 1 - b);
    }
    return r;
  };
  matrix out(u.rows(), u.cols());
  for (Eigen::Index i = 0; i < u.rows(); ++i) {
    for (Eigen::Index j = 0; j < u.cols(); ++j) {
      out(reverse(i), reverse(j)) = u(i, j);
    }
  }
  return out;
}

} // namespace qs
