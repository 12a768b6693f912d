#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace qs {

/// Returns `text` as it may appear in a one-line message: bytes outside printable ASCII as
/// `\xNN`, a backslash as `\\`, and only the first `max` bytes, followed by `...` when cut.
///
/// Error messages quote bytes from untrusted files; raw, an escape sequence could rewrite the
/// terminal and a NUL or newline could split the line.
inline std::string printable(std::string_view text, std::size_t max = 40) {
  std::string out;
  for (const char c : text.substr(0, max)) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (byte < 0x20 || byte >= 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  if (text.size() > max) {
    out += "...";
  }
  return out;
}

} // namespace qs
