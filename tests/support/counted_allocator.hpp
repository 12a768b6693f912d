#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

// Replaces the global allocator of the one test program that includes this header (in a single
// translation unit), to count what the library allocates. Sanitizers replace it themselves, so
// such programs are not built under them.
namespace yt_test {

inline std::atomic<long> allocations{0};
inline std::atomic<long> live_blocks{0};
inline std::atomic<long> live_bytes{0};
inline std::atomic<long> peak_bytes{0};

inline void* counted_allocate(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  live_blocks.fetch_add(1, std::memory_order_relaxed);
  const long now = live_bytes.fetch_add(static_cast<long>(size)) + static_cast<long>(size);
  long peak = peak_bytes.load();
  while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
  }
  auto* block = static_cast<std::size_t*>(std::malloc(size + 16));
  if (block == nullptr) {
    throw std::bad_alloc();
  }
  *block = size;
  return block + 2;
}

inline void counted_free(void* pointer) noexcept {
  if (pointer == nullptr) {
    return;
  }
  auto* block = static_cast<std::size_t*>(pointer) - 2;
  live_blocks.fetch_sub(1, std::memory_order_relaxed);
  live_bytes.fetch_sub(static_cast<long>(*block));
  std::free(block);
}

} // namespace yt_test

void* operator new(std::size_t size) {
  return yt_test::counted_allocate(size);
}
void* operator new[](std::size_t size) {
  return yt_test::counted_allocate(size);
}
void operator delete(void* pointer) noexcept {
  yt_test::counted_free(pointer);
}
void operator delete[](void* pointer) noexcept {
  yt_test::counted_free(pointer);
}
void operator delete(void* pointer, std::size_t /*size*/) noexcept {
  yt_test::counted_free(pointer);
}
void operator delete[](void* pointer, std::size_t /*size*/) noexcept {
  yt_test::counted_free(pointer);
}
