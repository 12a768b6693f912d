#pragma once

#include <cstddef>

// Compile-time knobs. Define any of these before including a yieldtasks header (or with -D) to
// override the default; every translation unit of a program must agree on them.

/// Steal sweeps an idle worker makes, with a pause instruction between them, before it starts
/// yielding (YT_YIELD_MICROSECONDS). Each sweep tries every other worker once (at most 64 of
/// them, from a random start, in a larger pool); a few microseconds of spinning lets fine-grained
/// nested maps keep all workers busy without paying a futex wake-up per split, and an idle pool
/// still sleeps within ~300 µs.
#ifndef YT_SPIN_SWEEPS
#define YT_SPIN_SWEEPS 256
#endif

/// Microseconds an idle worker (or a blocking caller waiting for its work) goes on looking for
/// work after its spin sweeps, yielding its time slice between sweeps, before it parks: long
/// enough to bridge the serial step between two maps, such as allocating and zeroing a result
/// vector of a million items (~80 µs), without a futex wake-up. 0 parks right after the sweeps.
#ifndef YT_YIELD_MICROSECONDS
#define YT_YIELD_MICROSECONDS 200
#endif

/// Stack, in bytes, that a chain of symmetric transfers may use below the point where a worker
/// started its current job before the next resumption is bounced through the deque. Symmetric
/// transfer is a tail call in optimised builds, and such a chain uses no stack; in g++ -O0 and
/// under some sanitizers it is a real call, and the bound keeps the stack shallow there (a
/// recursion 10,000 maps deep must not overflow). A thread that calls a blocking entry needs this
/// much stack to spare.
#ifndef YT_TRANSFER_STACK_BYTES
#define YT_TRANSFER_STACK_BYTES 65536
#endif

/// Initial capacity of each worker's deque (a power of two); it grows by doubling on demand.
#ifndef YT_DEQUE_INITIAL_CAPACITY
#define YT_DEQUE_INITIAL_CAPACITY 256
#endif

/// Coroutine frames up to this many bytes are recycled through per-thread free lists instead of
/// the global allocator.
#ifndef YT_FRAME_CACHE_MAX_BYTES
#define YT_FRAME_CACHE_MAX_BYTES 1024
#endif

/// Free frames each thread keeps per size class before it returns memory to the global allocator.
#ifndef YT_FRAME_CACHE_DEPTH
#define YT_FRAME_CACHE_DEPTH 64
#endif

// Internal. Marks the functions that read or write a thread_local. Under clang they are not
// inlined: clang (up to 16 at least) may keep a thread_local's address across a coroutine's
// suspension point (llvm/llvm-project#47179, #63022), so that an inlined access in a coroutine
// that resumed on another thread would touch the previous thread's variable. A call that loads or
// stores memory cannot be merged across a suspension. GCC splits coroutines before optimising and
// is not affected.
#if defined(__clang__)
#define YT_DETAIL_THREAD_LOCAL_ACCESS [[gnu::noinline]]
#else
#define YT_DETAIL_THREAD_LOCAL_ACCESS
#endif

namespace yt::detail {
/// Size that keeps independently written atomics on separate cache lines (x86 and most ARM cores
/// prefetch line pairs, hence 128 rather than 64).
inline constexpr std::size_t cache_line = 128;
} // namespace yt::detail
