#pragma once

#include <atomic>

namespace yt_test {

// Counts constructions and destructions of a value type, to prove that whatever the library
// copies, moves or skips is destroyed exactly once.
class lifetime_counter {
public:
  explicit lifetime_counter(int value = 0) noexcept : m_value(value) { s_constructed.fetch_add(1); }
  lifetime_counter(const lifetime_counter& other) noexcept : m_value(other.m_value) {
    s_constructed.fetch_add(1);
  }
  lifetime_counter(lifetime_counter&& other) noexcept : m_value(other.m_value) {
    s_constructed.fetch_add(1);
  }
  lifetime_counter& operator=(const lifetime_counter&) = default;
  lifetime_counter& operator=(lifetime_counter&&) = default;
  ~lifetime_counter() { s_destroyed.fetch_add(1); }

  [[nodiscard]] int value() const noexcept { return m_value; }

  static void reset() noexcept {
    s_constructed.store(0);
    s_destroyed.store(0);
  }
  [[nodiscard]] static long constructed() noexcept { return s_constructed.load(); }
  [[nodiscard]] static long alive() noexcept { return s_constructed.load() - s_destroyed.load(); }

private:
  int m_value;
  static inline std::atomic<long> s_constructed{0};
  static inline std::atomic<long> s_destroyed{0};
};

} // namespace yt_test
