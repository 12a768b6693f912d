#include <atomic>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/stop_source.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

// Cancellation and exceptions: both stop the items of a map that have not started.

TEST_CASE("stop_source skips the items that have not started, in order on inline_executor",
          "[stop_source]") {
  yt::inline_executor serial;
  std::vector<int> started;
  const std::vector<std::optional<int>> results = serial.map(
      [&started](int x, yt::stop_source stop) {
        started.push_back(x);
        if (x == 5) {
          stop.request_stop();
        }
        return x * 10;
      },
      std::views::iota(0, 20));
  REQUIRE(results.size() == 20);
  CHECK(started == std::vector<int>{0, 1, 2, 3, 4, 5});
  for (int x = 0; x < 20; ++x) {
    CHECK(results[static_cast<std::size_t>(x)].has_value() == (x <= 5));
  }
  CHECK(*results[5] == 50);
}

TEST_CASE("stop_source: skipped items never start on a thread_pool", "[stop_source]") {
  yt::thread_pool pool(4);
  for (int repeat = 0; repeat < 20; ++repeat) {
    constexpr int count = 2'000;
    std::vector<std::atomic<int>> ran(count);
    const auto results = pool.map(
        [&ran](int x, yt::stop_source stop) -> yt::task<int> {
          ran[static_cast<std::size_t>(x)].fetch_add(1);
          if (x == 100) {
            stop.request_stop();
          }
          co_return x;
        },
        std::views::iota(0, count));
    int skipped = 0;
    for (int x = 0; x < count; ++x) {
      const auto index = static_cast<std::size_t>(x);
      REQUIRE(ran[index].load() == (results[index].has_value() ? 1 : 0));
      skipped += results[index].has_value() ? 0 : 1;
    }
    CHECK(results[100].has_value());
    CHECK(skipped > 0);
  }
}

TEST_CASE("stop_requested tells long-running items to return early", "[stop_source]") {
  yt::thread_pool pool(2);
  std::atomic<int> observed{0};
  const auto results = pool.map(
      [&observed](int x, yt::stop_source stop) {
        if (x == 0) {
          stop.request_stop();
          return 0;
        }
        while (!stop.stop_requested()) {
        }
        observed.fetch_add(1);
        return x;
      },
      std::views::iota(0, 8));
  CHECK(results[0] == 0);
  for (std::size_t i = 1; i < results.size(); ++i) {
    CHECK((!results[i].has_value() || *results[i] == static_cast<int>(i)));
  }
}

TEST_CASE("the first exception is rethrown and the items after it never start on "
          "inline_executor",
          "[taskmap][exceptions]") {
  yt::inline_executor serial;
  std::vector<int> started;
  CHECK_THROWS_WITH(serial.map(
                        [&started](int x) {
                          started.push_back(x);
                          if (x == 3) {
                            throw std::runtime_error("item 3");
                          }
                          return x;
                        },
                        std::views::iota(0, 10)),
                    "item 3");
  CHECK(started == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("an exception is rethrown only after every started item has finished",
          "[taskmap][exceptions]") {
  yt::thread_pool pool(4);
  for (int repeat = 0; repeat < 20; ++repeat) {
    std::atomic<int> started{0};
    std::atomic<int> finished{0};
    try {
      pool.map(
          [&](int x) -> yt::task<int> {
            started.fetch_add(1);
            const std::vector<int> inner{x, x + 1, x + 2};
            std::vector<int> values = co_await yt::taskmap([](int v) { return v; }, inner);
            finished.fetch_add(1);
            if (x % 97 == 50) {
              throw std::runtime_error("item failed");
            }
            co_return values[0];
          },
          std::views::iota(0, 3'000));
      FAIL("no exception");
    } catch (const std::runtime_error& error) {
      CHECK(std::string(error.what()) == "item failed");
    }
    CHECK(started.load() == finished.load());
    CHECK(started.load() < 3'000);
  }
}

TEST_CASE("one exception propagates when several items throw", "[taskmap][exceptions]") {
  yt::thread_pool pool(4);
  try {
    pool.map([](int x) -> int { throw std::runtime_error(std::to_string(x)); },
             std::views::iota(0, 100));
    FAIL("no exception");
  } catch (const std::runtime_error& error) {
    const int which = std::stoi(error.what());
    CHECK(which >= 0);
    CHECK(which < 100);
  }
}

TEST_CASE("exceptions in nested maps reach the top-level caller", "[taskmap][exceptions]") {
  yt::thread_pool pool(2);
  auto outer = [](int x) -> yt::task<int> {
    const auto inner = std::views::iota(0, 10);
    std::vector<int> values = co_await yt::taskmap(
        [x](int y) -> yt::task<int> {
          if (x == 3 && y == 7) {
            throw std::out_of_range("deep");
          }
          co_return y;
        },
        inner);
    co_return values[9];
  };
  CHECK_THROWS_AS(pool.map(outer, std::views::iota(0, 8)), std::out_of_range);
}

TEST_CASE("the pool is usable after a map threw", "[taskmap][exceptions]") {
  yt::thread_pool pool(3);
  for (int round = 0; round < 10; ++round) {
    CHECK_THROWS(pool.map(
        [](int x) {
          if (x == 17) {
            throw std::logic_error("17");
          }
          return x;
        },
        std::views::iota(0, 100)));
    const auto values = pool.map([](int x) { return x + 1; }, std::views::iota(0, 100));
    CHECK(values[99] == 100);
  }
}

TEST_CASE("a function that throws instead of returning its task fails the map",
          "[taskmap][exceptions]") {
  // The last index matters too: its start is the only one made without re-pushing the spawn job.
  const int thrower = GENERATE(0, 2, 4);
  auto make = [thrower](int x) -> yt::task<int> {
    if (x == thrower) {
      throw std::invalid_argument("not a task");
    }
    return [](int y) -> yt::task<int> { co_return y; }(x);
  };
  yt::inline_executor serial;
  CHECK_THROWS_AS(serial.map(make, std::views::iota(0, 5)), std::invalid_argument);
  yt::thread_pool pool(2);
  for (int round = 0; round < 50; ++round) {
    CHECK_THROWS_AS(pool.map(make, std::views::iota(0, 5)), std::invalid_argument);
  }
}
