// The idea: `yt::taskmap(fn, range)` applies `fn` to every element in parallel. A `yt::task`
// co_awaits it and gets the results in input order; a thread that is not a worker uses the
// blocking counterpart, `pool.map(fn, range)`.

#include <cstdio>
#include <numeric>
#include <vector>

#include <yieldtasks/yieldtasks.hpp>

namespace {

long square(int x) {
  return static_cast<long>(x) * x;
}

// Takes its vector by value: a task is lazy, so a reference argument could dangle before it runs.
yt::task<long> sum_of_squares(std::vector<int> xs) {
  const std::vector<long> squares = co_await yt::taskmap(square, xs);
  co_return std::accumulate(squares.begin(), squares.end(), 0L);
}

} // namespace

int main() {
  yt::thread_pool pool; // yt::available_concurrency() workers
  std::vector<int> xs(1'000);
  std::iota(xs.begin(), xs.end(), 1); // 1, 2, ..., 1000

  const long total = pool.sync_wait(sum_of_squares(xs));
  const std::vector<long> squares = pool.map(square, xs);

  bool ok = total == 1'000L * 1'001 * 2'001 / 6;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    ok = ok && squares[i] == square(xs[i]); // input order, whichever worker ran the item
  }
  std::printf("sum of squares of 1..1000 on %zu workers: %ld (%s)\n", pool.size(), total,
              ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
