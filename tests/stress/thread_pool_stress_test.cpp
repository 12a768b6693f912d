#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

// Randomised nested maps meant to run under ThreadSanitizer: every shape of map (plain,
// coroutine, cancellable, throwing, empty, one item) at several depths, from several blocking
// callers at once. Each result is checked against a closed form.

namespace {

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33U;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33U;
  return x;
}

struct tree_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Sum of the leaves below `seed`; throws tree_failure for about one node in 500 when `may_fail`.
yt::task<std::uint64_t> tree(std::uint64_t seed, int depth, bool may_fail) {
  if (may_fail && mix(seed) % 500 == 0) {
    throw tree_failure("planned failure");
  }
  if (depth == 0) {
    co_return mix(seed) % 1000;
  }
  const auto width = static_cast<int>(mix(seed + 1) % 6); // 0..5 children, empty maps included
  std::vector<std::uint64_t> children;
  for (int i = 0; i < width; ++i) {
    children.push_back(seed * 7 + static_cast<std::uint64_t>(i) + 1);
  }
  std::uint64_t sum = 0;
  if (mix(seed + 2) % 2 == 0) {
    std::vector<std::uint64_t> values = co_await yt::taskmap(
        [depth, may_fail](std::uint64_t child) { return tree(child, depth - 1, may_fail); },
        children);
    for (std::uint64_t v : values) {
      sum += v;
    }
  } else { // a cancellable map that never stops must still run everything
    std::vector<std::optional<std::uint64_t>> values = co_await yt::taskmap(
        [depth, may_fail](std::uint64_t child, yt::stop_source) {
          return tree(child, depth - 1, may_fail);
        },
        children);
    for (const auto& v : values) {
      sum += v.value();
    }
  }
  co_return sum;
}

std::uint64_t expected_tree(std::uint64_t seed, int depth) {
  if (depth == 0) {
    return mix(seed) % 1000;
  }
  const auto width = static_cast<int>(mix(seed + 1) % 6);
  std::uint64_t sum = 0;
  for (int i = 0; i < width; ++i) {
    sum += expected_tree(seed * 7 + static_cast<std::uint64_t>(i) + 1, depth - 1);
  }
  return sum;
}

bool tree_fails(std::uint64_t seed, int depth) {
  if (mix(seed) % 500 == 0) {
    return true;
  }
  if (depth == 0) {
    return false;
  }
  const auto width = static_cast<int>(mix(seed + 1) % 6);
  for (int i = 0; i < width; ++i) {
    if (tree_fails(seed * 7 + static_cast<std::uint64_t>(i) + 1, depth - 1)) {
      return true;
    }
  }
  return false;
}

} // namespace

TEST_CASE("random nested maps give the closed-form result from several callers at once",
          "[thread_pool][stress]") {
  yt::thread_pool pool(4);
  std::atomic<int> mismatches{0};
  std::atomic<int> checked{0};
  std::vector<std::thread> callers;
  for (int caller = 0; caller < 3; ++caller) {
    callers.emplace_back([&, caller] {
      for (int round = 0; round < 40; ++round) {
        const auto base = static_cast<std::uint64_t>(caller * 1000 + round);
        const bool may_fail = round % 2 == 1;
        const std::vector<std::uint64_t> roots{base, base + 100, base + 200};
        std::vector<std::uint64_t> expected;
        bool fails = false;
        for (std::uint64_t root : roots) {
          expected.push_back(expected_tree(root, 5));
          fails = fails || (may_fail && tree_fails(root, 5));
        }
        try {
          const auto values =
              pool.map([may_fail](std::uint64_t root) { return tree(root, 5, may_fail); }, roots);
          if (fails || values != expected) {
            mismatches.fetch_add(1);
          }
        } catch (const tree_failure&) {
          if (!fails) {
            mismatches.fetch_add(1);
          }
        }
        checked.fetch_add(1);
      }
    });
  }
  for (std::thread& caller : callers) {
    caller.join();
  }
  CHECK(checked.load() == 120);
  CHECK(mismatches.load() == 0);
}

TEST_CASE("bursts of work separated by idle gaps are never lost", "[thread_pool][stress]") {
  yt::thread_pool pool(4);
  for (int burst = 0; burst < 200; ++burst) {
    const auto count = static_cast<std::size_t>(burst % 7 + 1);
    const auto values = pool.map([](int x) -> yt::task<int> { co_return x + 1; },
                                 std::views::iota(0, static_cast<int>(count)));
    REQUIRE(values.size() == count);
    REQUIRE(values.back() == static_cast<int>(count));
    if (burst % 20 == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2)); // let workers park
    }
  }
}

// Item 0 of each two-item map waits for item 1, whose spawn job its own thread pushed and which
// only the other worker can take: if the push's wake-up were lost to a worker on its way to sleep
// (sleeper_list.hpp, asymmetric_fence.hpp), item 1 would not start until item 0 gave up. The idle
// gaps between rounds range over the workers' spin and yield phases (YT_YIELD_MICROSECONDS), so
// that pushes meet a worker in every step of going to sleep.
TEST_CASE("a push wakes a worker that is on its way to sleep: no wake-up is lost",
          "[thread_pool][stress]") {
  yt::thread_pool pool(2);
  int lost = 0;
  for (int round = 0; round < 1000; ++round) {
    std::atomic<bool> second_started{false};
    bool gave_up = false;
    pool.map(
        [&](int item) -> yt::task<int> {
          if (item == 1) {
            second_started.store(true, std::memory_order_release);
            co_return 1;
          }
          const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
          while (!second_started.load(std::memory_order_acquire)) {
            if (std::chrono::steady_clock::now() > deadline) {
              gave_up = true;
              break;
            }
            std::this_thread::yield();
          }
          co_return 0;
        },
        std::views::iota(0, 2));
    lost += gave_up ? 1 : 0;
    std::this_thread::sleep_for(std::chrono::microseconds(mix(round) % 400));
  }
  CHECK(lost == 0);
}

// Plain maps split lazily; a split no thief took is taken back by the map's loop, one that was
// stolen runs elsewhere. Items of uneven cost, in maps nested inside coroutine items, make both
// happen in every round: each item must run exactly once, or at most once in a stopped map.
TEST_CASE("plain maps run every item once whether their splits are taken back or stolen",
          "[thread_pool][taskmap][stress]") {
  yt::thread_pool pool(4);
  constexpr int maps = 64;
  constexpr int items = 97; // odd, so the halves of splits differ in size
  std::vector<std::atomic<int>> runs(static_cast<std::size_t>(maps * items));
  auto spin = [](std::uint64_t seed) {
    volatile std::uint64_t sink = seed;
    for (std::uint64_t i = 0, n = mix(seed) % 400; i < n; ++i) {
      sink = sink + i;
    }
  };
  for (int round = 0; round < 20; ++round) {
    for (std::atomic<int>& count : runs) {
      count.store(0, std::memory_order_relaxed);
    }
    const bool cancel = round % 4 == 3;
    auto one_map = [&](int m) -> yt::task<int> {
      if (!cancel) {
        const std::vector<int> values = co_await yt::taskmap(
            [&, m](int i) {
              spin(static_cast<std::uint64_t>(round * 10'000 + m * items + i));
              runs[static_cast<std::size_t>(m * items + i)].fetch_add(1);
              return i;
            },
            std::views::iota(0, items));
        int in_order = 0;
        for (int i = 0; i < items; ++i) {
          in_order += values[static_cast<std::size_t>(i)] == i ? 1 : 0;
        }
        co_return in_order;
      }
      const auto values = co_await yt::taskmap(
          [&, m](int i, yt::stop_source stop) {
            runs[static_cast<std::size_t>(m * items + i)].fetch_add(1);
            if (i == items / 3) {
              stop.request_stop();
            }
            return i;
          },
          std::views::iota(0, items));
      int in_order_or_skipped = 0;
      for (int i = 0; i < items; ++i) {
        const std::optional<int>& value = values[static_cast<std::size_t>(i)];
        in_order_or_skipped += !value || *value == i ? 1 : 0;
      }
      co_return in_order_or_skipped;
    };
    const std::vector<int> per_map = pool.map(one_map, std::views::iota(0, maps));
    for (int m = 0; m < maps; ++m) {
      REQUIRE(per_map[static_cast<std::size_t>(m)] == items);
      for (int i = 0; i < items; ++i) {
        const int count = runs[static_cast<std::size_t>(m * items + i)].load();
        if (cancel) {
          REQUIRE(count <= 1);
        } else {
          REQUIRE(count == 1);
        }
      }
    }
  }
}
