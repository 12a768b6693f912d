#pragma once

// Shared by every microbenchmark: the thread count all runtimes use, process CPU time, a
// busy-spinning leaf, and the counters each benchmark reports.

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>

#include <benchmark/benchmark.h>

#include <yieldtasks/available_concurrency.hpp>

namespace yt_bench {

/// Returns the number of threads every parallel runtime runs with: `YT_BENCH_THREADS` if set to a
/// positive number, otherwise `yt::available_concurrency()`. Read once per process, so every
/// runtime in a binary uses the same count.
inline int threads() {
  static const int count = [] {
    if (const char* text = std::getenv("YT_BENCH_THREADS")) {
      const long requested = std::strtol(text, nullptr, 10);
      if (requested > 0) {
        return static_cast<int>(requested);
      }
    }
    return static_cast<int>(yt::available_concurrency());
  }();
  return count;
}

/// Returns the CPU time consumed so far by every thread of this process, in nanoseconds.
inline std::int64_t process_cpu_ns() noexcept {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

/// Busy-spins on `steady_clock` for `duration` without yielding the CPU.
inline void spin_for(std::chrono::nanoseconds duration) noexcept {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
  }
}

/// Measures process CPU and wall time from construction to `report`, which runs after the timed
/// loop. Between iterations nothing else runs, so the process CPU time is the runtime's own:
/// its workers' spinning and parking included.
class meter {
public:
  meter() : m_cpu_start(process_cpu_ns()), m_wall_start(std::chrono::steady_clock::now()) {}

  /// Returns the wall time since construction, in nanoseconds.
  [[nodiscard]] double wall_ns() const {
    const std::chrono::duration<double, std::nano> elapsed =
        std::chrono::steady_clock::now() - m_wall_start;
    return elapsed.count();
  }

  /// Sets the counters `threads`, `cpu_util` (process CPU / (wall × threads)) and, if
  /// `units_per_iteration` is positive, `<unit_counter>` (process CPU ns per unit of work).
  void report(benchmark::State& state, int thread_count, double units_per_iteration = 0,
              const std::string& unit_counter = {}) const {
    const auto cpu_ns = static_cast<double>(process_cpu_ns() - m_cpu_start);
    const double wall = wall_ns();
    const auto iterations = static_cast<double>(state.iterations());
    state.counters["threads"] = thread_count;
    if (wall > 0) {
      state.counters["cpu_util"] = cpu_ns / (wall * thread_count);
    }
    if (units_per_iteration > 0 && iterations > 0) {
      state.counters[unit_counter] = cpu_ns / (iterations * units_per_iteration);
    }
  }

private:
  std::int64_t m_cpu_start;
  std::chrono::steady_clock::time_point m_wall_start;
};

/// Calls `state.SkipWithError` and returns false if `got` differs from `expected`.
inline bool check(benchmark::State& state, long got, long expected) {
  if (got == expected) {
    return true;
  }
  const std::string message =
      "wrong answer: got " + std::to_string(got) + ", expected " + std::to_string(expected);
  state.SkipWithError(message.c_str());
  return false;
}

/// Settings every benchmark shares, serial ones included: wall time is the time reported, and
/// the CPU time column is the whole process's.
inline void configure(benchmark::internal::Benchmark* bench) {
  bench->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMicrosecond);
}

} // namespace yt_bench
