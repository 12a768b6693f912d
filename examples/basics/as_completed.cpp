// The idea: yt::as_completed maps a function over a range in parallel and hands the results out
// one at a time in the order they finish, so a consumer can act on each as soon as it exists and
// stop at the first good one: leaving the loop destroys the stream, which skips the starts not
// begun and waits for the running ones. At most `window` results wait unconsumed. The same stream
// exists for blocking code, from thread_pool::as_completed.

#include <algorithm>
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
std::atomic<int> tried{0};

bool good(int seed) {
  tried.fetch_add(1, std::memory_order_relaxed);
  return cost(seed) < good_enough;
}

// The first good seed, whichever start finds it first.
yt::task<std::optional<int>> first_good(std::vector<int> seeds) {
  auto stream = yt::as_completed(good, seeds);
  while (auto item = co_await stream.next()) {
    if (item->value) {
      co_return seeds[item->index]; // the stream's destructor stops the other starts
    }
  }
  co_return std::nullopt;
}

} // namespace

int main() {
  std::vector<int> seeds(100'000);
  for (int i = 0; i < 100'000; ++i) {
    seeds[static_cast<std::size_t>(i)] = i;
  }

  // Inline, each start runs just before the next() that delivers it: the lowest good seed wins.
  const std::optional<int> serial = yt::inline_executor{}.sync_wait(first_good(seeds));
  bool ok = serial && cost(*serial) < good_enough && tried.load() == *serial + 1;

  tried = 0;
  yt::thread_pool pool;
  const std::optional<int> parallel = pool.sync_wait(first_good(seeds));
  ok = ok && parallel && cost(*parallel) < good_enough && tried.load() < 100'000;
  std::printf("first good seed: %d inline, %d on %zu workers after %d tries (%s)\n",
              serial.value_or(-1), parallel.value_or(-1), pool.size(), tried.load(),
              ok ? "ok" : "WRONG");

  // From blocking code: the lowest cost of the first 1,000 seeds, taken as the costs come in.
  auto stream = pool.as_completed([](int seed) { return cost(seed); }, std::views::iota(0, 1'000));
  int delivered = 0;
  std::uint64_t lowest = 1'000;
  while (auto item = stream.next()) {
    ++delivered;
    lowest = std::min(lowest, item->value);
  }
  std::uint64_t expected = 1'000;
  for (int seed = 0; seed < 1'000; ++seed) {
    expected = std::min(expected, cost(seed));
  }
  ok = ok && delivered == 1'000 && lowest == expected;
  return ok ? 0 : 1;
}
