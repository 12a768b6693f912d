#pragma once

#include <chrono>
#include <cstdint>

namespace yt::detail {

// A cheap, monotonic-enough tick count for sizing batches of work: the time-stamp counter on x86
// (a few nanoseconds to read), steady_clock nanoseconds elsewhere. Only differences over a few
// microseconds on one thread are used, so frequency and cross-core skew do not matter.
inline std::uint64_t cycle_clock() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_ia32_rdtsc();
#else
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch() /
                                    std::chrono::nanoseconds(1));
#endif
}

// About one to two microseconds of ticks on current hardware.
inline constexpr std::uint64_t batch_ticks = 4096;

} // namespace yt::detail
