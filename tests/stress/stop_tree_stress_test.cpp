#include <atomic>
#include <cstdint>
#include <optional>
#include <ranges>
#include <stop_token>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <support/lifetime_counter.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/stop_source.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

// Tree cancellation under load: 10^5 leaf items in 100 nested maps below a cancellable top map,
// stopped at random places (a leaf stops its own map, a leaf stops the top map, another thread
// stops the top map's std::stop_token). Every leaf runs at most once, every result that comes
// back is its leaf's, and no value leaks.

namespace {

using yt_test::lifetime_counter;

constexpr int tops = 100;
constexpr int leaves = 1'000;

std::uint64_t mix(std::uint64_t z) { // splitmix64
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

struct round_state {
  explicit round_state(std::uint64_t round_seed) : seed(round_seed), runs(tops * leaves) {}

  std::uint64_t seed;
  std::vector<std::atomic<int>> runs;
  std::atomic<int> ran{0};
  std::atomic<int> wrong{0};

  // What leaf `id` does besides returning its value: 1 in 2000 stops its own map, 1 in 20000
  // stops the top map.
  void leaf(int id, const yt::stop_source& own, const yt::stop_source& top) {
    runs[static_cast<std::size_t>(id)].fetch_add(1);
    ran.fetch_add(1);
    const std::uint64_t draw = mix(seed ^ static_cast<std::uint64_t>(id)) % 20'000;
    if (draw < 10) {
      own.request_stop();
    } else if (draw == 10) {
      top.request_stop();
    }
  }

  // The number of leaves whose results came back, checking each.
  int check(int first, const std::vector<std::optional<lifetime_counter>>& results) {
    int returned = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (results[i].has_value()) {
        ++returned;
        if (results[i]->value() != first + static_cast<int>(i)) {
          wrong.fetch_add(1);
        }
      }
    }
    return returned;
  }

  yt::task<std::vector<std::optional<int>>> run(std::stop_token outside) {
    co_return co_await yt::taskmap(
        [this](int x, yt::stop_source top) -> yt::task<int> {
          const int first = x * leaves;
          const auto ids = std::views::iota(first, first + leaves);
          if (x % 2 == 0) {
            co_return check(first, co_await yt::taskmap(
                                       [this, top](int id, yt::stop_source own) {
                                         leaf(id, own, top);
                                         return lifetime_counter(id);
                                       },
                                       ids));
          }
          co_return check(
              first, co_await yt::taskmap(
                         [this, top](int id, yt::stop_source own) -> yt::task<lifetime_counter> {
                           leaf(id, own, top);
                           co_return lifetime_counter(id);
                         },
                         ids));
        },
        std::views::iota(0, tops), std::move(outside));
  }
};

template <class Executor> void stress(Executor& executor, int rounds, bool outside_stops) {
  for (int round = 0; round < rounds; ++round) {
    lifetime_counter::reset();
    round_state state(static_cast<std::uint64_t>(round) * 7919U);
    std::stop_source outside;
    // Stops the whole tree once a random share of the leaves has run.
    const int stop_after = static_cast<int>(mix(static_cast<std::uint64_t>(round)) % 60'000);
    std::thread stopper;
    if (outside_stops) {
      stopper = std::thread([&] {
        while (state.ran.load() < stop_after && !outside.stop_requested()) {
          std::this_thread::yield();
        }
        outside.request_stop();
      });
    }
    const std::vector<std::optional<int>> results =
        executor.sync_wait(state.run(outside.get_token()));
    outside.request_stop(); // lets the stopper go if the map finished first
    if (stopper.joinable()) {
      stopper.join();
    }
    REQUIRE(results.size() == tops);
    CHECK(state.wrong.load() == 0);
    long returned = 0;
    for (int x = 0; x < tops; ++x) {
      int leaves_run = 0;
      for (int id = x * leaves; id < (x + 1) * leaves; ++id) {
        const int runs = state.runs[static_cast<std::size_t>(id)].load();
        REQUIRE(runs <= 1);
        leaves_run += runs;
      }
      const std::optional<int>& result = results[static_cast<std::size_t>(x)];
      if (result.has_value()) {
        // Every leaf that ran returned its value: none lost, none duplicated.
        REQUIRE(*result == leaves_run);
        returned += *result;
      } else {
        REQUIRE(leaves_run == 0); // a skipped top item started no leaf
      }
    }
    CHECK(returned == state.ran.load());
    CHECK(lifetime_counter::alive() == 0);
  }
}

} // namespace

TEST_CASE("tree cancellation: random stops lose and duplicate no result on a thread_pool",
          "[stop_source][stress]") {
  yt::thread_pool pool(4);
  stress(pool, 20, true);
}

TEST_CASE("tree cancellation: random stops lose and duplicate no result on inline_executor",
          "[stop_source][stress]") {
  yt::inline_executor serial;
  stress(serial, 5, false);
}
