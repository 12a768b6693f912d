#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <ranges>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/await_future.hpp>
#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

namespace {

yt::task<int> plus_reply(std::future<int> reply, int local) {
  const int remote = co_await yt::await_future(std::move(reply));
  co_return remote + local;
}

// Fulfils a promise from a thread of its own after `delay`.
std::thread fulfil_later(std::promise<int>& promise, int value, std::chrono::milliseconds delay) {
  return std::thread([&promise, value, delay] {
    std::this_thread::sleep_for(delay);
    promise.set_value(value);
  });
}

} // namespace

TEST_CASE("await_future yields the value a thread sets later, on the pool", "[await_future]") {
  yt::thread_pool pool(2);
  std::promise<int> promise;
  std::thread producer = fulfil_later(promise, 40, std::chrono::milliseconds(20));
  CHECK(pool.sync_wait(plus_reply(promise.get_future(), 2)) == 42);
  producer.join();
}

TEST_CASE("a task awaiting a future does not hold its worker", "[await_future]") {
  // One worker: the map's second item can only run while the first waits on its future, and
  // it is what fulfils that future.
  yt::thread_pool pool(1);
  std::promise<int> promise;
  auto item = [&](int index) -> yt::task<int> {
    if (index == 0) {
      co_return co_await yt::await_future(promise.get_future());
    }
    promise.set_value(7);
    co_return 1;
  };
  const std::vector<int> results = pool.map(item, std::views::iota(0, 2));
  CHECK(results == std::vector<int>{7, 1});
}

TEST_CASE("await_future rethrows the future's exception", "[await_future]") {
  yt::thread_pool pool(2);
  std::promise<int> promise;
  std::thread producer([&promise] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    promise.set_exception(std::make_exception_ptr(std::runtime_error("no reply")));
  });
  CHECK_THROWS_WITH(pool.sync_wait(plus_reply(promise.get_future(), 1)), "no reply");
  producer.join();
}

TEST_CASE("await_future takes ready, deferred, shared and void futures", "[await_future]") {
  yt::thread_pool pool(2);
  std::thread::id deferred_ran_on;
  std::thread::id awaited_deferred_on;
  auto read_all = [&](std::future<int> ready, std::future<std::string> deferred,
                      std::shared_future<int> shared, std::future<void> done) -> yt::task<int> {
    const int a = co_await yt::await_future(std::move(ready));
    const std::string b = co_await yt::await_future(std::move(deferred));
    awaited_deferred_on = std::this_thread::get_id();
    const int c = co_await yt::await_future(shared);
    co_await yt::await_future(std::move(done));
    co_return a + static_cast<int>(b.size()) + c;
  };
  std::promise<int> ready;
  ready.set_value(1);
  std::promise<int> shared;
  std::promise<void> done;
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    shared.set_value(100);
    done.set_value();
  });
  auto deferred = std::async(std::launch::deferred, [&] {
    deferred_ran_on = std::this_thread::get_id();
    return std::string("ten chars!");
  });
  CHECK(pool.sync_wait(read_all(ready.get_future(), std::move(deferred), shared.get_future(),
                                done.get_future())) == 111);
  CHECK(deferred_ran_on == awaited_deferred_on); // in get(), on the awaiting thread
  producer.join();
}

TEST_CASE("await_future refuses a future without shared state", "[await_future]") {
  yt::thread_pool pool(1);
  auto read_empty = []() -> yt::task<int> {
    std::future<int> empty;
    co_return co_await yt::await_future(std::move(empty));
  };
  CHECK_THROWS_AS(pool.sync_wait(read_empty()), yt::usage_error);
}

TEST_CASE("many tasks await futures at once, each resumed once with its value", "[await_future]") {
  constexpr int count = 64;
  yt::thread_pool pool(2);
  std::vector<std::promise<int>> promises(count);
  std::latch all_waiting(1);
  auto await_one = [&](int index) -> yt::task<int> {
    co_return co_await yt::await_future(promises[static_cast<std::size_t>(index)].get_future());
  };
  std::thread producer([&] {
    all_waiting.wait();
    for (int index = count - 1; index >= 0; --index) {
      promises[static_cast<std::size_t>(index)].set_value(index * 3);
    }
  });
  auto root = [&]() -> yt::task<std::vector<int>> {
    auto results = yt::taskmap(await_one, std::views::iota(0, count));
    all_waiting.count_down(); // before the map starts: some futures may be ready at once
    co_return co_await std::move(results);
  };
  const std::vector<int> results = pool.sync_wait(root());
  producer.join();
  for (int index = 0; index < count; ++index) {
    REQUIRE(results[static_cast<std::size_t>(index)] == index * 3);
  }
  CHECK(yt::detail::future_waiter::instance().thread_count() <= static_cast<std::size_t>(count));
}

TEST_CASE("a future awaited while a waiter thread is parked starts no thread", "[await_future]") {
  yt::detail::future_waiter& waiters = yt::detail::future_waiter::instance();
  yt::thread_pool pool(2);
  auto wait_until_all_parked = [&] {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (waiters.idle_count() != waiters.thread_count() &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  std::promise<int> first;
  std::thread producer = fulfil_later(first, 1, std::chrono::milliseconds(5));
  CHECK(pool.sync_wait(plus_reply(first.get_future(), 0)) == 1);
  producer.join();
  wait_until_all_parked();
  const std::size_t threads = waiters.thread_count();
  REQUIRE(threads >= 1);
  for (int round = 0; round < 10; ++round) {
    std::promise<int> reply;
    std::thread later = fulfil_later(reply, round, std::chrono::milliseconds(2));
    CHECK(pool.sync_wait(plus_reply(reply.get_future(), 0)) == round);
    later.join();
    wait_until_all_parked();
  }
  CHECK(waiters.thread_count() == threads);
}

TEST_CASE("an inline_executor waits for a future and continues on its thread", "[await_future]") {
  const yt::inline_executor serial;
  std::promise<int> promise;
  std::thread producer = fulfil_later(promise, 9, std::chrono::milliseconds(10));
  const std::thread::id caller = std::this_thread::get_id();
  auto check_thread = [&](std::future<int> reply) -> yt::task<bool> {
    co_await yt::await_future(std::move(reply));
    co_return std::this_thread::get_id() == caller;
  };
  CHECK(serial.sync_wait(check_thread(promise.get_future())));
  producer.join();
}
