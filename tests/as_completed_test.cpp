#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <numeric>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include <support/lifetime_counter.hpp>

#include <yieldtasks/as_completed.hpp>
#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/operation_cancelled.hpp>
#include <yieldtasks/sleep_for.hpp>
#include <yieldtasks/stop_source.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>
#include <yieldtasks/usage_error.hpp>
#include <yieldtasks/when_any.hpp>

namespace {

using yt_test::lifetime_counter;

// What a consumer saw: the indices in delivery order, and the values by index.
struct delivery {
  std::vector<std::size_t> order;
  std::vector<int> values;
};

// Drains `stream`, checking nothing itself.
template <class Stream> yt::task<delivery> drain(Stream stream, std::size_t size) {
  delivery seen{{}, std::vector<int>(size, -1)};
  while (auto item = co_await stream.next()) {
    seen.order.push_back(item->index);
    seen.values[item->index] = item->value;
  }
  co_return seen;
}

// Every index delivered exactly once, with value f(index).
template <class F> void check_complete(const delivery& seen, std::size_t size, F expected) {
  REQUIRE(seen.order.size() == size);
  std::vector<std::size_t> sorted = seen.order;
  std::ranges::sort(sorted);
  for (std::size_t i = 0; i < size; ++i) {
    REQUIRE(sorted[i] == i);
    REQUIRE(seen.values[i] == expected(static_cast<int>(i)));
  }
}

constexpr std::size_t bound_window = 3;
constexpr int bound_items = 60;

yt::task<lifetime_counter> counted(int x) {
  const lifetime_counter frame(x);
  co_return lifetime_counter(x * 3);
}

// The example of completion_stream's documentation, as it is written there.
yt::task<int> sum_of_squares(std::vector<int> xs) {
  auto stream = yt::as_completed([](int x) { return x * x; }, xs);
  int sum = 0;
  while (auto item = co_await stream.next()) {
    sum += item->value; // item->index is the position of the element in xs
  }
  co_return sum;
}

} // namespace

TEST_CASE("the documented as_completed example sums the squares", "[as_completed]") {
  yt::thread_pool pool(2);
  REQUIRE(pool.sync_wait(sum_of_squares({1, 2, 3, 4})) == 30);
  REQUIRE(yt::inline_executor{}.sync_wait(sum_of_squares({5, 6})) == 61);
}

TEST_CASE("as_completed delivers every plain item's result exactly once", "[as_completed]") {
  yt::thread_pool pool(4);
  std::vector<int> xs(1'000);
  std::iota(xs.begin(), xs.end(), 0);
  const auto square = [](int x) { return x * x; };
  const delivery seen = pool.sync_wait(drain(yt::as_completed(square, xs), xs.size()));
  check_complete(seen, xs.size(), square);
}

TEST_CASE("as_completed runs coroutine items and destroys every frame and value",
          "[as_completed]") {
  lifetime_counter::reset();
  {
    yt::thread_pool pool(4);
    const auto total = pool.sync_wait([]() -> yt::task<long> {
      auto stream = yt::as_completed(counted, std::views::iota(0, 500), 8);
      long sum = 0;
      std::vector<int> seen(500, 0);
      while (auto item = co_await stream.next()) {
        ++seen[item->index];
        REQUIRE(item->value.value() == 3 * static_cast<int>(item->index));
        sum += item->value.value();
      }
      REQUIRE(std::ranges::all_of(seen, [](int n) { return n == 1; }));
      co_return sum;
    }());
    REQUIRE(total == 3L * 499 * 500 / 2);
  }
  REQUIRE(lifetime_counter::alive() == 0);
}

TEST_CASE("as_completed on an inline executor runs each item just before delivering it",
          "[as_completed]") {
  yt::inline_executor serial;
  std::vector<std::string> log;
  serial.sync_wait([](std::vector<std::string>& out) -> yt::task<void> {
    auto stream = yt::as_completed(
        [&out](int x) {
          out.push_back("run " + std::to_string(x));
          return x;
        },
        std::views::iota(0, 3), 2);
    while (auto item = co_await stream.next()) {
      out.push_back("got " + std::to_string(item->index));
    }
  }(log));
  REQUIRE(log == std::vector<std::string>{"run 0", "got 0", "run 1", "got 1", "run 2", "got 2"});
}

TEST_CASE("as_completed never has more than window items started and not taken", "[as_completed]") {
  yt::thread_pool pool(4);
  std::atomic<int> started{0};
  const auto worst = pool.sync_wait([](std::atomic<int>& count) -> yt::task<int> {
    auto stream = yt::as_completed(
        [&count](int x) {
          count.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          return x;
        },
        std::views::iota(0, bound_items), bound_window);
    int taken = 0;
    int most = 0; // the most items started beyond those taken, seen between two next()s
    while (auto item = co_await stream.next()) {
      ++taken;
      std::this_thread::sleep_for(std::chrono::microseconds(300)); // a slow consumer
      most = std::max(most, count.load() - taken);
    }
    REQUIRE(taken == bound_items);
    co_return most;
  }(started));
  REQUIRE(worst <= static_cast<int>(bound_window));
  REQUIRE(started.load() == bound_items);
}

TEST_CASE("as_completed delivers an item's exception through next() and goes on",
          "[as_completed]") {
  yt::thread_pool pool(2);
  const auto [values, errors] =
      pool.sync_wait([]() -> yt::task<std::pair<int, std::vector<std::string>>> {
        auto stream = yt::as_completed(
            [](int x) {
              if (x % 10 == 3) {
                throw std::runtime_error("item " + std::to_string(x));
              }
              return x;
            },
            std::views::iota(0, 40));
        int delivered = 0;
        std::vector<std::string> failures;
        while (true) {
          try {
            const auto item = co_await stream.next();
            if (!item) {
              break;
            }
            REQUIRE(item->value % 10 != 3);
            ++delivered;
          } catch (const std::runtime_error& error) {
            failures.emplace_back(error.what());
          }
        }
        co_return std::pair{delivered, failures};
      }());
  REQUIRE(values == 36);
  REQUIRE(errors.size() == 4);
}

TEST_CASE("dropping an as_completed stream skips unstarted items and waits for running ones",
          "[as_completed]") {
  lifetime_counter::reset();
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  {
    yt::thread_pool pool(4);
    const auto [first, running_at_return] = pool.sync_wait(
        [](std::atomic<int>& begun, std::atomic<int>& done) -> yt::task<std::pair<int, int>> {
          int first_index = -1;
          {
            auto stream = yt::as_completed(
                [&begun, &done](int x) -> yt::task<lifetime_counter> {
                  begun.fetch_add(1);
                  const lifetime_counter frame(x);
                  std::this_thread::sleep_for(std::chrono::milliseconds(1));
                  done.fetch_add(1);
                  co_return lifetime_counter(x);
                },
                std::views::iota(0, 10'000), 4);
            auto item = co_await stream.next();
            first_index = static_cast<int>(item->index);
          } // the destructor stops the rest and waits for the running items
          co_return std::pair{first_index, begun.load() - done.load()};
        }(started, finished));
    REQUIRE(first >= 0);
    REQUIRE(running_at_return == 0);
    REQUIRE(started.load() <= 5); // the window, plus the one taken
  }
  REQUIRE(lifetime_counter::alive() == 0);
}

// Items asleep on a timer when the stream is dropped are handed back through the executor's
// injection queue, which on one worker or an inline run only the dropping thread can empty.
yt::task<int> napping(std::atomic<int>& done, int x) {
  co_await yt::sleep_for(std::chrono::milliseconds(2));
  done.fetch_add(1);
  co_return x;
}

yt::task<int> take_one_and_drop(std::atomic<int>& done) {
  auto stream =
      yt::as_completed([&done](int x) { return napping(done, x); }, std::views::iota(0, 100), 3);
  auto item = co_await stream.next();
  co_return static_cast<int>(item->index);
}

TEST_CASE("dropping a stream whose items sleep does not hang on one worker or inline",
          "[as_completed]") {
  std::atomic<int> done{0};
  yt::thread_pool single(1);
  REQUIRE(single.sync_wait(take_one_and_drop(done)) >= 0);
  REQUIRE(done.load() <= 4);
  const int after_pool = done.load();
  REQUIRE(yt::inline_executor{}.sync_wait(take_one_and_drop(done)) == 0);
  REQUIRE(done.load() - after_pool == 3); // the window's three started in order; the rest never
}

TEST_CASE("request_stop then draining delivers exactly the items that started", "[as_completed]") {
  yt::thread_pool pool(4);
  std::atomic<int> started{0};
  const int delivered = pool.sync_wait([](std::atomic<int>& begun) -> yt::task<int> {
    auto stream = yt::as_completed(
        [&begun](int x) {
          begun.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::microseconds(100));
          return x;
        },
        std::views::iota(0, 5'000));
    int count = 0;
    while (auto item = co_await stream.next()) {
      if (++count == 10) {
        stream.request_stop();
      }
    }
    co_return count;
  }(started));
  REQUIRE(delivered == started.load());
  REQUIRE(delivered < 5'000);
}

TEST_CASE("an as_completed item's stop reaches the stream and the maps nested in its items",
          "[as_completed]") {
  yt::thread_pool pool(4);
  std::atomic<int> inner_runs{0};
  const int delivered = pool.sync_wait([](std::atomic<int>& runs) -> yt::task<int> {
    auto stream = yt::as_completed(
        [&runs](int x, yt::stop_source stop) -> yt::task<int> {
          if (x == 2) {
            stop.request_stop();
            co_return x;
          }
          // A long nested map that only the stream's stop cuts short.
          const auto inner = co_await yt::taskmap(
              [&runs](int y, std::stop_token token) {
                runs.fetch_add(1);
                if (!token.stop_requested()) {
                  std::this_thread::sleep_for(std::chrono::microseconds(50));
                }
                return y;
              },
              std::views::iota(0, 100'000));
          co_return static_cast<int>(inner.size());
        },
        std::views::iota(0, 1'000), 4);
    int count = 0;
    while (auto item = co_await stream.next()) {
      ++count;
    }
    co_return count;
  }(inner_runs));
  REQUIRE(delivered <= 4);
  REQUIRE(inner_runs.load() < 4 * 100'000);
}

TEST_CASE("as_completed items taking a std::stop_token see the stream's stop", "[as_completed]") {
  yt::thread_pool pool(2);
  std::atomic<bool> saw_stop{false};
  pool.sync_wait([](std::atomic<bool>& saw) -> yt::task<void> {
    std::atomic<bool> spinning{false};
    auto stream = yt::as_completed(
        [&saw, &spinning](int x, std::stop_token token) {
          if (x == 0) {
            spinning.store(true);
            while (!token.stop_requested()) {
              std::this_thread::yield();
            }
            saw.store(true);
          }
          return x;
        },
        std::views::iota(0, 2), 2);
    auto item = co_await stream.next(); // item 1: item 0 spins until the drop below
    REQUIRE(item->index == 1);
    while (!spinning.load()) {
      std::this_thread::yield();
    }
  }(saw_stop));
  REQUIRE(saw_stop.load());
}

TEST_CASE("a stop of the map a consumer runs under stops its stream", "[as_completed]") {
  yt::thread_pool pool(4);
  std::atomic<int> runs{0};
  const auto [index, value] =
      pool.sync_wait([](std::atomic<int>& count) -> yt::task<yt::when_any_result<int>> {
        auto consume = [](std::atomic<int>& n) -> yt::task<int> {
          auto stream = yt::as_completed(
              [&n](int x) {
                n.fetch_add(1);
                std::this_thread::sleep_for(std::chrono::microseconds(100));
                return x;
              },
              std::views::iota(0, 100'000), 4);
          int delivered = 0;
          while (auto item = co_await stream.next()) {
            ++delivered;
          }
          co_return delivered;
        };
        // Wins once the stream has started, so that the stop finds it running.
        auto quick = [](std::atomic<int>& n) -> yt::task<int> {
          while (n.load() < 8) {
            std::this_thread::yield();
          }
          co_return -1;
        };
        co_return co_await yt::when_any(quick(count), consume(count));
      }(runs));
  REQUIRE(value == -1);
  REQUIRE(index == 0);
  REQUIRE(runs.load() >= 8);
  REQUIRE(runs.load() < 100'000);
}

TEST_CASE("as_completed handles void items, empty ranges and bad input", "[as_completed]") {
  yt::thread_pool pool(2);
  std::atomic<int> calls{0};
  const int voids = pool.sync_wait([](std::atomic<int>& n) -> yt::task<int> {
    auto stream = yt::as_completed([&n](int /*x*/) { n.fetch_add(1); }, std::views::iota(0, 20));
    int count = 0;
    while (auto item = co_await stream.next()) {
      static_assert(std::is_same_v<decltype(item->value), std::monostate>);
      ++count;
    }
    co_return count;
  }(calls));
  REQUIRE(voids == 20);
  REQUIRE(calls.load() == 20);

  const bool empty = pool.sync_wait([]() -> yt::task<bool> {
    const std::vector<int> none;
    auto stream = yt::as_completed([](int x) { return x; }, none);
    co_return !(co_await stream.next()).has_value();
  }());
  REQUIRE(empty);

  REQUIRE_THROWS_AS(yt::as_completed([](int x) { return x; }, std::views::iota(0, 3), 0),
                    yt::usage_error);
  REQUIRE_THROWS_AS(pool.sync_wait([]() -> yt::task<void> {
    auto stream = yt::as_completed([](int x) { return x; }, std::views::iota(0, 3));
    auto moved = std::move(stream);
    static_cast<void>(co_await stream.next()); // NOLINT(bugprone-use-after-move)
  }()),
                    yt::usage_error);
}

TEST_CASE("thread_pool::as_completed streams results to a blocking caller", "[as_completed]") {
  lifetime_counter::reset();
  {
    yt::thread_pool pool(4);
    auto stream = pool.as_completed(counted, std::views::iota(0, 300));
    std::vector<int> seen(300, 0);
    while (auto item = stream.next()) {
      ++seen[item->index];
      REQUIRE(item->value.value() == 3 * static_cast<int>(item->index));
    }
    REQUIRE(std::ranges::all_of(seen, [](int n) { return n == 1; }));
    REQUIRE(!stream.next().has_value());
  }
  REQUIRE(lifetime_counter::alive() == 0);
}

TEST_CASE("dropping a blocking stream waits for its running items", "[as_completed]") {
  yt::thread_pool pool(4);
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  {
    auto stream = pool.as_completed(
        [&started, &finished](int x) {
          started.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          finished.fetch_add(1);
          return x;
        },
        std::views::iota(0, 10'000), 2);
    REQUIRE(stream.next().has_value());
  }
  REQUIRE(started.load() == finished.load());
  REQUIRE(started.load() <= 3);
}

TEST_CASE("thread_pool::as_completed refuses to block a worker", "[as_completed]") {
  yt::thread_pool pool(2);
  REQUIRE_THROWS_AS(pool.sync_wait([](yt::thread_pool& p) -> yt::task<void> {
    auto stream = p.as_completed([](int x) { return x; }, std::views::iota(0, 3));
    static_cast<void>(stream.next());
    co_return;
  }(pool)),
                    yt::usage_error);
  REQUIRE_THROWS_AS(pool.as_completed([](int x) { return x; }, std::views::iota(0, 3), 0),
                    yt::usage_error);
}

TEST_CASE("inline_executor::as_completed runs each item in the next() that delivers it",
          "[as_completed]") {
  const yt::inline_executor serial;
  std::vector<std::string> log;
  auto stream = serial.as_completed(
      [&log](int x) {
        log.push_back("run " + std::to_string(x));
        if (x == 1) {
          throw std::runtime_error("item 1");
        }
        return x;
      },
      std::views::iota(0, 3));
  REQUIRE(stream.next()->index == 0);
  log.emplace_back("got 0");
  REQUIRE_THROWS_WITH(stream.next(), "item 1");
  log.emplace_back("threw 1");
  REQUIRE(stream.next()->index == 2);
  REQUIRE(!stream.next().has_value());
  REQUIRE(log == std::vector<std::string>{"run 0", "got 0", "run 1", "threw 1", "run 2"});
}

TEST_CASE("dropping an inline stream finishes its sleeping items on the dropping thread",
          "[as_completed]") {
  std::atomic<int> done{0};
  {
    auto stream = yt::inline_executor{}.as_completed([&done](int x) { return napping(done, x); },
                                                     std::views::iota(0, 100), 3);
    REQUIRE(stream.next()->index == 0);
  }
  REQUIRE(done.load() == 3); // the window's three started; the drop ran the other two to the end
}

TEST_CASE("a pool's blocking stream dropped inside a task on a one-worker pool does not hang",
          "[as_completed]") {
  std::atomic<int> done{0};
  yt::thread_pool single(1);
  auto stream =
      single.as_completed([&done](int x) { return napping(done, x); }, std::views::iota(0, 50), 2);
  REQUIRE(stream.next().has_value()); // the next item is asleep on the timer now
  single.sync_wait([](yt::blocking_completion_stream<int> dropped) -> yt::task<void> {
    static_cast<void>(dropped);
    co_return; // the frame's destruction drops the stream on the worker
  }(std::move(stream)));
  REQUIRE(done.load() <= 3);
  REQUIRE(done.load() >= 2);
}
