#pragma once

#include <chrono>
#include <thread>

#include <yieldtasks/config.hpp>
#include <yieldtasks/detail/cpu_relax.hpp>

namespace yt::detail {

// How long a thread that finds no work goes on looking before it parks: YT_SPIN_SWEEPS sweeps with
// a pause between them, then, for YT_YIELD_MICROSECONDS, sweeps with a yield of its time slice
// between them. The yielding phase keeps a worker awake across the serial step between two maps
// (a blocking caller allocating and zeroing the next result vector), where a parked worker costs
// the next map a futex wake-up (~17 µs on a VM), while giving its core to any other runnable
// thread.
class idle_backoff {
public:
  // Waits before the next sweep; false once the thread should stop looking.
  bool wait() noexcept {
    if (m_sweeps < YT_SPIN_SWEEPS) {
      ++m_sweeps;
      cpu_relax();
      return true;
    }
    if constexpr (YT_YIELD_MICROSECONDS <= 0) {
      return false;
    } else {
      const auto now = std::chrono::steady_clock::now();
      if (m_sweeps == YT_SPIN_SWEEPS) {
        ++m_sweeps;
        m_until = now + std::chrono::microseconds(YT_YIELD_MICROSECONDS);
      } else if (now >= m_until) {
        return false;
      }
      std::this_thread::yield();
      return true;
    }
  }

  // Work was found: the next idle spell starts from the beginning.
  void reset() noexcept { m_sweeps = 0; }

private:
  unsigned m_sweeps = 0;
  std::chrono::steady_clock::time_point m_until;
};

} // namespace yt::detail
