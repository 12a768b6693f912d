#include <atomic>
#include <cstddef>
#include <optional>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/detail/sleeper_list.hpp>

namespace {

constexpr int rounds = 20'000;

// Items are published one at a time; whoever runs (a woken consumer, or the borrower standing in
// for a sleeping one) takes them.
struct shared_work {
  std::atomic<int> published{0};
  std::atomic<int> consumed{0};

  bool try_take() {
    int seen = consumed.load();
    return seen < published.load() && consumed.compare_exchange_strong(seen, seen + 1);
  }
  [[nodiscard]] bool visible() const { return consumed.load() < published.load(); }
  [[nodiscard]] bool done() const { return consumed.load() >= rounds; }
};

} // namespace

// A lost wake-up would leave every consumer asleep with an item pending: the test would hang and
// hit its ctest timeout instead of passing.
TEST_CASE("sleeper_list loses no wake-up, with a borrower taking sleepers' places",
          "[sleeper_list][stress]") {
  constexpr std::size_t consumers = 2;
  yt::detail::sleeper_list sleepers(consumers);
  shared_work work;
  std::atomic<int> borrowed{0};
  std::vector<std::thread> threads;
  for (std::size_t index = 0; index < consumers; ++index) {
    threads.emplace_back([&, index] {
      while (!work.done()) {
        if (work.try_take()) {
          continue;
        }
        sleepers.prepare_wait(index);
        if ((work.visible() || work.done()) && sleepers.cancel_wait(index)) {
          continue;
        }
        sleepers.wait(index);
      }
    });
  }
  std::thread borrower([&] {
    while (!work.done()) {
      const std::optional<std::size_t> index = sleepers.borrow();
      if (!index) {
        std::this_thread::yield();
        continue;
      }
      borrowed.fetch_add(1);
      for (int attempt = 0; attempt < 100 && !work.done(); ++attempt) {
        if (!work.try_take()) {
          std::this_thread::yield();
        }
      }
      sleepers.give_back(*index);
      if (work.visible()) {
        sleepers.notify_one();
      }
    }
  });
  for (int i = 0; i < rounds; ++i) {
    work.published.fetch_add(1);
    sleepers.notify_one();
    while (work.consumed.load() <= i) { // one item in flight at a time: maximal sleep/wake churn
      std::this_thread::yield();
    }
  }
  borrower.join();
  sleepers.notify_all();
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(work.consumed.load() == rounds);
  CHECK(borrowed.load() > 0);
}

TEST_CASE("a borrowed sleeper is not woken by notify until it is given back", "[sleeper_list]") {
  yt::detail::sleeper_list sleepers(1);
  sleepers.prepare_wait(0);
  const std::optional<std::size_t> index = sleepers.borrow();
  REQUIRE(index == std::optional<std::size_t>(0));
  CHECK_FALSE(sleepers.borrow().has_value());
  CHECK_FALSE(sleepers.cancel_wait(0)); // its thread must keep sleeping
  sleepers.notify_one();                // nobody listed: nothing to wake
  sleepers.give_back(0);
  CHECK(sleepers.cancel_wait(0)); // listed again
  sleepers.wake(0);
  sleepers.wait(0); // returns at once: woken
}

// Splitting sizes itself by idle_workers(): a worker woken by notify must count from the moment it
// leaves the list, before its thread runs, or a range could stop splitting while the workers it
// just woke are not yet looking (tests/thread_pool_test.cpp, "a plain map of long items").
TEST_CASE("idle_workers counts listed sleepers, woken workers and searchers", "[sleeper_list]") {
  yt::detail::sleeper_list sleepers(3);
  CHECK(sleepers.idle_workers() == 0);
  sleepers.prepare_wait(0);
  sleepers.prepare_wait(1);
  CHECK(sleepers.idle_workers() == 2);
  sleepers.notify_one(); // takes one off the list and counts it as searching
  CHECK(sleepers.idle_workers() == 2);
  sleepers.begin_search(); // worker 2 runs out of work
  CHECK(sleepers.idle_workers() == 3);
  sleepers.end_search(); // the woken one finds a job
  sleepers.end_search(); // worker 2 finds one
  CHECK(sleepers.idle_workers() == 1);
  const std::optional<std::size_t> borrowed = sleepers.borrow(); // a caller in its place: busy
  REQUIRE(borrowed.has_value());
  CHECK(sleepers.idle_workers() == 0);
  sleepers.give_back(*borrowed);
  CHECK(sleepers.idle_workers() == 1);
  sleepers.notify_all();
  CHECK(sleepers.idle_workers() == 1);
}
