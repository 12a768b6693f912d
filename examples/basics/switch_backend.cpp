// The idea: code written once against the `yt::executor` concept runs serially on
// yt::inline_executor or in parallel on yt::thread_pool; the backend is one line. Results that do
// not depend on timing are the same, bit for bit, whichever backend computed them.

#include <cstdio>
#include <numeric>
#include <ranges>
#include <vector>

#include <yieldtasks/yieldtasks.hpp>

namespace {

// One member of an ensemble: a deterministic floating-point computation (a logistic map).
double simulate(int seed) {
  double x = 0.1 + 0.8 * static_cast<double>(seed % 97) / 97.0;
  for (int step = 0; step < 2'000; ++step) {
    x = 3.9 * x * (1.0 - x);
  }
  return x;
}

// A scenario: the mean of 64 members, each computed by a nested map item.
yt::task<double> scenario(int id) {
  std::vector<int> seeds(64);
  std::iota(seeds.begin(), seeds.end(), 64 * id);
  const std::vector<double> members = co_await yt::taskmap(simulate, seeds);
  // Summed in input order, so rounding does not depend on which worker finished first.
  co_return std::accumulate(members.begin(), members.end(), 0.0) / 64.0;
}

yt::task<double> study_total(std::vector<double> means) {
  co_return std::accumulate(means.begin(), means.end(), 0.0);
}

// Written once, for any backend.
template <yt::executor Executor> std::vector<double> run_study(Executor& executor) {
  std::vector<double> means = executor.map(scenario, std::views::iota(0, 32));
  means.push_back(yt::sync_wait(executor, study_total(means)));
  return means;
}

} // namespace

int main() {
  yt::inline_executor serial; // everything on this thread, depth-first, in input order
  yt::thread_pool pool;       // the same code, on every available CPU

  const std::vector<double> expected = run_study(serial);
  const std::vector<double> parallel = run_study(pool);

  const bool ok = expected.size() == 33 && parallel == expected; // exact comparison
  std::printf("32 scenarios x 64 members: total %.17g serially, %.17g on %zu workers (%s)\n",
              expected.back(), parallel.back(), pool.size(), ok ? "equal" : "DIFFERENT");
  return ok ? 0 : 1;
}
