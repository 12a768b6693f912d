#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yieldtasks/codec.hpp>

namespace yt::detail {

// FNV-1a, 64 bits: detects a torn or corrupted journal record, not an adversary.
inline std::uint64_t fnv1a(std::span<const std::byte> bytes,
                           std::uint64_t hash = 0xcbf29ce484222325ULL) noexcept {
  for (const std::byte b : bytes) {
    hash = (hash ^ static_cast<std::uint64_t>(b)) * 0x100000001b3ULL;
  }
  return hash;
}

// An append-only file of finished items: (function name, encoded argument, encoded result).
// A rerun looks each item up before running it, so work finished before a crash is not lost.
//
// Format: a header line, then records of [u64 payload size][payload][u64 FNV-1a of payload],
// the payload being the codec's encoding of the (name, argument, result) tuple. A crash can
// leave a partial last record: opening the journal drops it (truncating the file there) and
// keeps every complete one. Each record is flushed to the operating system as it is written,
// so it survives the death of the process (not of the machine: there is no fsync).
class journal {
public:
  using bytes = std::vector<std::byte>;

  explicit journal(std::filesystem::path path) : m_path(std::move(path)) {
    std::error_code error;
    const bool exists = std::filesystem::exists(m_path, error);
    std::uintmax_t valid_size = 0;
    if (exists) {
      valid_size = load();
      std::filesystem::resize_file(m_path, valid_size, error);
      if (error) {
        fail("cannot truncate its damaged end: " + error.message());
      }
    }
    m_file = std::fopen(m_path.c_str(), "ab");
    if (m_file == nullptr) {
      fail(std::string("cannot open it for appending: ") + std::strerror(errno));
    }
    if (valid_size == 0) {
      write(header.data(), header.size());
      flush();
    }
  }

  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;
  ~journal() {
    if (m_file != nullptr) {
      std::fclose(m_file);
    }
  }

  // The recorded result of `name` applied to `argument`, if a run finished it.
  [[nodiscard]] const bytes* find(std::string_view name,
                                  std::span<const std::byte> argument) const {
    const auto found = m_results.find(key(name, argument));
    return found == m_results.end() ? nullptr : &found->second;
  }

  void append(std::string_view name, std::span<const std::byte> argument,
              std::span<const std::byte> result) {
    const bytes payload = encode(std::tuple<std::string, bytes, bytes>(
        std::string(name), bytes(argument.begin(), argument.end()),
        bytes(result.begin(), result.end())));
    const std::uint64_t size = payload.size();
    const std::uint64_t checksum = fnv1a(payload);
    write(&size, sizeof size);
    write(payload.data(), payload.size());
    write(&checksum, sizeof checksum);
    flush();
    m_results.insert_or_assign(key(name, argument), bytes(result.begin(), result.end()));
  }

  [[nodiscard]] std::size_t size() const noexcept { return m_results.size(); }

private:
  static constexpr std::string_view header = "yieldtasks journal 1\n";

  static std::string key(std::string_view name, std::span<const std::byte> argument) {
    std::string k(name);
    k.push_back('\0');
    k.append(reinterpret_cast<const char*>(argument.data()), argument.size());
    return k;
  }

  // Reads every complete record; returns the length of the file's valid prefix.
  std::uintmax_t load() {
    std::ifstream in(m_path, std::ios::binary);
    if (!in) {
      fail("cannot open it for reading");
    }
    const std::string contents((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    if (contents.empty()) {
      return 0;
    }
    if (contents.compare(0, header.size(), header) != 0) {
      fail("it is not a yieldtasks journal (its first line differs); refusing to append to it");
    }
    const auto* data = reinterpret_cast<const std::byte*>(contents.data());
    std::size_t offset = header.size();
    while (contents.size() - offset >= 2 * sizeof(std::uint64_t)) {
      std::uint64_t size = 0;
      std::memcpy(&size, data + offset, sizeof size);
      if (size > contents.size() - offset - 2 * sizeof(std::uint64_t)) {
        break;
      }
      const std::span<const std::byte> payload(data + offset + sizeof size, size);
      std::uint64_t checksum = 0;
      std::memcpy(&checksum, payload.data() + size, sizeof checksum);
      if (checksum != fnv1a(payload)) {
        break;
      }
      auto [name, argument, result] = decode<std::tuple<std::string, bytes, bytes>>(payload);
      m_results.insert_or_assign(key(name, argument), std::move(result));
      offset += 2 * sizeof(std::uint64_t) + size;
    }
    return offset;
  }

  void write(const void* data, std::size_t size) {
    if (std::fwrite(data, 1, size, m_file) != size) {
      fail(std::string("cannot write to it: ") + std::strerror(errno));
    }
  }

  void flush() {
    if (std::fflush(m_file) != 0) {
      fail(std::string("cannot write to it: ") + std::strerror(errno));
    }
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw std::runtime_error("yt journal " + m_path.string() + ": " + problem);
  }

  std::filesystem::path m_path;
  std::FILE* m_file = nullptr;
  std::unordered_map<std::string, bytes> m_results;
};

} // namespace yt::detail
