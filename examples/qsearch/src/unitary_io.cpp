#include <bit>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include <qsearch/unitary_io.hpp>

namespace qs {
namespace {

// Unitaries past 2^12 × 2^12 (268 MB) are far beyond what the search can handle.
constexpr std::int64_t max_dimension = 1 << 12;

std::string file_name(const std::filesystem::path& file) {
  return file.string();
}

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw input_error(fmt::format("{}: cannot open: {}", file_name(file), std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    throw input_error(fmt::format("{}: cannot read", file_name(file)));
  return std::move(text).str();
}

// One number with an optional leading '+', which std::from_chars does not accept.
std::optional<double> parse_real(std::string_view& text) {
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest.empty() || rest.front() == '+' || rest.front() == '-')
    return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (error != std::errc{} && error != std::errc::result_out_of_range)
    return std::nullopt;
  text = rest.substr(static_cast<std::size_t>(end - rest.data()));
  return negative ? -value : value;
}

// `(a+bj)`, `a+bj`, `a-bj`, `a`, `bj`.
std::optional<complex> parse_complex(std::string_view token) {
  if (token.size() >= 2 && token.front() == '(' && token.back() == ')')
    token = token.substr(1, token.size() - 2);
  const std::optional<double> first = parse_real(token);
  if (!first)
    return std::nullopt;
  if (token.empty())
    return complex(*first, 0);
  if (token == "j" || token == "J")
    return complex(0, *first);
  const std::optional<double> second = parse_real(token);
  if (!second || (token != "j" && token != "J"))
    return std::nullopt;
  return complex(*first, *second);
}

matrix parse_text(const std::string& text, const std::filesystem::path& file) {
  std::vector<std::vector<complex>> rows;
  std::istringstream lines(text);
  std::string line;
  int line_number = 0;
  while (std::getline(lines, line)) {
    ++line_number;
    if (const std::size_t hash = line.find('#'); hash != std::string::npos)
      line.erase(hash);
    for (char& c : line)
      if (c == ',')
        c = ' ';
    std::istringstream tokens(line);
    std::vector<complex> row;
    std::string token;
    while (tokens >> token) {
      const std::optional<complex> value = parse_complex(token);
      if (!value)
        throw input_error(fmt::format("{}: line {}: '{}' is not a complex number", file_name(file),
                                      line_number, token));
      row.push_back(*value);
    }
    if (row.empty())
      continue;
    if (!rows.empty() && row.size() != rows.front().size())
      throw input_error(fmt::format("{}: row {} has {} entries, expected {}", file_name(file),
                                    rows.size() + 1, row.size(), rows.front().size()));
    if (static_cast<std::int64_t>(row.size()) > max_dimension)
      throw input_error(
          fmt::format("{}: rows of {} entries are too large", file_name(file), row.size()));
    rows.push_back(std::move(row));
  }
  if (rows.empty())
    throw input_error(fmt::format("{}: no numbers found", file_name(file)));
  matrix u(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.front().size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j)
      u(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
  return u;
}

// The value of `key` in the header dictionary of an .npy file, e.g. 'descr': '<c16' gives <c16,
// 'shape': (8, 8) gives (8, 8).
std::string header_value(const std::string& header, const std::string& key,
                         const std::filesystem::path& file) {
  std::size_t at = std::string::npos;
  for (const char quote : {'\'', '"'})
    if (at == std::string::npos)
      at = header.find(quote + key + quote);
  const std::size_t colon = at == std::string::npos ? at : header.find(':', at + key.size() + 2);
  if (colon == std::string::npos)
    throw input_error(fmt::format("{}: npy header has no '{}'", file_name(file), key));
  std::size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos)
    throw input_error(fmt::format("{}: npy header has no value for '{}'", file_name(file), key));
  const char open = header[start];
  const char close = open == '(' ? ')' : open == '\'' || open == '"' ? open : '\0';
  if (close == '\0') { // a bare word such as True
    const std::size_t end = header.find_first_of(",} ", start);
    return header.substr(start, end == std::string::npos ? end : end - start);
  }
  const std::size_t end = header.find(close, start + 1);
  if (end == std::string::npos)
    throw input_error(
        fmt::format("{}: npy header value of '{}' is not closed", file_name(file), key));
  return open == '(' ? header.substr(start, end - start + 1)
                     : header.substr(start + 1, end - start - 1);
}

matrix parse_npy(const std::string& bytes, const std::filesystem::path& file) {
  const auto truncated = [&] {
    return input_error(fmt::format("{}: truncated npy file", file_name(file)));
  };
  if (bytes.size() < 10)
    throw truncated();
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_length = 0;
  std::size_t header_start = 0;
  if (major == 1) {
    header_length = static_cast<unsigned char>(bytes[8]) |
                    static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      throw truncated();
    for (int i = 3; i >= 0; --i)
      header_length =
          header_length << 8 | static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(i)]);
    header_start = 12;
  } else {
    throw input_error(fmt::format("{}: unsupported npy version {}", file_name(file), major));
  }
  if (bytes.size() < header_start + header_length)
    throw truncated();
  const std::string header = bytes.substr(header_start, header_length);
  const std::string descr = header_value(header, "descr", file);
  const bool fortran = header_value(header, "fortran_order", file) == "True";
  const std::string shape = header_value(header, "shape", file);

  std::vector<std::int64_t> dims;
  for (std::size_t i = 0; i < shape.size();) {
    if (!std::isdigit(static_cast<unsigned char>(shape[i]))) {
      ++i;
      continue;
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(shape.data() + i, shape.data() + shape.size(), value);
    if (error != std::errc{} || value > max_dimension * max_dimension)
      throw input_error(fmt::format("{}: npy shape {} is too large", file_name(file), shape));
    dims.push_back(value);
    i = static_cast<std::size_t>(end - shape.data());
  }
  if (dims.size() != 2)
    throw input_error(
        fmt::format("{}: npy array has shape {}, need a 2-D matrix", file_name(file), shape));
  const bool complex_data = descr == "<c16";
  if (!complex_data && descr != "<f8")
    throw input_error(
        fmt::format("{}: unsupported dtype '{}' (need complex128 '<c16' or float64 '<f8')",
                    file_name(file), descr));
  if (dims[0] > max_dimension || dims[1] > max_dimension)
    throw input_error(fmt::format("{}: npy shape {} is too large", file_name(file), shape));
  const std::size_t scalar = complex_data ? 16 : 8;
  const auto count = static_cast<std::size_t>(dims[0] * dims[1]);
  const std::size_t data_start = header_start + header_length;
  if (bytes.size() - data_start < count * scalar)
    throw truncated();

  matrix u(dims[0], dims[1]);
  for (std::size_t k = 0; k < count; ++k) {
    double parts[2] = {0, 0};
    std::memcpy(parts, bytes.data() + data_start + k * scalar, scalar);
    const auto major_index =
        static_cast<Eigen::Index>(k / static_cast<std::size_t>(fortran ? dims[0] : dims[1]));
    const auto minor_index =
        static_cast<Eigen::Index>(k % static_cast<std::size_t>(fortran ? dims[0] : dims[1]));
    (fortran ? u(minor_index, major_index) : u(major_index, minor_index)) =
        complex(parts[0], parts[1]);
  }
  return u;
}

} // namespace

void validate_unitary(const matrix& u, std::string_view what) {
  if (u.rows() != u.cols())
    throw input_error(fmt::format("{}: {}x{} is not square", what, u.rows(), u.cols()));
  if (u.rows() < 2 || !std::has_single_bit(static_cast<std::uint64_t>(u.rows())))
    throw input_error(fmt::format("{}: {}x{} is not a power-of-2 size (2x2, 4x4, 8x8, ...)", what,
                                  u.rows(), u.cols()));
  for (Eigen::Index j = 0; j < u.cols(); ++j)
    for (Eigen::Index i = 0; i < u.rows(); ++i)
      if (!std::isfinite(u(i, j).real()) || !std::isfinite(u(i, j).imag()))
        throw input_error(fmt::format("{}: entry ({},{}) is not finite", what, i, j));
  const double error =
      (u.adjoint() * u - matrix::Identity(u.rows(), u.cols())).cwiseAbs().maxCoeff();
  if (!(error <= 1e-8))
    throw input_error(
        fmt::format("{}: not unitary (max |U^dagger U - I| = {:.2g} > 1e-8)", what, error));
}

matrix read_unitary(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw input_error(fmt::format("{}: is a directory", file_name(file)));
  const std::string bytes = read_all(file);
  const bool npy = bytes.compare(0, 6, "\x93NUMPY") == 0;
  const matrix u = npy ? parse_npy(bytes, file) : parse_text(bytes, file);
  validate_unitary(u, file_name(file));
  return u;
}

void write_unitary_text(const std::filesystem::path& file, const matrix& u) {
  std::ofstream out(file);
  for (Eigen::Index i = 0; i < u.rows(); ++i) {
    for (Eigen::Index j = 0; j < u.cols(); ++j)
      out << fmt::format("{}({:.17g}{:+.17g}j)", j ? " " : "", u(i, j).real(), u(i, j).imag());
    out << '\n';
  }
  if (!out.flush())
    throw input_error(fmt::format("{}: cannot write", file_name(file)));
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
  for (Eigen::Index i = 0; i < u.rows(); ++i)
    for (Eigen::Index j = 0; j < u.cols(); ++j) {
      const double parts[2] = {u(i, j).real(), u(i, j).imag()};
      out.write(reinterpret_cast<const char*>(parts), sizeof parts);
    }
  if (!out.flush())
    throw input_error(fmt::format("{}: cannot write", file_name(file)));
}

matrix reverse_qubit_order(const matrix& u) {
  const int qubits = std::countr_zero(static_cast<std::uint64_t>(u.rows()));
  const auto reverse = [&](Eigen::Index x) {
    Eigen::Index r = 0;
    for (int b = 0; b < qubits; ++b)
      r |= ((x >> b) & 1) << (qubits - 1 - b);
    return r;
  };
  matrix out(u.rows(), u.cols());
  for (Eigen::Index i = 0; i < u.rows(); ++i)
    for (Eigen::Index j = 0; j < u.cols(); ++j)
      out(reverse(i), reverse(j)) = u(i, j);
  return out;
}

} // namespace qs
