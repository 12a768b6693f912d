#pragma once

#include <algorithm>
#include <array>
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
// Format: the line "yieldtasks journal 2", then records of
//   [8-byte marker][u64 payload size][payload][u64 FNV-1a of size and payload].
// The first record's payload is the program's fingerprint (its library version, data layout and
// remote functions): a journal written by another program or build is refused, since its
// arguments and results may be encoded differently. Every later record's payload is the codec's
// encoding of the (name, argument, result) tuple.
//
// Damage. A record that fails its checksum or does not decode is skipped, and reading resumes at
// the next marker that starts a valid record, so one flipped byte costs one record, not the rest
// of the file. A crash can leave a partial last record, which is dropped the same way. Opening a
// journal with dropped records rewrites it without them (to a temporary file renamed over it), so
// the next run finds it clean; dropped() says how many there were. Each record is flushed to the
// operating system as it is written, so it survives the death of the process (not of the machine:
// there is no fsync).
class journal {
public:
  using bytes = std::vector<std::byte>;

  journal(std::filesystem::path path, std::string_view fingerprint)
      : m_path(std::move(path)), m_fingerprint(fingerprint) {
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(m_path, error);
    if (std::filesystem::exists(status)) {
      if (!std::filesystem::is_regular_file(status)) {
        fail(std::filesystem::is_directory(status) ? "it is a directory"
                                                   : "it is not a regular file");
      }
      load();
    }
    m_file = std::fopen(m_path.c_str(), "ab");
    if (m_file == nullptr) {
      fail(std::string("cannot open it for appending: ") + std::generic_category().message(errno));
    }
    if (!m_has_header) {
      const std::string header = header_bytes();
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
    write_record(encode(std::tuple<std::string, bytes, bytes>(
        std::string(name), bytes(argument.begin(), argument.end()),
        bytes(result.begin(), result.end()))));
    flush();
    m_results.insert_or_assign(key(name, argument), bytes(result.begin(), result.end()));
  }

  [[nodiscard]] std::size_t size() const noexcept { return m_results.size(); }

  // Records found damaged or cut short when the journal was opened, and dropped.
  [[nodiscard]] std::size_t dropped() const noexcept { return m_dropped; }

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }

private:
  static constexpr std::string_view magic = "yieldtasks journal 2\n";
  static constexpr std::string_view old_magic_prefix = "yieldtasks journal ";
  // Not valid UTF-8 and unlikely in encoded data, so a scan for it rarely stops in the wrong place
  // (and a wrong stop costs a checksum, nothing more).
  static constexpr std::array<unsigned char, 8> marker = {0xA7, 'y', 't',  'r',
                                                          'e',  'c', 0x00, 0xF5};
  static constexpr std::size_t framing = marker.size() + 2 * sizeof(std::uint64_t);

  static std::string key(std::string_view name, std::span<const std::byte> argument) {
    std::string k(name);
    k.push_back('\0');
    k.append(reinterpret_cast<const char*>(argument.data()), argument.size());
    return k;
  }

  static std::uint64_t checksum(std::uint64_t size, std::span<const std::byte> payload) noexcept {
    return fnv1a(payload, fnv1a(std::as_bytes(std::span(&size, 1))));
  }

  // The payload of the record at `offset` if one is there whole and intact.
  static std::optional<std::span<const std::byte>> record_at(std::span<const std::byte> data,
                                                             std::size_t offset) {
    if (data.size() - offset < framing ||
        std::memcmp(data.data() + offset, marker.data(), marker.size()) != 0) {
      return std::nullopt;
    }
    std::uint64_t size = 0;
    std::memcpy(&size, data.data() + offset + marker.size(), sizeof size);
    if (size > data.size() - offset - framing) {
      return std::nullopt;
    }
    const std::span<const std::byte> payload =
        data.subspan(offset + marker.size() + sizeof size, static_cast<std::size_t>(size));
    std::uint64_t stored = 0;
    std::memcpy(&stored, payload.data() + payload.size(), sizeof stored);
    if (stored != checksum(size, payload)) {
      return std::nullopt;
    }
    return payload;
  }

  // The offset of the next marker at or after `from`, or the data's size.
  static std::size_t next_marker(std::span<const std::byte> data, std::size_t from) {
    const auto* first = reinterpret_cast<const unsigned char*>(data.data());
    const auto* found = std::search(first + std::min(from, data.size()), first + data.size(),
                                    marker.begin(), marker.end());
    return static_cast<std::size_t>(found - first);
  }

  // Reads the header and every intact record, skipping damaged ones; rewrites the file without
  // them if there were any.
  void load() {
    std::ifstream in(m_path, std::ios::binary);
    if (!in) {
      fail(std::string("cannot open it for reading: ") + std::generic_category().message(errno));
    }
    const std::string contents((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    if (is_torn_header(contents)) {
      std::error_code error;
      std::filesystem::resize_file(m_path, 0, error);
      if (error) {
        fail("cannot truncate its cut-short header: " + error.message());
      }
      return;
    }
    if (contents.compare(0, magic.size(), magic) != 0) {
      if (contents.compare(0, old_magic_prefix.size(), old_magic_prefix) == 0) {
        fail("it was written in another journal format (" +
             contents.substr(0, contents.find('\n')) +
             "); refusing to use it: move it away to start a new one");
      }
      fail("it is not a yieldtasks journal (its first line differs); refusing to append to it");
    }
    const std::span<const std::byte> data = std::as_bytes(std::span(contents));
    const std::optional<std::span<const std::byte>> header = record_at(data, magic.size());
    if (!header) {
      fail("its fingerprint record is damaged; refusing to use it: move it away to start a new "
           "one");
    }
    check_fingerprint(*header);
    m_has_header = true;

    std::vector<std::span<const std::byte>> kept; // whole records, in file order
    std::size_t offset = magic.size() + framing + header->size();
    const std::size_t header_end = offset;
    while (offset < data.size()) {
      if (const std::optional<std::span<const std::byte>> payload = record_at(data, offset)) {
        if (take(*payload)) {
          kept.push_back(data.subspan(offset, framing + payload->size()));
          offset += framing + payload->size();
          continue;
        }
      }
      // Damaged (or cut short): resume at the next marker that starts a valid record; the
      // records whose markers lie in between are lost, and at least the one at `offset`.
      std::size_t lost = 1;
      std::size_t next = next_marker(data, offset + 1);
      while (next < data.size() && !record_at(data, next)) {
        ++lost;
        next = next_marker(data, next + 1);
      }
      m_dropped += lost;
      offset = next;
    }
    if (m_dropped > 0) {
      rewrite(data.first(header_end), kept);
    }
  }

  // True for an empty file and for one cut short while its header was written: it holds
  // nothing, and a new header replaces it.
  [[nodiscard]] bool is_torn_header(std::string_view contents) const {
    const std::string header = header_bytes();
    return contents.size() < header.size() && header.starts_with(contents);
  }

  // What a new journal starts with: the magic line and the fingerprint record.
  [[nodiscard]] std::string header_bytes() const {
    std::string header(magic);
    const bytes fingerprint_record = record(encode(m_fingerprint));
    header.append(reinterpret_cast<const char*>(fingerprint_record.data()),
                  fingerprint_record.size());
    return header;
  }
  void check_fingerprint(std::span<const std::byte> payload) const {
    std::string theirs;
    try {
      theirs = decode<std::string>(payload);
    } catch (const codec_error&) {
      fail("its fingerprint record does not decode; refusing to use it: move it away to start a "
           "new one");
    }
    if (theirs == m_fingerprint) {
      return;
    }
    // Name the first line that differs: usually the version or one remote function.
    const auto first_line = [](const std::string& text, std::size_t at) {
      const std::size_t start = text.rfind('\n', at == 0 ? 0 : at - 1);
      const std::size_t from = start == std::string::npos || at == 0 ? 0 : start + 1;
      return text.substr(from, text.find('\n', from) - from);
    };
    const auto differs =
        std::mismatch(theirs.begin(), theirs.end(), m_fingerprint.begin(), m_fingerprint.end());
    const auto at = static_cast<std::size_t>(differs.first - theirs.begin());
    fail("it was written by another program or build (the journal has '" + first_line(theirs, at) +
         "' where this program has '" + first_line(m_fingerprint, at) +
         "'); refusing to use it: run that program, or move the journal away to start a new one");
  }

  // Records one result; false if the payload does not decode.
  bool take(std::span<const std::byte> payload) {
    try {
      auto [name, argument, result] = decode<std::tuple<std::string, bytes, bytes>>(payload);
      m_results.insert_or_assign(key(name, argument), std::move(result));
      return true;
    } catch (const codec_error&) {
      return false;
    }
  }

  void rewrite(std::span<const std::byte> header,
               const std::vector<std::span<const std::byte>>& records) const {
    std::filesystem::path temporary = m_path;
    temporary += ".rewrite";
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(header.data()),
                static_cast<std::streamsize>(header.size()));
      for (const std::span<const std::byte> record : records) {
        out.write(reinterpret_cast<const char*>(record.data()),
                  static_cast<std::streamsize>(record.size()));
      }
      if (!out.flush()) {
        fail("cannot write " + temporary.string() + " to drop its " + std::to_string(m_dropped) +
             " damaged record(s)");
      }
    }
    std::error_code error;
    std::filesystem::rename(temporary, m_path, error);
    if (error) {
      fail("cannot replace it with " + temporary.string() + ": " + error.message());
    }
  }

  static bytes record(const bytes& payload) {
    const std::uint64_t size = payload.size();
    const std::uint64_t sum = checksum(size, payload);
    bytes framed(framing + payload.size());
    std::byte* out = framed.data();
    std::memcpy(out, marker.data(), marker.size());
    std::memcpy(out + marker.size(), &size, sizeof size);
    std::copy(payload.begin(), payload.end(), out + marker.size() + sizeof size);
    std::memcpy(out + marker.size() + sizeof size + payload.size(), &sum, sizeof sum);
    return framed;
  }

  void write_record(const bytes& payload) {
    const bytes framed = record(payload);
    write(framed.data(), framed.size());
  }

  void write(const void* data, std::size_t size) {
    if (std::fwrite(data, 1, size, m_file) != size) {
      fail(std::string("cannot write to it: ") + std::generic_category().message(errno));
    }
  }

  void flush() {
    if (std::fflush(m_file) != 0) {
      fail(std::string("cannot write to it: ") + std::generic_category().message(errno));
    }
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw std::runtime_error("yt journal " + m_path.string() + ": " + problem);
  }

  std::filesystem::path m_path;
  std::string m_fingerprint;
  std::FILE* m_file = nullptr;
  bool m_has_header = false;
  std::size_t m_dropped = 0;
  std::unordered_map<std::string, bytes> m_results;
};

} // namespace yt::detail
