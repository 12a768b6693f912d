#pragma once

#include <cstddef>
#include <new>

#include <yieldtasks/config.hpp>

// Per-thread free lists for coroutine frames and split jobs, so that spawning a task costs no
// global-allocator call in the steady state and takes no lock.
//
// A block freed on another thread than the one that allocated it joins the freeing thread's list;
// each list is capped (YT_FRAME_CACHE_DEPTH), so memory drifting between threads stays bounded.
//
// AddressSanitizer: recycling blocks would hide use-after-free of frames, the bugs ASan is run to
// find, so the cache is off under ASan and every block goes to the global allocator.
#if defined(__SANITIZE_ADDRESS__)
#define YT_DETAIL_FRAME_CACHE_ENABLED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define YT_DETAIL_FRAME_CACHE_ENABLED 0
#endif
#endif
#ifndef YT_DETAIL_FRAME_CACHE_ENABLED
#define YT_DETAIL_FRAME_CACHE_ENABLED (YT_FRAME_CACHE_DEPTH > 0)
#endif

namespace yt::detail {

inline constexpr std::size_t frame_granule = 64;
inline constexpr std::size_t frame_classes = YT_FRAME_CACHE_MAX_BYTES / frame_granule;

// Trivially destructible, so that it stays usable while other thread_local and static objects are
// destroyed at exit; `frame_cache_flusher` empties it and turns it off when the thread ends.
//
// `capacity` is 0 until the thread's first deallocation registers the flusher, and again once the
// flusher has run, so that the hot path of a deallocation is a single compare against it.
struct frame_cache {
  void* blocks[frame_classes][YT_FRAME_CACHE_DEPTH > 0 ? YT_FRAME_CACHE_DEPTH : 1];
  unsigned counts[frame_classes];
  unsigned capacity;
  bool closed;
};

inline thread_local frame_cache tls_frame_cache{};

inline void flush_frame_cache(frame_cache& cache) noexcept {
  for (std::size_t c = 0; c < frame_classes; ++c) {
    while (cache.counts[c] != 0) {
      ::operator delete(cache.blocks[c][--cache.counts[c]]);
    }
  }
}

struct frame_cache_flusher {
  frame_cache_flusher() = default;
  frame_cache_flusher(const frame_cache_flusher&) = delete;
  frame_cache_flusher& operator=(const frame_cache_flusher&) = delete;
  ~frame_cache_flusher() {
    tls_frame_cache.closed = true;
    tls_frame_cache.capacity = 0;
    flush_frame_cache(tls_frame_cache);
  }
};

// The first deallocation on a thread, one into a full class, and every one after the thread's
// cache closed.
[[gnu::noinline]] YT_DETAIL_THREAD_LOCAL_ACCESS inline void
deallocate_frame_slow(void* block, std::size_t size_class) noexcept {
  frame_cache& cache = tls_frame_cache;
  if (cache.capacity == 0 && !cache.closed) {
    thread_local frame_cache_flusher flusher;
    cache.capacity = YT_FRAME_CACHE_DEPTH;
    cache.blocks[size_class][cache.counts[size_class]++] = block;
    return;
  }
  ::operator delete(block);
}

YT_DETAIL_THREAD_LOCAL_ACCESS inline void* allocate_frame(std::size_t size) {
  const std::size_t size_class = (size - 1) / frame_granule;
  if constexpr (YT_DETAIL_FRAME_CACHE_ENABLED) {
    frame_cache& cache = tls_frame_cache;
    if (size_class < frame_classes && cache.counts[size_class] != 0) {
      return cache.blocks[size_class][--cache.counts[size_class]];
    }
  }
  // Round up to the class size so that any block of a class can serve any request of it.
  return ::operator new(size_class < frame_classes ? (size_class + 1) * frame_granule : size);
}

YT_DETAIL_THREAD_LOCAL_ACCESS inline void deallocate_frame(void* block, std::size_t size) noexcept {
  if constexpr (YT_DETAIL_FRAME_CACHE_ENABLED) {
    const std::size_t size_class = (size - 1) / frame_granule;
    frame_cache& cache = tls_frame_cache;
    if (size_class < frame_classes) {
      if (cache.counts[size_class] < cache.capacity) {
        cache.blocks[size_class][cache.counts[size_class]++] = block;
      } else {
        deallocate_frame_slow(block, size_class);
      }
      return;
    }
  } else {
    static_cast<void>(size);
  }
  ::operator delete(block);
}

} // namespace yt::detail
