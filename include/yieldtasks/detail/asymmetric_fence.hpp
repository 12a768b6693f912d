#pragma once

#include <atomic>

#if defined(__linux__)
#include <unistd.h>

#include <linux/membarrier.h>
#include <sys/syscall.h>
#endif

// A store-load fence split unevenly between two sides of a Dekker-style handshake, for when one
// side runs on every push and the other only when a thread is about to sleep (see
// sleeper_list.hpp). The light side is a compiler barrier; the heavy side makes every running
// thread of the process execute a full barrier (Linux membarrier, PRIVATE_EXPEDITED), so that for
// each light-side thread either its stores before the light fence are visible after the heavy one,
// or the heavy side's stores before it are visible to the loads after the light one.
//
// Where the kernel refuses membarrier (old kernels, seccomp filters), off Linux, and under
// ThreadSanitizer (which does not model membarrier, and so checks the fallback instead), both
// sides are a seq_cst read-modify-write of one shared word: the two RMWs are ordered, and the
// later one synchronizes with the earlier, so again one side's store is visible to the other's
// load.
#if defined(__SANITIZE_THREAD__)
#define YT_DETAIL_MEMBARRIER_ENABLED 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define YT_DETAIL_MEMBARRIER_ENABLED 0
#endif
#endif
#ifndef YT_DETAIL_MEMBARRIER_ENABLED
#if defined(__linux__) && defined(__NR_membarrier)
#define YT_DETAIL_MEMBARRIER_ENABLED 1
#else
#define YT_DETAIL_MEMBARRIER_ENABLED 0
#endif
#endif

namespace yt::detail {

// Decided once per process: both sides must always agree on which implementation is in use.
inline bool membarrier_registered() noexcept {
#if YT_DETAIL_MEMBARRIER_ENABLED
  static const bool registered =
      syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  return registered;
#else
  return false;
#endif
}

inline std::atomic<unsigned> fallback_fence_word{0};

inline void light_fence() noexcept {
  if (membarrier_registered()) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
    fallback_fence_word.fetch_add(1, std::memory_order_seq_cst);
  }
}

inline void heavy_fence() noexcept {
#if YT_DETAIL_MEMBARRIER_ENABLED
  if (membarrier_registered()) {
    // Cannot fail once registered: the kernel checks the command at registration.
    syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
    return;
  }
#endif
  fallback_fence_word.fetch_add(1, std::memory_order_seq_cst);
}

} // namespace yt::detail
