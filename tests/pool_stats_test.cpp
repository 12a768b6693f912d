#include <atomic>
#include <cstdint>
#include <ranges>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/pool_stats.hpp>
#include <yieldtasks/sync_wait.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

namespace {

yt::task<int> square_task(int x) {
  co_return x* x;
}

yt::task<int> nested(int inner) {
  std::vector<int> values =
      co_await yt::taskmap([](int x) { return x + 1; }, std::views::iota(0, inner));
  co_return static_cast<int>(values.size());
}

std::uint64_t items(const yt::pool_stats& stats) {
  return stats.total().items_run;
}

} // namespace

TEST_CASE("pool stats start at zero items and hold one entry per worker", "[thread_pool][stats]") {
  yt::thread_pool pool(3);
  const yt::pool_stats stats = pool.stats();
  REQUIRE(stats.workers.size() == 3);
  CHECK(items(stats) == 0);
  CHECK(stats.total().steals == 0);
  CHECK(stats.total().tasks_resumed == 0);
}

TEST_CASE("pool stats count every item of plain, coroutine and nested maps exactly once",
          "[thread_pool][stats]") {
  yt::thread_pool pool(2);
  const std::uint64_t start = items(pool.stats());
  const std::vector<int> squares =
      pool.map([](int x) { return x * x; }, std::views::iota(0, 10'000));
  REQUIRE(squares[99] == 99 * 99);
  const std::uint64_t after_plain = items(pool.stats());
  CHECK(after_plain - start == 10'000);

  const std::vector<int> tasks = pool.map(square_task, std::views::iota(0, 300));
  REQUIRE(tasks[7] == 49);
  const std::uint64_t after_tasks = items(pool.stats());
  CHECK(after_tasks - after_plain == 300);

  const std::vector<int> sizes = pool.map(nested, std::vector<int>(20, 50));
  REQUIRE(sizes[19] == 50);
  CHECK(items(pool.stats()) - after_tasks == 20 + 20 * 50);
}

TEST_CASE("pool stats count the items a map skipped after an exception as not run",
          "[thread_pool][stats]") {
  yt::thread_pool pool(1);
  auto throw_at_10 = [](int x) {
    if (x == 10) {
      throw std::runtime_error("item 10");
    }
    return x;
  };
  CHECK_THROWS_AS(pool.map(throw_at_10, std::views::iota(0, 1000)), std::runtime_error);
  // One worker runs the items in order: 0..10 ran (10 threw), the rest were skipped.
  CHECK(items(pool.stats()) == 11);
}

TEST_CASE("pool stats count a blocking caller's work as its borrowed worker's, and resumed tasks",
          "[thread_pool][stats]") {
  yt::thread_pool pool(1);
  const int result = pool.sync_wait(square_task(9));
  REQUIRE(result == 81);
  const yt::pool_stats stats = pool.stats();
  // The root task was started from the loop of worker 0, whichever thread ran it.
  CHECK(stats.workers[0].tasks_resumed >= 1);
  CHECK(stats.workers[0].busy.count() > 0);
}

TEST_CASE("pool stats count the steal that spreads two waiting items over two workers",
          "[thread_pool][stats]") {
  yt::thread_pool pool(2);
  std::atomic<int> started{0};
  // Each item waits until both have started, so the second must run on the other worker, which
  // can only get it by stealing it from the first one's deque.
  auto meet = [&started](int) -> yt::task<int> {
    started.fetch_add(1);
    while (started.load() < 2) {
      std::this_thread::yield();
    }
    co_return 1;
  };
  const std::vector<int> ones = pool.map(meet, std::views::iota(0, 2));
  REQUIRE(ones == std::vector<int>{1, 1});
  const yt::worker_stats total = pool.stats().total();
  CHECK(total.steals >= 1);
  CHECK(total.wakes >= 1);
  CHECK(total.items_run == 2);
}

TEST_CASE("pool stats may be read from any thread while the pool runs", "[thread_pool][stats]") {
  yt::thread_pool pool(2);
  std::atomic<bool> done{false};
  std::thread reader([&] {
    std::uint64_t last = 0;
    while (!done.load()) {
      const std::uint64_t now = items(pool.stats());
      CHECK(now >= last); // each worker's count only grows
      last = now;
    }
  });
  auto read_inside = [&pool](int x) -> yt::task<std::size_t> {
    co_await yt::taskmap([](int y) { return y; }, std::views::iota(0, x));
    co_return pool.stats().workers.size(); // from a worker thread
  };
  for (int round = 0; round < 20; ++round) {
    const std::vector<std::size_t> sizes = pool.map(read_inside, std::views::iota(0, 50));
    CHECK(sizes[49] == 2);
  }
  done.store(true);
  reader.join();
  CHECK(items(pool.stats()) == 20 * (50 + 49 * 50 / 2));
}
