#pragma once

#include <atomic>

#if defined(__linux__)
#include <unistd.h>

#include <linux/membarrier.h>
#include <sys/syscall.h>
#endif

// Store-then-load (Dekker) protocols whose one side runs on a hot path and the other rarely: a
// push against a worker going to sleep (sleeper_list.hpp), a map's end against a dump
// (worker_position.hpp). The hot side needs its store ordered before its load, which on x86-64
// only a locked instruction or mfence gives, draining the store buffer (without the push's, a
// single-worker fib of when_alls went from 17.2 to 14.8 ns per call). The fence moves to the rare
// side instead:
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) returns only after every running thread of the
// process has executed a full memory barrier (a thread not running passes one when it is
// scheduled). For a hot side whose store and load straddle that barrier point, the store is
// visible to the rare side's later load; for one whose load follows it, the rare side's earlier
// store is visible to that load. Either way one side sees the other's store, as with a fence on
// both; so the hot side needs only a compiler barrier (light()).
//
// Where membarrier is unavailable (not Linux, an old kernel, a seccomp filter) available() is
// false, and both sides must use full fences.
namespace yt::detail {

class asymmetric_fence {
public:
  // Registers the process for expedited barriers, once; false if they are unavailable. Constant
  // after the first call.
  [[nodiscard]] static bool available() noexcept {
#if defined(__linux__)
    static const bool registered =
        syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
    return registered;
#else
    return false;
#endif
  }

  // The hot side, between its store and its load, where available() is true.
  static void light() noexcept { std::atomic_signal_fence(std::memory_order_seq_cst); }

  // The rare side, between its store and its load: false if the barrier failed (only where
  // available() is false, or in a kernel that has broken its contract), in which case the protocol
  // must not rely on it.
  [[nodiscard]] static bool heavy() noexcept {
#if defined(__linux__)
    return available() && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
    return false;
#endif
  }
};

} // namespace yt::detail
