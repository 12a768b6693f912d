// The idea: a map whose function also takes a `yt::stop_source` is cancellable. Here each item is
// one restart of a randomized search; the first restart that succeeds calls request_stop(), the
// restarts that have not started yet are skipped, and the map yields
// std::vector<std::optional<R>> with std::nullopt for every skipped item. A stop reaches the maps
// nested below the items too: in tree_search each restart probes four neighbours in a nested map
// whose items poll a std::stop_token, and the first good probe stops the whole tree.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <ranges>
#include <vector>

#include <yieldtasks/yieldtasks.hpp>

namespace {

using outcomes = std::vector<std::optional<std::uint64_t>>;

// The cost a restart from `seed` reaches: deterministic, below 5 for about one seed in 200.
std::uint64_t cost(int seed) {
  std::uint64_t z = static_cast<std::uint64_t>(seed) + 0x9E3779B97F4A7C15ULL; // splitmix64
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return (z ^ (z >> 31U)) % 1'000;
}
constexpr std::uint64_t good_enough = 5;

std::uint64_t restart(int seed, yt::stop_source stop) {
  const std::uint64_t reached = cost(seed);
  if (reached < good_enough) {
    stop.request_stop(); // restarts that start from now on are skipped
  }
  return reached;
}

yt::task<outcomes> search(int restarts) {
  const auto seeds = std::views::iota(0, restarts);
  co_return co_await yt::taskmap(restart, seeds);
}

// Restart `start` probes seeds 4 * start .. 4 * start + 3; a good probe stops the top map, and with
// it the nested maps of every restart.
yt::task<int> probe_around(int start, yt::stop_source top) {
  const auto found = co_await yt::taskmap(
      [top](int seed, const std::stop_token& /*token*/) {
        if (cost(seed) < good_enough) {
          top.request_stop();
        }
        return seed;
      },
      std::views::iota(4 * start, 4 * start + 4));
  co_return static_cast<int>(
      std::ranges::count_if(found, [](const auto& r) { return r.has_value(); }));
}

yt::task<std::vector<std::optional<int>>> tree_search(int restarts) {
  co_return co_await yt::taskmap(probe_around, std::views::iota(0, restarts));
}

// Every restart that ran reports its own cost, at least one succeeded, and some were skipped.
bool consistent(const outcomes& results) {
  bool success = false;
  std::size_t skipped = 0;
  for (std::size_t seed = 0; seed < results.size(); ++seed) {
    if (results[seed] && *results[seed] != cost(static_cast<int>(seed))) {
      return false;
    }
    success = success || (results[seed] && *results[seed] < good_enough);
    skipped += results[seed] ? 0 : 1;
  }
  return success && skipped > 0;
}

} // namespace

int main() {
  constexpr int restarts = 100'000;
  yt::inline_executor serial; // in order: exactly the restarts up to the first success ran
  const outcomes in_order = serial.sync_wait(search(restarts));
  std::size_t first = 0;
  while (cost(static_cast<int>(first)) >= good_enough) {
    ++first;
  }
  bool ok = consistent(in_order);
  for (std::size_t seed = 0; seed < in_order.size(); ++seed) {
    ok = ok && in_order[seed].has_value() == (seed <= first);
  }

  // The tree, in order: the probes up to the first good one ran, nothing after it.
  const std::vector<std::optional<int>> probed = serial.sync_wait(tree_search(restarts / 4));
  long probes = 0;
  for (const std::optional<int>& count : probed) {
    probes += count.value_or(0);
  }
  ok = ok && probes == static_cast<long>(first) + 1;

  yt::thread_pool pool; // in parallel: a few more may have started before the stop was seen
  const outcomes parallel = pool.sync_wait(search(restarts));
  ok = ok && consistent(parallel);
  const auto ran = std::ranges::count_if(parallel, [](const auto& r) { return r.has_value(); });

  std::printf("first success at seed %zu; restarts run: %zu serially, %td on %zu workers (%s)\n",
              first, first + 1, ran, pool.size(), ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
