#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <poll.h>
#include <ranges>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

#include <support/threads.hpp>

#include <yieldtasks/available_concurrency.hpp>
#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/sync_wait.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

#include <sys/resource.h>
#include <sys/wait.h>

TEST_CASE("a default thread_pool has available_concurrency() workers", "[thread_pool]") {
  yt::thread_pool pool;
  CHECK(pool.size() == yt::available_concurrency());
  CHECK(pool.size() >= 1);
}

TEST_CASE("a thread_pool of zero threads is rejected", "[thread_pool]") {
  CHECK_THROWS_AS(yt::thread_pool(0), std::invalid_argument);
}

TEST_CASE("a nested map creates no threads and runs at most size() items at once",
          "[thread_pool]") {
  constexpr std::size_t workers = 3;
  const std::size_t before = yt_test::process_thread_count();
  yt::thread_pool pool(workers);
  const std::size_t with_pool = yt_test::process_thread_count();
  std::atomic<std::size_t> most_threads{0};
  std::atomic<std::size_t> running{0};
  std::atomic<std::size_t> most_running{0};
  std::mutex ids_mutex;
  std::set<std::thread::id> ids;
  auto raise = [](std::atomic<std::size_t>& most, std::size_t now) {
    std::size_t seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
  };
  auto leaf = [&](int x) {
    raise(most_running, running.fetch_add(1) + 1);
    raise(most_threads, yt_test::process_thread_count());
    {
      const std::lock_guard lock(ids_mutex);
      ids.insert(std::this_thread::get_id());
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50)); // long enough to overlap
    running.fetch_sub(1);
    return x;
  };
  auto middle = [&](int x) -> yt::task<int> {
    const auto inner = std::views::iota(0, 8);
    std::vector<int> values = co_await yt::taskmap(leaf, inner);
    co_return values[7] + x;
  };
  auto outer = [&](int x) -> yt::task<int> {
    const auto inner = std::views::iota(0, 8);
    std::vector<int> values = co_await yt::taskmap(middle, inner);
    co_return values[0] + x;
  };
  const std::vector<int> results = pool.map(outer, std::views::iota(0, 16));
  CHECK(results[15] == 22);
  CHECK(most_threads.load() == with_pool);
  // ThreadSanitizer starts a background thread of its own with the first thread.
  CHECK(with_pool - before == workers + (yt_test::thread_sanitizer ? 1 : 0));
  // The caller works in the place of a sleeping worker: never more than size() at once.
  CHECK(most_running.load() <= workers);
  CHECK(most_running.load() >= 2);
  CHECK(ids.size() <= workers + 1);
}

// Splitting only when the worker's own deque is empty would leave items 1-3 queued behind item 0
// (their worker runs it until every item has started, which is never): a range must keep splitting
// at its start while idle workers outnumber the splits left for them.
TEST_CASE("a plain map of long items on an idle pool starts every item at once", "[thread_pool]") {
  constexpr int workers = 8;
  yt::thread_pool pool(workers);
  std::atomic<int> started{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  const std::vector<int> seen = pool.map(
      [&](int /*item*/) {
        started.fetch_add(1);
        while (started.load() < workers && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::yield();
        }
        return started.load();
      },
      std::views::iota(0, workers));
  CHECK(std::ranges::count(seen, workers) == workers);
}

TEST_CASE("a caller that finds the workers asleep runs its work in the place of one",
          "[thread_pool]") {
  yt::thread_pool pool(1);
  pool.map([](int x) { return x; }, std::views::iota(0, 100));
  std::this_thread::sleep_for(std::chrono::milliseconds(50)); // the worker spins, then sleeps
  std::set<std::thread::id> ids;
  for (int round = 0; round < 20; ++round) {
    pool.map(
        [&ids](int x) {
          ids.insert(std::this_thread::get_id()); // one thread at a time, as the pool has one
          return x;
        },
        std::views::iota(0, 50));
  }
  CHECK(ids == std::set<std::thread::id>{std::this_thread::get_id()});
}

// The task starts on the blocking caller, which stops working for the pool once it finds nothing
// to do while the slow items run, and resumes on a worker: a compiler that kept the address of a
// thread_local across the suspension (clang, see YT_DETAIL_THREAD_LOCAL_ACCESS) would then read
// the caller's, by now empty, scheduling context.
TEST_CASE("a task keeps finding its executor as it moves between the caller and the workers",
          "[thread_pool]") {
  yt::thread_pool pool(2);
  auto slow = [](int x) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return x;
  };
  auto hops = [&]() -> yt::task<int> {
    int sum = 0;
    for (int round = 0; round < 20; ++round) {
      const std::vector<int> items{1, 2, 3};
      const std::vector<int> values = co_await yt::taskmap(slow, items);
      sum += values[2];
    }
    co_return sum;
  };
  CHECK(pool.sync_wait(hops()) == 60);
}

TEST_CASE("an idle pool uses less than 2% of a core", "[thread_pool]") {
  yt::thread_pool pool(4);
  pool.map([](int x) { return x; }, std::views::iota(0, 10'000)); // wake every worker once
  std::this_thread::sleep_for(std::chrono::milliseconds(100));    // let the spinning end
  const double cpu_before = yt_test::process_cpu_seconds();
  const auto wall_before = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double cpu = yt_test::process_cpu_seconds() - cpu_before;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  CHECK(cpu < 0.02 * wall);
}

TEST_CASE("blocking entries called from a worker throw usage_error", "[thread_pool]") {
  yt::thread_pool pool(2);
  auto nested_map = [&pool]() -> yt::task<int> {
    try {
      pool.map([](int x) { return x; }, std::views::iota(0, 4));
    } catch (const yt::usage_error&) {
      co_return 1;
    }
    co_return 0;
  };
  auto nested_sync_wait = [&pool]() -> yt::task<int> {
    auto inner = []() -> yt::task<int> { co_return 5; };
    try {
      static_cast<void>(yt::sync_wait(pool, inner()));
    } catch (const yt::usage_error&) {
      co_return 1;
    }
    co_return 0;
  };
  CHECK(pool.sync_wait(nested_map()) == 1);
  CHECK(pool.sync_wait(nested_sync_wait()) == 1);
}

TEST_CASE("a blocking entry inside an inline_executor inside a pool task throws usage_error",
          "[thread_pool]") {
  yt::thread_pool pool(1); // one worker: blocking it would deadlock
  auto blocks_inside_serial = [&pool]() -> yt::task<int> {
    auto blocks = [&pool]() -> yt::task<int> {
      co_return pool.map([](int x) { return x; }, std::views::iota(0, 3))[2];
    };
    try {
      co_return yt::inline_executor{}.sync_wait(blocks());
    } catch (const yt::usage_error&) {
      co_return -1;
    }
  };
  CHECK(pool.sync_wait(blocks_inside_serial()) == -1);
}

TEST_CASE("an inline_executor may run inside a pool task", "[thread_pool]") {
  yt::thread_pool pool(2);
  auto inside = []() -> yt::task<int> {
    yt::inline_executor serial;
    const std::vector<int> values = serial.map([](int x) { return x * 2; }, std::views::iota(0, 5));
    co_return values[4];
  };
  CHECK(pool.sync_wait(inside()) == 8);
}

TEST_CASE("several threads may block on one pool at once", "[thread_pool]") {
  yt::thread_pool pool(2);
  std::vector<std::thread> callers;
  std::atomic<int> correct{0};
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&pool, &correct, c] {
      for (int round = 0; round < 50; ++round) {
        const auto values = pool.map([c](int x) { return x + c; }, std::views::iota(0, 200));
        if (values[199] == 199 + c) {
          correct.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& caller : callers) {
    caller.join();
  }
  CHECK(correct.load() == 200);
}

TEST_CASE("yt::sync_wait runs a task on any executor", "[thread_pool]") {
  auto answer = []() -> yt::task<int> { co_return 42; };
  yt::thread_pool pool(2);
  yt::inline_executor serial;
  CHECK(yt::sync_wait(pool, answer()) == 42);
  CHECK(yt::sync_wait(serial, answer()) == 42);
  STATIC_REQUIRE(yt::executor<yt::thread_pool>);
  STATIC_REQUIRE(yt::executor<yt::inline_executor>);
}

TEST_CASE("pools can be created and destroyed repeatedly", "[thread_pool]") {
  for (int round = 0; round < 50; ++round) {
    yt::thread_pool pool(static_cast<std::size_t>(round % 4 + 1));
    CHECK(pool.map([](int x) { return x; }, std::views::iota(0, 10))[9] == 9);
  }
}

// Each round destroys the pool while the caller's task sleeps: a worker borrowed by the caller
// used to be listed asleep again after the destructor's wake-up call, and the join hung.
TEST_CASE("destroying a pool waits for the calls blocked in it to return", "[thread_pool]") {
  for (int round = 0; round < 50; ++round) {
    auto pool = std::make_unique<yt::thread_pool>(2);
    yt::thread_pool& used = *pool;
    std::atomic<bool> started{false};
    std::atomic<bool> finished{false};
    auto sleeps = [&]() -> yt::task<int> {
      started.store(true);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      finished.store(true);
      co_return round;
    };
    int result = -1;
    std::thread caller([&] { result = used.sync_wait(sleeps()); });
    while (!started.load()) {
      std::this_thread::yield();
    }
    pool.reset();
    CHECK(finished.load()); // the destructor returned only after the work
    caller.join();
    CHECK(result == round);
  }
}

TEST_CASE("a blocking call made while the pool is being destroyed throws usage_error",
          "[thread_pool]") {
  auto pool = std::make_unique<yt::thread_pool>(2);
  yt::thread_pool& used = *pool;
  std::atomic<bool> started{false};
  std::atomic<bool> refused{false};
  // Keeps the destructor waiting until the late caller has been turned away, so that the late
  // caller never touches a destroyed pool.
  auto waits_for_refusal = [&]() -> yt::task<int> {
    started.store(true);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!refused.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    co_return 1;
  };
  int result = 0;
  std::thread caller([&] { result = used.sync_wait(waits_for_refusal()); });
  std::thread late_caller([&] {
    auto answer = []() -> yt::task<int> { co_return 2; };
    while (!started.load()) {
      std::this_thread::yield();
    }
    while (true) {
      try {
        static_cast<void>(used.sync_wait(answer()));
      } catch (const yt::usage_error&) {
        refused.store(true);
        return;
      }
    }
  });
  while (!started.load()) {
    std::this_thread::yield();
  }
  pool.reset();
  late_caller.join();
  caller.join();
  CHECK(refused.load());
  CHECK(result == 1);
}

namespace {

struct child_outcome {
  int status = 0;
  std::string error_output;
};

// Runs `body` in a forked child whose stderr goes to a pipe, and returns how the child ended and
// what it wrote there; a child still running after 20 s is killed (SIGKILL).
template <class Body> child_outcome run_in_child(Body body) {
  int fds[2] = {-1, -1};
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::signal(SIGABRT, SIG_DFL); // not Catch2's handler, which would report a failure
    ::close(fds[0]);
    ::dup2(fds[1], STDERR_FILENO);
    body();
    ::_exit(0);
  }
  ::close(fds[1]);
  child_outcome outcome;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  pollfd readable{fds[0], POLLIN, 0};
  while (std::chrono::steady_clock::now() < deadline) {
    if (::poll(&readable, 1, 100) <= 0) {
      continue;
    }
    char buffer[256];
    const ssize_t got = ::read(fds[0], buffer, sizeof buffer);
    if (got <= 0) {
      break; // end of file: the child is gone
    }
    outcome.error_output.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fds[0]);
  if (::waitpid(pid, &outcome.status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &outcome.status, 0);
  }
  return outcome;
}

} // namespace

TEST_CASE("destroying a pool from a task running on it terminates the process with a message",
          "[thread_pool]") {
  const std::string message = "yt::thread_pool: destroyed from a task running on it; it would "
                              "wait for itself for ever";
  SECTION("on the thread blocked in sync_wait") {
    const child_outcome outcome = run_in_child([] {
      auto pool = std::make_unique<yt::thread_pool>(2);
      yt::thread_pool& used = *pool;
      const std::thread::id caller = std::this_thread::get_id();
      auto destroys = [&]() -> yt::task<int> {
        if (std::this_thread::get_id() == caller) {
          pool.reset();
        }
        co_return 0;
      };
      // The task runs on the caller once the caller finds a sleeping worker to stand in for.
      for (int attempt = 0; attempt < 1'000; ++attempt) {
        static_cast<void>(used.sync_wait(destroys()));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    CHECK(WIFSIGNALED(outcome.status));
    CHECK(WTERMSIG(outcome.status) == SIGABRT);
    CHECK(outcome.error_output.find(message) != std::string::npos);
  }
  SECTION("on a worker thread") {
    const child_outcome outcome = run_in_child([] {
      auto pool = std::make_unique<yt::thread_pool>(2);
      yt::thread_pool& used = *pool;
      const std::thread::id caller = std::this_thread::get_id();
      auto item = [&](int x) -> yt::task<int> {
        if (std::this_thread::get_id() != caller) {
          pool.reset();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1)); // until a worker steals
        co_return x;
      };
      static_cast<void>(used.map(item, std::views::iota(0, 10'000)));
    });
    CHECK(WIFSIGNALED(outcome.status));
    CHECK(WTERMSIG(outcome.status) == SIGABRT);
    CHECK(outcome.error_output.find(message) != std::string::npos);
  }
}

// Measured on two cores: 2,048 workers cost 6 CPU seconds to start and stop when every idle worker
// swept all the others at start-up and again when woken to stop, 0.6 to 1.1 s after (most of it
// the kernel starting and ending threads, which the bound is relative to).
TEST_CASE("starting and stopping a pool costs CPU time linear in its size", "[thread_pool]") {
  // ThreadSanitizer makes each thread cost milliseconds: 2,048 plain threads took 18 CPU seconds.
  constexpr std::size_t workers = yt_test::thread_sanitizer ? 128 : 2'048;
  const double threads_before = yt_test::process_cpu_seconds();
  {
    std::atomic<bool> release{false};
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < workers; ++i) {
      threads.emplace_back([&release] { release.wait(false); });
    }
    release.store(true);
    release.notify_all();
    for (std::thread& thread : threads) {
      thread.join();
    }
  }
  const double threads_cpu = yt_test::process_cpu_seconds() - threads_before;
  const double pool_before = yt_test::process_cpu_seconds();
  {
    const yt::thread_pool pool(workers);
    CHECK(pool.size() == workers);
  }
  const double pool_cpu = yt_test::process_cpu_seconds() - pool_before;
  INFO("plain threads " << threads_cpu << " s, pool " << pool_cpu << " s");
  CHECK(pool_cpu < 3 * threads_cpu + 0.2);
}

// With the address space limited, only about a hundred of the 16,384 threads start. They used to
// spin through 256 sweeps of all 16,384 deques before seeing the stop: 3 to 6 CPU seconds before
// the constructor threw, 0.2 s after (most of it allocating the workers' deques).
TEST_CASE("a pool whose threads cannot all start throws system_error and stops the started ones "
          "at once",
          "[thread_pool]") {
  if (yt_test::thread_sanitizer || yt_test::address_sanitizer) {
    SUCCEED("the sanitizers need more address space than the limit leaves (AddressSanitizer's "
            "fake stacks: 11 MB a thread)");
    return;
  }
  const child_outcome outcome = run_in_child([] {
    std::size_t pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const rlimit limit{.rlim_cur = pages * 4096 + (std::size_t{1} << 30),
                       .rlim_max = RLIM_INFINITY};
    if (::setrlimit(RLIMIT_AS, &limit) != 0) {
      ::_exit(3);
    }
    const double before = yt_test::process_cpu_seconds();
    try {
      const yt::thread_pool pool(16'384);
      ::_exit(2);
    } catch (const std::system_error&) {
      const double cpu = yt_test::process_cpu_seconds() - before;
      std::fprintf(stderr, "%.3f CPU seconds\n", cpu);
      ::_exit(cpu < 1.0 ? 0 : 1);
    }
  });
  INFO("the child wrote: " << outcome.error_output);
  CHECK(WIFEXITED(outcome.status));
  CHECK(WEXITSTATUS(outcome.status) == 0);
}
