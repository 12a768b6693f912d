#include <atomic>
#include <cstdlib>
#include <new>
#include <numeric>
#include <ranges>

#include <catch2/catch.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

// Replaces the global allocator for this test program only, to count what a map allocates.
namespace {
std::atomic<long> allocations{0};
std::atomic<long> live_bytes{0};
std::atomic<long> peak_bytes{0};

void* counted_allocate(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
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

void counted_free(void* pointer) noexcept {
  if (pointer == nullptr) {
    return;
  }
  auto* block = static_cast<std::size_t*>(pointer) - 2;
  live_bytes.fetch_sub(static_cast<long>(*block));
  std::free(block);
}
} // namespace

void* operator new(std::size_t size) {
  return counted_allocate(size);
}
void* operator new[](std::size_t size) {
  return counted_allocate(size);
}
void operator delete(void* pointer) noexcept {
  counted_free(pointer);
}
void operator delete[](void* pointer) noexcept {
  counted_free(pointer);
}
void operator delete(void* pointer, std::size_t /*size*/) noexcept {
  counted_free(pointer);
}
void operator delete[](void* pointer, std::size_t /*size*/) noexcept {
  counted_free(pointer);
}

namespace {

constexpr int items = 1'000'000;
constexpr long result_bytes = items * static_cast<long>(sizeof(long));

template <class Executor, class F> void check_bounded(Executor& executor, F fn) {
  const long allocations_before = allocations.load();
  peak_bytes.store(live_bytes.load());
  const long base_bytes = live_bytes.load();
  const std::vector<long> results = executor.map(fn, std::views::iota(0, items));
  CHECK(std::reduce(results.begin(), results.end()) == 499'999'500'000L);
  // The result vector, plus a bounded amount of scheduler memory: nothing per item.
  CHECK(allocations.load() - allocations_before < 10'000);
  CHECK(peak_bytes.load() - base_bytes < result_bytes + (4L << 20));
}

long plain(int x) {
  return x;
}
yt::task<long> coroutine(int x) {
  co_return x;
}

} // namespace

TEST_CASE("a million-item plain map allocates nothing per item", "[taskmap][stress]") {
  yt::thread_pool pool(2);
  check_bounded(pool, plain);
  yt::inline_executor serial;
  check_bounded(serial, plain);
}

TEST_CASE("a million-item coroutine map runs in bounded memory", "[taskmap][stress]") {
  yt::thread_pool pool(2);
  check_bounded(pool, coroutine);
  yt::inline_executor serial;
  check_bounded(serial, coroutine);
}
