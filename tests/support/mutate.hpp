#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace yt_test {

/// Applies 1 to 4 random edits to `bytes` — delete a byte, insert one from `alphabet`, replace
/// one with any byte value, or cut the rest — as the parsers' fuzz tests do. `random.next()`
/// yields uniformly distributed 64-bit values.
template <class Random>
std::string mutate_bytes(std::string bytes, Random& random, std::string_view alphabet) {
  const int edits = 1 + static_cast<int>(random.next() % 4);
  for (int e = 0; e < edits && !bytes.empty(); ++e) {
    const std::size_t at = random.next() % bytes.size();
    switch (random.next() % 4) {
    case 0:
      bytes.erase(at, 1);
      break;
    case 1:
      bytes.insert(at, 1, alphabet[random.next() % alphabet.size()]);
      break;
    case 2:
      bytes[at] = static_cast<char>(random.next() % 256);
      break;
    default:
      bytes.resize(at);
    }
  }
  return bytes;
}

} // namespace yt_test
