#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/detail/cycle_clock.hpp>
#include <yieldtasks/detail/sleeper_list.hpp>
#include <yieldtasks/detail/split_loop.hpp>
#include <yieldtasks/detail/worker.hpp>

namespace {

struct no_injector final : yt::detail::injector {
  void inject(yt::detail::job& /*work*/) override {}
  yt::detail::job* try_take() override { return nullptr; }
};

// Splits are taken by the test's thief, never run by a worker.
void unexpected_split_run(yt::detail::job& /*self*/, yt::detail::worker& /*runner*/) noexcept {
  std::abort();
}

struct taken_range {
  std::size_t begin;
  std::size_t end;
};

struct loop_outcome {
  std::vector<int> runs;           // times each index was run by the loop
  std::vector<bool> ran_alone;     // whether its batch ran with no split of the loop pushed
  std::vector<taken_range> stolen; // in the order taken
  std::size_t answerable_end = 0;  // what run_split_loop returned
};

// Runs [0, count) through run_split_loop on a worker of a two-worker sleeper list, with items
// that each take `item_ticks` of the cycle clock. With `thief`, before every batch, the test
// steals whatever split the worker has pushed, so that the worker always finds its deque empty
// and splits whenever the loop lets it; without, nobody steals (the other worker is busy) and the
// loop takes every split back.
loop_outcome run_split_loop_of(std::size_t count, std::uint64_t item_ticks, bool thief) {
  yt::detail::sleeper_list sleepers(2);
  no_injector injector;
  yt::detail::worker self(&sleepers, nullptr, injector, 1);
  const std::atomic<bool> stop{false};
  loop_outcome outcome;
  outcome.runs.assign(count, 0);
  outcome.ran_alone.assign(count, false);
  const auto steal_all = [&] {
    while (yt::detail::job* split = self.steal()) {
      const yt::detail::split_range range = yt::detail::take_split(*split);
      outcome.stolen.push_back({range.begin, range.end});
    }
  };
  outcome.answerable_end = yt::detail::run_split_loop(
      0, count, self, stop, nullptr, &unexpected_split_run, [&](std::size_t from, std::size_t to) {
        if (thief) {
          steal_all();
        }
        const bool alone = self.deque_empty();
        for (std::size_t index = from; index < to; ++index) {
          const std::uint64_t start = yt::detail::cycle_clock();
          while (yt::detail::cycle_clock() - start < item_ticks) {
          }
          ++outcome.runs[index];
          outcome.ran_alone[index] = alone;
        }
        return to;
      });
  steal_all();
  return outcome;
}

} // namespace

TEST_CASE("run_split_loop runs every index once or leaves it in a stolen split", "[split_loop]") {
  constexpr std::size_t count = 4096;
  const loop_outcome outcome = run_split_loop_of(count, 16, true);
  REQUIRE_FALSE(outcome.stolen.empty());
  // The first split happens before any item, while nothing is measured: the upper half.
  CHECK(outcome.stolen.front().begin == count / 2);
  CHECK(outcome.stolen.front().end == count);
  // Stolen splits are successive halvings: each ends where the previous one began, and the
  // newest begins where the loop's own range ends.
  for (std::size_t i = 1; i < outcome.stolen.size(); ++i) {
    CHECK(outcome.stolen[i].end == outcome.stolen[i - 1].begin);
  }
  CHECK(outcome.stolen.back().begin == outcome.answerable_end);
  for (std::size_t index = 0; index < count; ++index) {
    INFO("index " << index);
    CHECK(outcome.runs[index] == (index < outcome.answerable_end ? 1 : 0));
  }
}

// Each half of a split must outlast a thief's trip to it. Before a floor of batch_ticks worth of
// items, a worker whose deque had emptied split its range before every batch: when the other
// worker was busy, each split taken back was split again, down to single items, and a map of 10^5
// cheap items spent its last third pushing and taking back ever smaller splits. Now the last
// range below the floor runs with no split pushed. The floor is in time: the items' cost as the
// loop measures it includes the test's own bookkeeping, dearer under a sanitizer, so each run's
// expectation comes from the cost per item it measured itself, and a preempted measurement may
// lower the floor for one run: one run out of five showing it is enough.
TEST_CASE("run_split_loop stops splitting a range worth less than batch_ticks at the measured "
          "cost",
          "[split_loop]") {
  constexpr std::size_t count = 4096;
  constexpr std::uint64_t item_ticks = 128;
  // The most a range below the floor can hold: the items cost at least item_ticks.
  constexpr std::size_t most_below_floor = yt::detail::batch_ticks / item_ticks; // 32
  bool floor_seen = false;
  std::vector<std::size_t> alone_per_run; // for the failure message
  for (int run = 0; run < 5 && !floor_seen; ++run) {
    const std::uint64_t start = yt::detail::cycle_clock();
    const loop_outcome outcome = run_split_loop_of(count, item_ticks, false);
    const double ticks_per_item =
        static_cast<double>(yt::detail::cycle_clock() - start) / static_cast<double>(count);
    REQUIRE(outcome.stolen.empty());
    REQUIRE(outcome.answerable_end == count);
    REQUIRE(std::all_of(outcome.runs.begin(), outcome.runs.end(), [](int n) { return n == 1; }));
    // The items at the end of the range that ran with no split pushed (the old rule: the last one).
    std::size_t alone = 0;
    while (alone < count && outcome.ran_alone[count - 1 - alone]) {
      ++alone;
    }
    alone_per_run.push_back(alone);
    CHECK(alone < most_below_floor);
    // The last range left unsplit holds between half the floor and the floor, in items at the
    // measured cost; a quarter leaves room for the measurement's noise.
    const double floor_at_measured_cost =
        static_cast<double>(yt::detail::batch_ticks) / ticks_per_item;
    floor_seen = alone >= 2 && static_cast<double>(alone) >= floor_at_measured_cost / 4;
  }
  INFO("items run alone at the end, per run: " << Catch::Detail::stringify(alone_per_run));
  CHECK(floor_seen);
}
