#include <atomic>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include <support/lifetime_counter.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>
#include <yieldtasks/when_all.hpp>

namespace {

yt::task<long> fib(int n) {
  if (n < 2) {
    co_return n;
  }
  auto [a, b] = co_await yt::when_all(fib(n - 1), fib(n - 2));
  co_return a + b;
}

yt::task<int> number(int x) {
  co_return x;
}
yt::task<std::string> text(std::string s) {
  co_return s + "!";
}
yt::task<void> bump(std::atomic<int>& counter) {
  counter.fetch_add(1);
  co_return;
}
yt::task<int> fail_with(std::string message) {
  throw std::runtime_error(message);
  co_return 0; // NOLINT: makes this a coroutine
}

} // namespace

TEST_CASE("when_all yields every child's result in argument order", "[when_all]") {
  yt::thread_pool pool(2);
  std::atomic<int> counter{0};
  auto all = [&]() -> yt::task<bool> {
    auto [i, s, v] = co_await yt::when_all(number(7), text("hi"), bump(counter));
    static_assert(std::is_same_v<decltype(v), std::monostate>);
    co_return i == 7 && s == "hi!";
  };
  CHECK(pool.sync_wait(all()));
  CHECK(counter.load() == 1);
}

TEST_CASE("recursive fib through when_all is correct on both backends", "[when_all]") {
  yt::inline_executor serial;
  CHECK(serial.sync_wait(fib(20)) == 6765);
  yt::thread_pool pool(4);
  CHECK(pool.sync_wait(fib(25)) == 75025);
}

TEST_CASE("when_all rethrows the first failed child in argument order", "[when_all]") {
  yt::thread_pool pool(2);
  auto both_fail = []() -> yt::task<int> {
    auto [a, b] = co_await yt::when_all(fail_with("first"), fail_with("second"));
    co_return a + b;
  };
  yt::inline_executor serial;
  CHECK_THROWS_WITH(serial.sync_wait(both_fail()), "first");
  CHECK_THROWS(pool.sync_wait(both_fail()));
}

TEST_CASE("after a child fails, when_all skips the children not yet started", "[when_all]") {
  // The inline executor starts children in argument order, one after the other.
  yt::inline_executor serial;
  std::atomic<int> counter{0};
  auto first_fails = [&]() -> yt::task<void> {
    co_await yt::when_all(fail_with("first"), bump(counter), bump(counter));
  };
  CHECK_THROWS_WITH(serial.sync_wait(first_fails()), "first");
  CHECK(counter.load() == 0);
  auto middle_fails = [&]() -> yt::task<void> {
    co_await yt::when_all(bump(counter), fail_with("middle"), bump(counter));
  };
  CHECK_THROWS_WITH(serial.sync_wait(middle_fails()), "middle");
  CHECK(counter.load() == 1);
}

TEST_CASE("an exception caught inside a when_all child does not fail the when_all", "[when_all]") {
  std::atomic<int> counter{0};
  // The inner task's exception escapes its own body (an awaited task, not a child) and is caught
  // by the child, which then returns normally.
  auto recovers = []() -> yt::task<int> {
    try {
      co_return co_await fail_with("inner");
    } catch (const std::runtime_error&) {
      co_return -1;
    }
  };
  auto all = [&]() -> yt::task<int> {
    auto [a, b, v] = co_await yt::when_all(recovers(), number(5), bump(counter));
    static_cast<void>(v);
    co_return a + b;
  };
  yt::inline_executor serial;
  CHECK(serial.sync_wait(all()) == 4);
  yt::thread_pool pool(2);
  CHECK(pool.sync_wait(all()) == 4);
  CHECK(counter.load() == 2);
}

TEST_CASE("when_all destroys every child frame and argument", "[when_all]") {
  yt_test::lifetime_counter::reset();
  auto keep = [](yt_test::lifetime_counter c) -> yt::task<int> { co_return c.value(); };
  auto pair = [&]() -> yt::task<int> {
    auto [a, b] = co_await yt::when_all(keep(yt_test::lifetime_counter(1)),
                                        keep(yt_test::lifetime_counter(2)));
    co_return a + b;
  };
  yt::thread_pool pool(2);
  CHECK(pool.sync_wait(pair()) == 3);
  CHECK(yt_test::lifetime_counter::alive() == 0);
}

TEST_CASE("when_all of an empty task throws usage_error and destroys the other tasks",
          "[when_all]") {
  yt_test::lifetime_counter::reset();
  auto keep = [](yt_test::lifetime_counter c) -> yt::task<int> { co_return c.value(); };
  auto with_empty = [&]() -> yt::task<int> {
    yt::task<int> moved = keep(yt_test::lifetime_counter(1));
    yt::task<int> taken = std::move(moved);
    auto [a, b] = co_await yt::when_all(keep(yt_test::lifetime_counter(2)), std::move(moved));
    co_return a + b;
  };
  yt::inline_executor serial;
  CHECK_THROWS_AS(serial.sync_wait(with_empty()), yt::usage_error);
  CHECK(yt_test::lifetime_counter::alive() == 0);
}

TEST_CASE("a when_all can be awaited only once", "[when_all]") {
  yt::inline_executor serial;
  auto twice = []() -> yt::task<int> {
    auto both = yt::when_all(number(1), number(2));
    auto [a, b] = co_await both;
    static_cast<void>(co_await both);
    co_return a + b;
  };
  CHECK_THROWS_AS(serial.sync_wait(twice()), yt::usage_error);
}

namespace {

// A tree of when_alls of two to four children whose value has a closed form (the number of
// leaves). Every third node first awaits a taskmap, so it suspends and may finish on another
// worker than the one that started it: joins then mix children run in place, stolen children and
// children finishing elsewhere.
yt::task<long> mixed_tree(int depth, int branch) {
  if (depth == 0) {
    co_return 1;
  }
  long offset = 0;
  if (branch % 3 == 0) {
    const std::vector<int> ones{1, 1, 1};
    const std::vector<int> values = co_await yt::taskmap([](int x) { return x; }, ones);
    offset = values[0] + values[1] + values[2] - 3;
  }
  const int width = 2 + branch % 3;
  long sum = offset;
  if (width == 2) {
    auto [a, b] =
        co_await yt::when_all(mixed_tree(depth - 1, branch + 1), mixed_tree(depth - 1, branch + 2));
    sum += a + b;
  } else if (width == 3) {
    auto [a, b, c] =
        co_await yt::when_all(mixed_tree(depth - 1, branch + 1), mixed_tree(depth - 1, branch + 2),
                              mixed_tree(depth - 1, branch + 3));
    sum += a + b + c;
  } else {
    auto [a, b, c, d] =
        co_await yt::when_all(mixed_tree(depth - 1, branch + 1), mixed_tree(depth - 1, branch + 2),
                              mixed_tree(depth - 1, branch + 3), mixed_tree(depth - 1, branch + 4));
    sum += a + b + c + d;
  }
  co_return sum;
}

long mixed_tree_leaves(int depth, int branch) {
  if (depth == 0) {
    return 1;
  }
  long sum = 0;
  for (int child = 1; child <= 2 + branch % 3; ++child) {
    sum += mixed_tree_leaves(depth - 1, branch + child);
  }
  return sum;
}

} // namespace

TEST_CASE("when_all joins correctly however its children are stolen or suspended",
          "[when_all][stress]") {
  yt::thread_pool pool(4);
  for (int round = 0; round < 30; ++round) {
    const int branch = round % 7;
    REQUIRE(pool.sync_wait(mixed_tree(8, branch)) == mixed_tree_leaves(8, branch));
  }
  yt::inline_executor serial;
  CHECK(serial.sync_wait(mixed_tree(5, 1)) == mixed_tree_leaves(5, 1));
}
