#include <array>

#include <catch2/catch.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

// Built twice by CMake: with the build type's flags and with -O0, where g++ does not turn
// symmetric transfer into a tail call; YT_MAX_TRANSFER_DEPTH must keep the stack bounded there.

namespace {

yt::task<int> descend(int depth) {
  if (depth == 0) {
    co_return 0;
  }
  const std::array<int, 1> next{depth - 1};
  std::vector<int> below = co_await yt::taskmap(descend, next);
  co_return below[0] + 1;
}

yt::task<int> descend_pairs(int depth) {
  if (depth == 0) {
    co_return 1;
  }
  const std::array<int, 2> next{depth - 1, 0};
  std::vector<int> below = co_await yt::taskmap(descend_pairs, next);
  co_return below[0] + below[1];
}

} // namespace

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
