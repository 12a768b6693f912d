#include <array>
#include <cstddef>
#include <functional>
#include <pthread.h>
#include <utility>

#include <catch2/catch.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>
#include <yieldtasks/when_all.hpp>

// Built twice by CMake: with the build type's flags and with -O0, where g++ does not turn
// symmetric transfer into a tail call; YT_TRANSFER_STACK_BYTES must keep the stack bounded there.

namespace {

yt::task<int> descend(int depth) {
  if (depth == 0) {
    co_return 0;
  }
  const std::array<int, 1> next{depth - 1};
  const std::array<int, 1> below = co_await yt::taskmap(descend, next);
  co_return below[0] + 1;
}

yt::task<int> descend_pairs(int depth) {
  if (depth == 0) {
    co_return 1;
  }
  const std::array<int, 2> next{depth - 1, 0};
  const std::array<int, 2> below = co_await yt::taskmap(descend_pairs, next);
  co_return below[0] + below[1];
}

yt::task<int> leaf() {
  co_return 1;
}

// The first child recurses; the second starts from the first's completion, a link of the chain
// that when_all makes without a stack check.
yt::task<int> descend_when_all(int depth) {
  if (depth == 0) {
    co_return 0;
  }
  auto [below, one] = co_await yt::when_all(descend_when_all(depth - 1), leaf());
  co_return below + one;
}

// Runs `body` on a thread with a stack of `bytes`: an unbounded chain of transfers that are real
// calls (several MB at -O0 for these recursions) would overflow it.
void run_on_small_stack(std::size_t bytes, const std::function<void()>& body) {
  pthread_attr_t attributes;
  REQUIRE(pthread_attr_init(&attributes) == 0);
  REQUIRE(pthread_attr_setstacksize(&attributes, bytes) == 0);
  pthread_t thread;
  auto run = [](void* argument) -> void* {
    (*static_cast<const std::function<void()>*>(argument))();
    return nullptr;
  };
  REQUIRE(pthread_create(&thread, &attributes, run, const_cast<std::function<void()>*>(&body)) ==
          0);
  pthread_attr_destroy(&attributes);
  REQUIRE(pthread_join(thread, nullptr) == 0);
}

// Runs `recursion` on both executors from a 512 KiB thread stack: returns the depths they reach.
std::pair<int, int> depths_from_small_stack(yt::task<int> (*recursion)(int)) {
  std::pair<int, int> depths{0, 0};
  yt::thread_pool pool(2);
  run_on_small_stack(512 * 1024, [&] {
    yt::inline_executor serial;
    depths.first = serial.sync_wait(recursion(10'000));
    // The blocking caller works in a worker's place, on its own stack.
    depths.second = pool.sync_wait(recursion(10'000));
  });
  return depths;
}

} // namespace

TEST_CASE("a recursion 10,000 maps deep runs on a caller's 512 KiB stack", "[taskmap][stress]") {
  CHECK(depths_from_small_stack(descend) == std::pair{10'000, 10'000});
}

TEST_CASE("a when_all recursion 10,000 deep runs on a caller's 512 KiB stack",
          "[when_all][stress]") {
  CHECK(depths_from_small_stack(descend_when_all) == std::pair{10'000, 10'000});
}

TEST_CASE("a recursion 10,000 maps deep does not overflow the stack on inline_executor",
          "[taskmap][stress]") {
  yt::inline_executor serial;
  CHECK(serial.sync_wait(descend(10'000)) == 10'000);
  CHECK(serial.sync_wait(descend_pairs(10'000)) == 10'001);
}

TEST_CASE("a recursion 10,000 maps deep does not overflow the stack on a thread_pool",
          "[taskmap][stress]") {
  yt::thread_pool pool(2);
  CHECK(pool.sync_wait(descend(10'000)) == 10'000);
  CHECK(pool.sync_wait(descend_pairs(10'000)) == 10'001);
}
