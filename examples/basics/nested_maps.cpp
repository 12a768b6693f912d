// The idea: maps nest to any depth on one pool, mixing plain and coroutine functions. An item that
// co_awaits a map suspends instead of blocking its thread, so all three levels share the pool's
// workers and the process runs pool.size() worker threads plus the caller, never more.

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <numeric>
#include <ranges>
#include <vector>

#include <yieldtasks/yieldtasks.hpp>

namespace {

// Threads of this process right now (Linux: one entry per thread under /proc/self/task).
std::size_t thread_count() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return static_cast<std::size_t>(std::distance(tasks, std::filesystem::directory_iterator{}));
}

std::atomic<std::size_t> most_threads{0};

// Level 3, a plain function: each item is an ordinary call on some worker.
long leaf(int x) {
  const std::size_t now = thread_count();
  std::size_t seen = most_threads.load();
  while (now > seen && !most_threads.compare_exchange_weak(seen, now)) {
  }
  return x;
}

// Level 2, a coroutine: awaits a map of the 10 leaves 10x .. 10x + 9.
yt::task<long> middle(int x) {
  const auto leaves = std::views::iota(10 * x, 10 * x + 10);
  const std::vector<long> values = co_await yt::taskmap(leaf, leaves);
  co_return std::accumulate(values.begin(), values.end(), 0L);
}

// Level 1, a coroutine: awaits a map of 10 coroutines, so it covers leaves 100x .. 100x + 99.
yt::task<long> outer(int x) {
  const auto middles = std::views::iota(10 * x, 10 * x + 10);
  const std::vector<long> values = co_await yt::taskmap(middle, middles);
  co_return std::accumulate(values.begin(), values.end(), 0L);
}

} // namespace

int main() {
  yt::thread_pool pool;
  const std::size_t started = thread_count(); // the workers and main (and a sanitizer's helper)
  const std::vector<long> totals = pool.map(outer, std::views::iota(0, 10));

  bool ok = totals.size() == 10;
  for (std::size_t x = 0; ok && x < totals.size(); ++x) {
    ok = totals[x] == 10'000 * static_cast<long>(x) + 4'950; // sum of 100x .. 100x + 99
  }
  const std::size_t most = most_threads.load();
  ok = ok && most == started && started >= pool.size() + 1; // nesting never added a thread
  std::printf("1,000 leaves, 3 levels: %s; most threads seen %zu = %zu workers + main%s\n",
              ok ? "ok" : "WRONG", most, pool.size(),
              started > pool.size() + 1 ? " + sanitizer" : "");
  return ok ? 0 : 1;
}
