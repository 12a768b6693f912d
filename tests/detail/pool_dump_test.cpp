#include <atomic>
#include <chrono>
#include <cstddef>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/as_completed.hpp>
#include <yieldtasks/yieldtasks.hpp>

namespace {

// A condition the test controls: a map item blocks on it, as a hung item would.
class barrier_gate {
public:
  void wait_open() {
    m_waiting.store(true);
    while (!m_open.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  void open() { m_open.store(true); }
  [[nodiscard]] bool someone_waits() const { return m_waiting.load(); }

private:
  std::atomic<bool> m_waiting{false};
  std::atomic<bool> m_open{false};
};

std::string dump_of(const yt::thread_pool& pool) {
  std::ostringstream text;
  pool.dump(text);
  return text.str();
}

// Dumps until the text contains every one of `wanted` (progress may lag a moment), for up to 10 s.
std::string dump_until(const yt::thread_pool& pool, const std::vector<std::string>& wanted) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string text;
  while (std::chrono::steady_clock::now() < deadline) {
    text = dump_of(pool);
    bool all = true;
    for (const std::string& one : wanted) {
      all = all && text.find(one) != std::string::npos;
    }
    if (all) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return text;
}

yt::task<int> evaluate_or_block(int item, barrier_gate& gate) {
  if (item != 1) {
    co_return item;
  }
  auto evaluate = [&gate](int x) {
    if (x == 2) {
      gate.wait_open();
    }
    return x;
  };
  const std::vector<int> inputs{0, 1, 2, 3};
  const std::vector<int> values = co_await yt::taskmap(evaluate, inputs).named("evaluate");
  co_return values[2];
}

yt::task<std::vector<int>> synthesize(barrier_gate& gate) {
  const std::vector<int> items{0, 1};
  co_return co_await yt::taskmap([&gate](int item) { return evaluate_or_block(item, gate); }, items)
      .named("synthesize");
}

yt::task<int> twice(int x) {
  co_return 2 * x;
}

// The nested map's end republishes the awaiting item through the join of plain items or through
// the completion of coroutine items, two paths.
yt::task<int> block_after_nested_map(barrier_gate& gate, bool coroutine_items) {
  const std::vector<int> inputs{1, 2, 3};
  std::vector<int> doubled;
  if (coroutine_items) {
    doubled = co_await yt::taskmap(twice, inputs).named("double");
  } else {
    doubled = co_await yt::taskmap([](int x) { return 2 * x; }, inputs).named("double");
  }
  gate.wait_open();
  co_return doubled[2];
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

yt::task<long> fib(int n) {
  if (n < 2) {
    co_return n;
  }
  if (n % 5 == 0) {
    const auto [a, b] = co_await yt::when_all(fib(n - 1), fib(n - 2));
    co_return a + b;
  }
  if (n % 11 == 0) { // the children's maps end below a stream's context, which ends in turn
    const std::vector<int> children{n - 1, n - 2};
    auto stream = yt::as_completed(fib, children);
    long sum = 0;
    while (auto item = co_await stream.next()) {
      sum += item->value;
    }
    co_return sum;
  }
  const std::vector<int> children{n - 1, n - 2};
  const std::vector<long> values = co_await yt::taskmap(fib, children).named("fib");
  if (n % 7 == 0) {
    const std::vector<int> leaves{1, 2, 3, 4, 5, 6, 7, 8};
    const std::vector<int> squares =
        co_await yt::taskmap([](int x) { return x * x; }, leaves).named("leaves");
    co_return values[0] + values[1] + squares[0] - 1;
  }
  co_return values[0] + values[1];
}

} // namespace

TEST_CASE("dump names the blocked item, its map, the worker and the progress of every map up the "
          "chain",
          "[thread_pool][dump]") {
  yt::thread_pool pool(2);
  barrier_gate gate;
  std::vector<int> results;
  std::thread caller([&] { results = pool.sync_wait(synthesize(gate)); });
  while (!gate.someone_waits()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  const std::string text =
      dump_until(pool, {"running item 2 of map \"evaluate\" (depth 1; 3 of 4 items done)",
                        "  in item 1 of map \"synthesize\" (depth 0; 1 of 2 items done)\n"});
  gate.open();
  caller.join();

  INFO(text);
  CHECK(text.rfind("yt::thread_pool: 2 workers, 0 injected jobs waiting, 1 caller blocked in map "
                   "or sync_wait\n",
                   0) == 0);
  CHECK(text.find("running item 2 of map \"evaluate\" (depth 1; 3 of 4 items done)") !=
        std::string::npos);
  CHECK(text.find("  in item 1 of map \"synthesize\" (depth 0; 1 of 2 items done)\n") !=
        std::string::npos);
  // One line per worker, and only the blocked one runs an item.
  CHECK(count_of(text, "\nworker ") == 2);
  CHECK(count_of(text, "running item") == 1);
  const std::size_t line = text.find("running item 2");
  const std::size_t worker = text.rfind("\nworker ", line);
  REQUIRE(worker != std::string::npos);
  const char number = text[worker + 8];
  CHECK((number == '0' || number == '1'));
  CHECK(results == std::vector<int>{0, 2});

  // Once the map is done, nothing of it is left in the dump.
  const std::string after = dump_of(pool);
  INFO(after);
  CHECK(after.find("map \"") == std::string::npos);
  CHECK(after.find("0 callers blocked") != std::string::npos);
}

TEST_CASE("dump names an item that blocks after a map it awaited has finished",
          "[thread_pool][dump]") {
  const bool coroutine_items = GENERATE(false, true);
  INFO("coroutine items in the nested map: " << coroutine_items);
  yt::thread_pool pool(2);
  barrier_gate gate;
  std::vector<int> results;
  std::thread caller([&] {
    const std::vector<int> items{0, 1, 2};
    results = pool.map(
        [&gate, coroutine_items](int item) -> yt::task<int> {
          if (item == 1) {
            co_return co_await block_after_nested_map(gate, coroutine_items);
          }
          co_return item;
        },
        items);
  });
  while (!gate.someone_waits()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  const std::string text =
      dump_until(pool, {"running item 1 of map \"taskmap\" (depth 0; 2 of 3 items done)\n"});
  gate.open();
  caller.join();

  INFO(text);
  CHECK(text.find("running item 1 of map \"taskmap\" (depth 0; 2 of 3 items done)\n") !=
        std::string::npos);
  CHECK(text.find("\"double\"") == std::string::npos);
  CHECK(results == std::vector<int>{0, 6, 2});
}

TEST_CASE("dump of an idle pool lists every worker as idle", "[thread_pool][dump]") {
  yt::thread_pool pool(3);
  const std::string text = dump_of(pool);
  INFO(text);
  CHECK(text.rfind("yt::thread_pool: 3 workers, 0 injected jobs waiting, 0 callers blocked", 0) ==
        0);
  CHECK(count_of(text, ": asleep\n") + count_of(text, ": looking for work\n") == 3);
}

TEST_CASE("dump may be called from other threads at any time while nested maps start and end",
          "[thread_pool][dump][stress]") {
  yt::thread_pool pool(4);
  std::atomic<bool> done{false};
  std::atomic<std::size_t> dumps{0};
  std::atomic<std::size_t> dumps_in_items{0};
  std::atomic<std::size_t> malformed{0};
  auto dumper = [&] {
    while (!done.load()) {
      const std::string text = dump_of(pool);
      if (text.rfind("yt::thread_pool: 4 workers, ", 0) != 0 || count_of(text, "\nworker ") != 4) {
        malformed.fetch_add(1);
      }
      if (text.find("running item") != std::string::npos &&
          text.find(" of map \"fib\" (depth ") != std::string::npos) {
        dumps_in_items.fetch_add(1);
      }
      dumps.fetch_add(1);
    }
  };
  std::thread first(dumper);
  std::thread second(dumper);
  std::vector<long> answers;
  for (int round = 0; round < 200 && (round < 20 || dumps_in_items.load() == 0); ++round) {
    answers.push_back(pool.sync_wait(fib(18)));
  }
  done.store(true);
  first.join();
  second.join();

  for (const long answer : answers) {
    CHECK(answer == 2584);
  }
  CHECK(dumps.load() > 0);
  CHECK(dumps_in_items.load() > 0);
  CHECK(malformed.load() == 0);
}
