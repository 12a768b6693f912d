#pragma once

namespace yt::detail {

// Tells the core we are spinning: frees pipeline resources for a sibling hyperthread and saves
// power, without giving up the time slice.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield" ::: "memory");
#endif
}

} // namespace yt::detail
