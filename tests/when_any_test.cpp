#include <atomic>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include <support/lifetime_counter.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/operation_cancelled.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>
#include <yieldtasks/usage_error.hpp>
#include <yieldtasks/when_any.hpp>

namespace {

using yt_test::lifetime_counter;

// Counts the frames of the tasks below that are alive, through a lifetime_counter each holds.
yt::task<int> value(int x) {
  const lifetime_counter frame(x);
  co_return x;
}

yt::task<int> failing(int x) {
  const lifetime_counter frame(x);
  throw std::runtime_error("failed " + std::to_string(x));
  co_return x;
}

// Runs a nested map whose one item spins until the stop reaches it through its std::stop_token:
// only a stop of the enclosing when_any ends it. `started` is set once it spins.
yt::task<int> until_stopped(std::atomic<bool>& started, bool then_throw = false) {
  const lifetime_counter frame(-1);
  const auto inner = co_await yt::taskmap(
      [&started](int y, std::stop_token token) {
        started.store(true);
        while (!token.stop_requested()) {
          std::this_thread::yield();
        }
        return y;
      },
      std::views::iota(0, 1));
  if (then_throw) {
    throw std::runtime_error("loser");
  }
  co_return static_cast<int>(inner.size()) + 100;
}

// Waits until `started`, then finishes: the winner against until_stopped on a pool.
yt::task<int> after(std::atomic<bool>& started, int x) {
  while (!started.load()) {
    std::this_thread::yield();
  }
  co_return x;
}

yt::task<int> fail_after(std::atomic<bool>& started) {
  while (!started.load()) {
    std::this_thread::yield();
  }
  throw std::logic_error("winner failed");
  co_return 0;
}

} // namespace

TEST_CASE("when_any: the first task wins and the others never start on inline_executor",
          "[when_any]") {
  lifetime_counter::reset();
  yt::inline_executor serial;
  auto run = []() -> yt::task<int> {
    auto [index, result] = co_await yt::when_any(value(7), value(8), value(9));
    CHECK(index == 0);
    CHECK(lifetime_counter::alive() == 0); // every frame is gone once the co_await yields
    co_return result;
  };
  CHECK(serial.sync_wait(run()) == 7);
  CHECK(lifetime_counter::constructed() == 1);
}

TEST_CASE("when_any stops the losers through their nested maps and awaits them", "[when_any]") {
  yt::thread_pool pool(2);
  for (int repeat = 0; repeat < 50; ++repeat) {
    lifetime_counter::reset();
    std::atomic<bool> started{false};
    auto run = [&]() -> yt::task<int> {
      auto [index, result] = co_await yt::when_any(until_stopped(started), after(started, 5));
      CHECK(index == 1);
      CHECK(lifetime_counter::alive() == 0);
      co_return result;
    };
    CHECK(pool.sync_wait(run()) == 5);
  }
}

TEST_CASE("when_any yields a variant for tasks of different types", "[when_any]") {
  yt::inline_executor serial;
  auto text = []() -> yt::task<std::string> { co_return "text"; };
  auto nothing = []() -> yt::task<> { co_return; };
  auto run = [&]() -> yt::task<std::size_t> {
    auto [index, result] = co_await yt::when_any(text(), value(3), nothing());
    CHECK(std::get<0>(result) == "text");
    CHECK(result.index() == index);
    co_return index;
  };
  CHECK(serial.sync_wait(run()) == 0);
}

TEST_CASE("when_any over a range yields the index and value of the winner", "[when_any]") {
  yt::thread_pool pool(2);
  std::atomic<bool> started{false};
  auto run = [&]() -> yt::task<yt::when_any_result<int>> {
    std::vector<yt::task<int>> tasks;
    // Two workers: the first spins in task 0, the second runs task 1, which wins, and task 2 is
    // skipped (a spinning task 2 could take the second worker and leave task 1 unstarted).
    tasks.push_back(until_stopped(started));
    tasks.push_back(after(started, 42));
    tasks.push_back(until_stopped(started));
    co_return co_await yt::when_any(std::move(tasks));
  };
  const yt::when_any_result<int> result = pool.sync_wait(run());
  CHECK(result.index == 1);
  CHECK(result.value == 42);
}

TEST_CASE("when_any rethrows the exception of a task that completes first", "[when_any]") {
  lifetime_counter::reset();
  yt::inline_executor serial;
  auto first_fails = []() -> yt::task<int> {
    co_return (co_await yt::when_any(failing(1), value(2))).value;
  };
  CHECK_THROWS_WITH(serial.sync_wait(first_fails()), "failed 1");
  CHECK(lifetime_counter::constructed() == 1); // the second never started
  CHECK(lifetime_counter::alive() == 0);

  yt::thread_pool pool(2);
  for (int repeat = 0; repeat < 20; ++repeat) {
    std::atomic<bool> started{false};
    auto fails_while_other_runs = [&]() -> yt::task<int> {
      co_return (co_await yt::when_any(until_stopped(started), fail_after(started))).value;
    };
    CHECK_THROWS_AS(pool.sync_wait(fails_while_other_runs()), std::logic_error);
  }
  CHECK(lifetime_counter::alive() == 0);
}

TEST_CASE("when_any drops the exceptions of losers that fail after the winner", "[when_any]") {
  yt::thread_pool pool(2);
  for (int repeat = 0; repeat < 20; ++repeat) {
    std::atomic<bool> started{false};
    auto run = [&]() -> yt::task<int> {
      co_return (co_await yt::when_any(until_stopped(started, true), after(started, 9))).value;
    };
    CHECK(pool.sync_wait(run()) == 9);
  }
}

TEST_CASE("when_any drops the operation_cancelled of a loser's stopped plain map", "[when_any]") {
  yt::thread_pool pool(2);
  for (int repeat = 0; repeat < 20; ++repeat) {
    std::atomic<bool> started{false};
    std::atomic<int> ran{0};
    auto loser = [&]() -> yt::task<int> {
      // A plain map of coroutine items: each waits for the stop, so items are left unstarted.
      const std::vector<int> values = co_await yt::taskmap(
          [&](int x) -> yt::task<int> {
            ran.fetch_add(1);
            co_return co_await until_stopped(started) + x;
          },
          std::views::iota(0, 1'000));
      co_return static_cast<int>(values.size());
    };
    auto run = [&]() -> yt::task<int> {
      co_return (co_await yt::when_any(loser(), after(started, 4))).value;
    };
    CHECK(pool.sync_wait(run()) == 4);
    CHECK(ran.load() < 1'000);
  }
}

TEST_CASE("when_any refuses an empty range and empty tasks", "[when_any]") {
  std::vector<yt::task<int>> none;
  CHECK_THROWS_AS(yt::when_any(std::move(none)), yt::usage_error);
  yt::task<int> moved = value(1);
  yt::task<int> taken = std::move(moved);
  CHECK_THROWS_AS(yt::when_any(std::move(moved), value(2)), yt::usage_error); // NOLINT
  std::vector<yt::task<int>> with_empty;
  with_empty.push_back(value(3));
  with_empty.push_back(std::move(moved)); // NOLINT(bugprone-use-after-move)
  CHECK_THROWS_AS(yt::when_any(std::move(with_empty)), yt::usage_error);
  yt::inline_executor serial;
  auto twice = []() -> yt::task<int> {
    auto any = yt::when_any(value(1));
    static_cast<void>(co_await any);
    co_return (co_await any).value;
  };
  CHECK_THROWS_AS(serial.sync_wait(twice()), yt::usage_error);
}

TEST_CASE("a stop of an enclosing map reaches the tasks of a when_any", "[when_any]") {
  lifetime_counter::reset();
  yt::inline_executor serial;
  auto stopping = [](yt::stop_source stop) -> yt::task<int> {
    stop.request_stop();
    co_return 1;
  };
  // Item 0's first task stops the top map, which reaches the when_any: its second task never
  // starts. Item 1 stops the map before its when_any starts: no task starts, and the when_any's
  // operation_cancelled makes item 1 a skipped item.
  const auto results = serial.map(
      [&](int x, yt::stop_source stop) -> yt::task<int> {
        if (x == 1) {
          stop.request_stop();
          co_return (co_await yt::when_any(value(3), value(4))).value;
        }
        co_return (co_await yt::when_any(stopping(stop), value(2))).value;
      },
      std::views::iota(0, 2));
  CHECK(results[0] == 1);
  CHECK_FALSE(results[1].has_value());
  CHECK(lifetime_counter::constructed() == 0);
  CHECK(lifetime_counter::alive() == 0);
}
