#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include <qsearch/input_error.hpp>

namespace qs {

/// Appends the rest of `in` to `bytes`, which may already hold its first bytes, and returns
/// once it ends: an input file read without letting an endless or wrong one (/dev/zero,
/// /dev/urandom) run on.
///
/// **Exceptions.** `input_error` naming the input `name`: `NAME: larger than LIMIT bytes,
/// <too_large>` once `bytes` would exceed `limit`; with `not_text` set, `NAME: byte N is NUL:
/// <not_text>` at the first NUL byte (a text file has none), checked as each chunk arrives;
/// `NAME: cannot read: <reason>` on a read error.
inline void read_bounded(std::istream& in, std::string& bytes, std::string_view name,
                         std::size_t limit, std::string_view too_large,
                         std::optional<std::string_view> not_text) {
  const auto refuse_binary = [&](std::size_t from) {
    if (const std::size_t nul = bytes.find('\0', from); not_text && nul != std::string::npos) {
      throw input_error(fmt::format("{}: byte {} is NUL: {}", name, nul, *not_text));
    }
  };
  refuse_binary(0);
  std::array<char, 1 << 16> buffer{};
  while (in && bytes.size() <= limit) {
    in.read(buffer.data(),
            static_cast<std::streamsize>(std::min(buffer.size(), limit + 1 - bytes.size())));
    const std::size_t from = bytes.size();
    bytes.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    refuse_binary(from);
  }
  if (in.bad()) {
    throw input_error(
        fmt::format("{}: cannot read: {}", name, std::generic_category().message(errno)));
  }
  if (bytes.size() > limit) {
    throw input_error(fmt::format("{}: larger than {} bytes, {}", name, limit, too_large));
  }
}

} // namespace qs
