#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include <support/lifetime_counter.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/thread_pool.hpp>

namespace {

yt::task<int> forty_two() {
  co_return 42;
}

yt::task<int> add_one(yt::task<int> inner) {
  co_return 1 + co_await std::move(inner);
}

yt::task<void> set_flag(bool& flag) {
  flag = true;
  co_return;
}

yt::task<int> throws_runtime_error() {
  throw std::runtime_error("boom");
  co_return 0; // NOLINT: makes this a coroutine
}

yt::task<long> count_down(long n) {
  if (n == 0) {
    co_return 0;
  }
  co_return 1 + co_await count_down(n - 1);
}

yt::task<int> keep(yt_test::lifetime_counter counter) {
  co_return counter.value();
}

} // namespace

TEST_CASE("task yields the value its coroutine returns", "[task]") {
  yt::inline_executor serial;
  CHECK(serial.sync_wait(forty_two()) == 42);
  CHECK(serial.sync_wait(add_one(forty_two())) == 43);
}

TEST_CASE("task<void> runs its body when awaited", "[task]") {
  yt::thread_pool pool(2);
  bool flag = false;
  pool.sync_wait(set_flag(flag));
  CHECK(flag);
}

TEST_CASE("task rethrows the exception its body threw", "[task]") {
  yt::thread_pool pool(2);
  CHECK_THROWS_WITH(pool.sync_wait(add_one(throws_runtime_error())), "boom");
  CHECK(pool.sync_wait(forty_two()) == 42);
}

TEST_CASE("task is lazy: nothing runs until it is awaited", "[task]") {
  bool flag = false;
  { auto never_awaited = set_flag(flag); }
  CHECK_FALSE(flag);
}

TEST_CASE("destroying a task that never started destroys its arguments", "[task]") {
  yt_test::lifetime_counter::reset();
  {
    auto pending = keep(yt_test::lifetime_counter(7));
    CHECK(yt_test::lifetime_counter::alive() == 1);
  }
  CHECK(yt_test::lifetime_counter::alive() == 0);
}

TEST_CASE("task arguments are destroyed once the task has run", "[task]") {
  yt_test::lifetime_counter::reset();
  yt::thread_pool pool(2);
  CHECK(pool.sync_wait(keep(yt_test::lifetime_counter(5))) == 5);
  CHECK(yt_test::lifetime_counter::alive() == 0);
}

TEST_CASE("a moved-from task cannot be awaited", "[task]") {
  yt::inline_executor serial;
  auto original = forty_two();
  auto moved = std::move(original);
  CHECK_THROWS_AS(serial.sync_wait(add_one(std::move(original))), yt::usage_error); // NOLINT
  CHECK(serial.sync_wait(std::move(moved)) == 42);
}

TEST_CASE("move assignment destroys the task it replaces", "[task]") {
  yt_test::lifetime_counter::reset();
  auto first = keep(yt_test::lifetime_counter(1));
  first = keep(yt_test::lifetime_counter(2));
  CHECK(yt_test::lifetime_counter::alive() == 1);
  yt::inline_executor serial;
  CHECK(serial.sync_wait(std::move(first)) == 2);
  CHECK(yt_test::lifetime_counter::alive() == 0);
}

TEST_CASE("a chain of 100,000 nested awaits does not grow the stack", "[task]") {
  constexpr long depth = 100'000;
  yt::inline_executor serial;
  CHECK(serial.sync_wait(count_down(depth)) == depth);
  yt::thread_pool pool(2);
  CHECK(pool.sync_wait(count_down(depth)) == depth);
}

TEST_CASE("task results can be move-only types", "[task]") {
  auto make = []() -> yt::task<std::unique_ptr<std::string>> {
    co_return std::make_unique<std::string>("moved");
  };
  yt::thread_pool pool(2);
  CHECK(*pool.sync_wait(make()) == "moved");
}
