// The idea: yt::when_any races tasks and keeps the first to finish. The others are asked to stop,
// and the stop reaches the maps running inside them, whose unstarted items are skipped; when_any
// returns once they have all finished. Here two searches for a seed of low cost race, one scanning
// the seeds upward and one downward: the loser's map stops early.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <ranges>
#include <vector>

#include <yieldtasks/yieldtasks.hpp>

namespace {

// The cost a start from `seed` reaches: deterministic, below 5 for about one seed in 200.
std::uint64_t cost(int seed) {
  std::uint64_t z = static_cast<std::uint64_t>(seed) + 0x9E3779B97F4A7C15ULL; // splitmix64
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return (z ^ (z >> 31U)) % 1'000;
}
constexpr std::uint64_t good_enough = 5;
constexpr int seeds = 100'000;
std::atomic<int> tried{0};

// The first good seed in `order`'s direction, or -1 if stopped from outside before finding one.
yt::task<int> scan(bool upward) {
  const auto order = std::views::iota(0, seeds) |
                     std::views::transform([upward](int i) { return upward ? i : seeds - 1 - i; });
  const std::vector<std::optional<int>> found = co_await yt::taskmap(
      [](int seed, yt::stop_source stop) {
        tried.fetch_add(1, std::memory_order_relaxed);
        if (cost(seed) >= good_enough) {
          return -1;
        }
        stop.request_stop();
        return seed;
      },
      order);
  for (const std::optional<int>& seed : found) {
    if (seed && *seed >= 0) {
      co_return *seed;
    }
  }
  co_return -1;
}

yt::task<yt::when_any_result<int>> race() {
  co_return co_await yt::when_any(scan(true), scan(false));
}

} // namespace

int main() {
  yt::inline_executor
      serial; // the first task runs to completion first: it wins, the other never starts
  const auto [first_index, first_seed] = serial.sync_wait(race());
  bool ok = first_index == 0 && first_seed >= 0 && cost(first_seed) < good_enough;
  ok = ok && tried.load() == first_seed + 1;

  tried = 0;
  yt::thread_pool pool;
  const auto [index, seed] = pool.sync_wait(race());
  ok = ok && seed >= 0 && cost(seed) < good_enough && tried.load() < 2 * seeds;
  std::printf("%s scan won with seed %d (cost %llu) after %d tries of %d (%s)\n",
              index == 0 ? "upward" : "downward", seed, static_cast<unsigned long long>(cost(seed)),
              tried.load(), 2 * seeds, ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
