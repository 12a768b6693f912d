#include <cstddef>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <support/counted_allocator.hpp>

#include <yieldtasks/detail/frame_allocator.hpp>

// Each test runs its allocations on a new thread, whose frame cache starts empty and unregistered,
// and compares the global allocator's live blocks before the thread starts and after it is joined.
namespace {

using yt::detail::allocate_frame;
using yt::detail::deallocate_frame;
using yt_test::live_blocks;

constexpr std::size_t frame_size = 100; // with 90, one 128-byte class

template <class Body> void on_new_thread(Body body) {
  std::thread thread(body);
  thread.join();
}

// A block owned by a thread_local object, freed by its destructor as the thread ends.
struct thread_exit_block {
  void* block = allocate_frame(frame_size);
  thread_exit_block() = default;
  thread_exit_block(const thread_exit_block&) = delete;
  thread_exit_block& operator=(const thread_exit_block&) = delete;
  ~thread_exit_block() { deallocate_frame(block, frame_size); }
};

} // namespace

static_assert(YT_DETAIL_FRAME_CACHE_ENABLED,
              "these tests check the cache; it is off only under "
              "AddressSanitizer, which this program is not built for");

TEST_CASE("a freed frame block serves the next allocation of its size class on that thread",
          "[frame_allocator]") {
  const long before = live_blocks.load();
  on_new_thread([] {
    void* first = allocate_frame(frame_size);
    const long held = live_blocks.load();
    deallocate_frame(first, frame_size);
    CHECK(live_blocks.load() == held); // kept in the cache, not freed
    void* second = allocate_frame(90);
    CHECK(second == first);
    CHECK(live_blocks.load() == held);
    deallocate_frame(second, 90);
  });
  CHECK(live_blocks.load() == before);
}

TEST_CASE("a thread's cached frame blocks are freed when the thread ends", "[frame_allocator]") {
  const long before = live_blocks.load();
  on_new_thread([] {
    std::vector<void*> blocks(10);
    const long start = live_blocks.load();
    for (void*& block : blocks) {
      block = allocate_frame(frame_size);
    }
    for (void* block : blocks) {
      deallocate_frame(block, frame_size);
    }
    CHECK(live_blocks.load() == start + 10);
  });
  CHECK(live_blocks.load() == before);
}

TEST_CASE("a size class caches at most YT_FRAME_CACHE_DEPTH blocks", "[frame_allocator]") {
  const long before = live_blocks.load();
  on_new_thread([] {
    constexpr int extra = 5;
    std::vector<void*> blocks(YT_FRAME_CACHE_DEPTH + extra);
    const long start = live_blocks.load();
    for (void*& block : blocks) {
      block = allocate_frame(frame_size);
    }
    for (void* block : blocks) {
      deallocate_frame(block, frame_size);
    }
    CHECK(live_blocks.load() == start + YT_FRAME_CACHE_DEPTH);
  });
  CHECK(live_blocks.load() == before);
}

TEST_CASE("a frame freed by a thread_local destructor after its thread's cache closed is freed",
          "[frame_allocator]") {
  const long before = live_blocks.load();
  on_new_thread([] {
    // Constructed before the thread's first deallocation registers the cache's flusher, so
    // destroyed after the flusher has run: its block must go to the global allocator.
    thread_local thread_exit_block early;
    deallocate_frame(allocate_frame(frame_size), frame_size);
    CHECK(early.block != nullptr);
  });
  CHECK(live_blocks.load() == before);
}

TEST_CASE("a frame freed by a thread_local destructor before its thread's cache closes is freed",
          "[frame_allocator]") {
  const long before = live_blocks.load();
  on_new_thread([] {
    // Constructed after the flusher, so destroyed first: its block is cached, then flushed.
    deallocate_frame(allocate_frame(frame_size), frame_size);
    thread_local thread_exit_block late;
    CHECK(late.block != nullptr);
  });
  CHECK(live_blocks.load() == before);
}
