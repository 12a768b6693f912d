#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <deque>
#include <mutex>
#include <numeric>
#include <ranges>
#include <stdexcept>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/sleep_for.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

namespace {

// Another library's event loop, reduced to its essence: a thread of its own that resumes the
// coroutines handed to it, in the order they arrive.
class foreign_loop {
public:
  foreign_loop() : m_thread([this] { run(); }) {}
  foreign_loop(const foreign_loop&) = delete;
  foreign_loop& operator=(const foreign_loop&) = delete;
  ~foreign_loop() {
    {
      const std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_ready.notify_one();
    m_thread.join();
  }

  [[nodiscard]] std::thread::id id() const { return m_thread.get_id(); }

  // co_await loop.next(): resumed on the loop's thread.
  auto next() {
    struct awaiter {
      foreign_loop& loop;
      [[nodiscard]] bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<> waiting) { loop.post(waiting); }
      void await_resume() const noexcept {}
    };
    return awaiter{*this};
  }

private:
  void post(std::coroutine_handle<> waiting) {
    const std::lock_guard lock(m_mutex);
    m_waiting.push_back(waiting);
    m_ready.notify_one();
  }

  void run() {
    std::unique_lock lock(m_mutex);
    while (true) {
      m_ready.wait(lock, [this] { return m_stopping || !m_waiting.empty(); });
      if (m_waiting.empty()) {
        return;
      }
      const std::coroutine_handle<> next = m_waiting.front();
      m_waiting.pop_front();
      lock.unlock();
      next.resume();
      lock.lock();
    }
  }

  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<std::coroutine_handle<>> m_waiting;
  bool m_stopping = false;
  std::thread m_thread;
};

// After a foreign resumption the task must be back on an executor: a nested map needs one.
yt::task<int> after_foreign(foreign_loop& loop, int x, std::atomic<int>& on_loop_thread) {
  co_await loop.next();
  if (std::this_thread::get_id() == loop.id()) {
    on_loop_thread.fetch_add(1);
  }
  std::vector<int> pair{x, x};
  const std::vector<int> doubled = co_await yt::taskmap([](int y) { return 2 * y; }, pair);
  co_return doubled[0] + doubled[1];
}

} // namespace

TEST_CASE("a task resumed by a foreign thread continues on its pool", "[foreign]") {
  foreign_loop loop;
  yt::thread_pool pool(2);
  std::atomic<int> on_loop_thread{0};
  CHECK(pool.sync_wait(after_foreign(loop, 5, on_loop_thread)) == 20);
  // 2,000 tasks, all suspended on the loop at once, each handed back exactly once.
  const std::vector<int> results = pool.map(
      [&](int x) { return after_foreign(loop, x, on_loop_thread); }, std::views::iota(0, 2000));
  for (int x = 0; x < 2000; ++x) {
    REQUIRE(results[static_cast<std::size_t>(x)] == 4 * x);
  }
  CHECK(on_loop_thread.load() == 0);
}

TEST_CASE("an inline_executor waits for a foreign awaitable and continues on its thread",
          "[foreign]") {
  foreign_loop loop;
  std::atomic<int> on_loop_thread{0};
  const yt::inline_executor serial;
  const std::vector<int> results = serial.map(
      [&](int x) { return after_foreign(loop, x, on_loop_thread); }, std::views::iota(0, 50));
  CHECK(results[49] == 196);
  CHECK(on_loop_thread.load() == 0);
}

TEST_CASE("yt::sleep_for suspends for at least its duration, on any executor", "[foreign]") {
  auto nap = []() -> yt::task<std::chrono::steady_clock::duration> {
    const auto start = std::chrono::steady_clock::now();
    co_await yt::sleep_for(std::chrono::milliseconds(3));
    co_await yt::sleep_for(std::chrono::milliseconds(0)); // does not suspend
    co_return std::chrono::steady_clock::now() - start;
  };
  yt::thread_pool pool(2);
  CHECK(pool.sync_wait(nap()) >= std::chrono::milliseconds(3));
  const yt::inline_executor serial;
  CHECK(serial.sync_wait(nap()) >= std::chrono::milliseconds(3));
  // Sleeping tasks hold no worker: 64 of them, on 2 workers, all sleep at once.
  std::atomic<int> asleep{0};
  std::atomic<int> most_asleep{0};
  pool.map(
      [&](int /*item*/) -> yt::task<void> {
        const int now = asleep.fetch_add(1) + 1;
        int seen = most_asleep.load();
        while (now > seen && !most_asleep.compare_exchange_weak(seen, now)) {
        }
        co_await yt::sleep_for(std::chrono::milliseconds(20));
        asleep.fetch_sub(1);
      },
      std::views::iota(0, 64));
  CHECK(most_asleep.load() > 2);
}

namespace {

// Awaitables of each await_suspend form, completing at once or failing.
struct not_suspending {
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  [[nodiscard]] bool await_suspend(std::coroutine_handle<> /*waiting*/) const noexcept {
    return false;
  }
  [[nodiscard]] int await_resume() const noexcept { return 7; }
};

struct resuming_by_transfer {
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> waiting) const noexcept {
    return waiting;
  }
  [[nodiscard]] int await_resume() const noexcept { return 8; }
};

struct failing_to_suspend {
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> /*waiting*/) const {
    throw std::runtime_error("no room in the queue");
  }
  void await_resume() const noexcept {}
};

} // namespace

TEST_CASE("foreign awaitables of every await_suspend form work in a task", "[foreign]") {
  auto body = []() -> yt::task<int> {
    int sum = co_await not_suspending{};
    sum += co_await resuming_by_transfer{};
    try {
      co_await failing_to_suspend{};
    } catch (const std::runtime_error&) {
      sum += 100;
    }
    const not_suspending lvalue;
    sum += co_await lvalue;
    co_return sum;
  };
  yt::thread_pool pool(2);
  CHECK(pool.sync_wait(body()) == 122);
  CHECK(yt::inline_executor{}.sync_wait(body()) == 122);
}

// The resuming thread's inject is still returning when the task it handed back finishes and the
// caller destroys the pool: the destructor must wait for it (ASan finds the use after free).
TEST_CASE("a pool destroyed right after a foreign resumption outlives the injecting call",
          "[foreign]") {
  foreign_loop loop;
  std::atomic<int> on_loop_thread{0};
  for (int round = 0; round < 200; ++round) {
    yt::thread_pool pool(1);
    REQUIRE(pool.sync_wait(after_foreign(loop, round, on_loop_thread)) == 4 * round);
  }
  CHECK(on_loop_thread.load() == 0);
}
