#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/detail/chase_lev_deque.hpp>

namespace {
constexpr std::intptr_t empty = 0;
}

TEST_CASE("chase_lev_deque pops newest first and steals oldest first", "[chase_lev_deque]") {
  yt::detail::chase_lev_deque<std::intptr_t> deque(4);
  for (std::intptr_t i = 1; i <= 10; ++i) { // grows twice
    deque.push(i);
  }
  CHECK(deque.steal(empty) == 1);
  CHECK(deque.pop(empty) == 10);
  CHECK(deque.steal(empty) == 2);
  for (std::intptr_t i = 9; i >= 3; --i) {
    CHECK(deque.pop(empty) == i);
  }
  CHECK(deque.pop(empty) == empty);
  CHECK(deque.steal(empty) == empty);
  CHECK(deque.empty());
}

TEST_CASE("chase_lev_deque pops an item for its owner only if it is the newest",
          "[chase_lev_deque]") {
  yt::detail::chase_lev_deque<std::intptr_t> deque(4);
  CHECK_FALSE(deque.pop_if(1));
  deque.push(1);
  deque.push(2);
  deque.push(3);
  CHECK_FALSE(deque.pop_if(2)); // not the newest: stays
  CHECK(deque.pop_if(3));
  CHECK_FALSE(deque.pop_if(3)); // taken already
  CHECK(deque.steal(empty) == 1);
  CHECK(deque.pop_if(2)); // the last item, after a steal moved top
  CHECK(deque.empty());
  deque.push(4);
  CHECK(deque.steal(empty) == 4);
  CHECK_FALSE(deque.pop_if(4)); // stolen: gone for the owner too
  CHECK(deque.empty());
  deque.push(5);
  CHECK(deque.pop(empty) == 5); // the deque still works after every path
}

TEST_CASE("chase_lev_deque hands every item to exactly one thread under contention",
          "[chase_lev_deque][stress]") {
  constexpr std::intptr_t items = 200'000;
  constexpr int thieves = 3;
  yt::detail::chase_lev_deque<std::intptr_t> deque(2); // small: forces growth under stealing
  std::vector<std::atomic<int>> taken(items + 1);
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < thieves; ++t) {
    threads.emplace_back([&] {
      while (!done.load()) {
        const std::intptr_t item = deque.steal(empty);
        if (item != empty) {
          taken[static_cast<std::size_t>(item)].fetch_add(1);
        }
      }
    });
  }
  // The owner interleaves pushes and pops, as a worker does, and takes back some items it just
  // pushed with pop_if, as a join does, racing the thieves for them.
  for (std::intptr_t i = 1; i <= items; ++i) {
    deque.push(i);
    if (i % 5 == 0) {
      if (deque.pop_if(i)) {
        taken[static_cast<std::size_t>(i)].fetch_add(1);
      }
    } else if (i % 3 == 0) {
      const std::intptr_t item = deque.pop(empty);
      if (item != empty) {
        taken[static_cast<std::size_t>(item)].fetch_add(1);
      }
    }
  }
  for (std::intptr_t item = deque.pop(empty); item != empty; item = deque.pop(empty)) {
    taken[static_cast<std::size_t>(item)].fetch_add(1);
  }
  done.store(true);
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (std::intptr_t i = 1; i <= items; ++i) {
    REQUIRE(taken[static_cast<std::size_t>(i)].load() == 1);
  }
}
