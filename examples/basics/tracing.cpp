// The idea: a pool tells what it did. `pool.stats()` counts, per worker, the items run, the steals,
// the sleeps and the busy time, always on; a `yt::trace_recorder` attached at run time records a
// span per batch of items, named by its map (`.named("...")`), and writes Chrome trace-event
// JSON that Perfetto (ui.perfetto.dev) and chrome://tracing show as one track per worker. And it
// tells what it is doing now: `pool.dump(out)`, from any thread, writes what each worker runs (the
// item, its map's name and progress, and the maps waiting on it), which is what a watchdog of a
// program that hangs prints. The one here dumps a millisecond after the first block started,
// wherever the work is by then (on a loaded machine it may be done).
//
// Usage: example_tracing [TRACE.json]  (default: tracing.json in the current directory)

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <ranges>
#include <string>
#include <thread>
#include <vector>

#include <yieldtasks/yieldtasks.hpp>

namespace {

// A leaf of about a microsecond of arithmetic.
double leaf(int i) {
  double x = i;
  for (int k = 0; k < 200; ++k) {
    x = x * 0.999 + 1.0;
  }
  return x;
}

yt::task<double> block(int b) {
  auto leaves = std::views::iota(b * 1000, (b + 1) * 1000);
  const std::vector<double> values = co_await yt::taskmap(leaf, leaves).named("leaves");
  co_return std::accumulate(values.begin(), values.end(), 0.0);
}

yt::task<double> blocks(int count) {
  const std::vector<double> sums =
      co_await yt::taskmap(block, std::views::iota(0, count)).named("blocks");
  co_return std::accumulate(sums.begin(), sums.end(), 0.0);
}

} // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "tracing.json";
  yt::thread_pool pool(2);
  const yt::pool_stats before = pool.stats();

  yt::trace_recorder trace(pool);
  std::thread watchdog([&pool, &before] {
    while (pool.stats().total().items_run == before.total().items_run) { // until a block starts
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    pool.dump(std::cout);
  });
  const double total = pool.sync_wait(blocks(16));
  watchdog.join();
  trace.write_json(path); // stops recording, then writes

  const yt::worker_stats done = pool.stats().total();
  const std::uint64_t items = done.items_run - before.total().items_run;
  std::uint64_t traced_leaves = 0;
  for (const yt::trace_span& span : trace.spans()) {
    traced_leaves += span.name == "leaves" ? span.items : 0;
  }
  std::printf("sum %.6g: %llu items run (16 blocks + 16000 leaves), %llu steals, busy %.2f ms; "
              "%zu spans written to %s\n",
              total, static_cast<unsigned long long>(items),
              static_cast<unsigned long long>(done.steals),
              std::chrono::duration<double, std::milli>(done.busy).count(), trace.spans().size(),
              path.c_str());
  if (items != 16 + 16'000 || traced_leaves != 16'000) {
    std::fprintf(stderr, "mismatch: %llu items counted, %llu leaves traced\n",
                 static_cast<unsigned long long>(items),
                 static_cast<unsigned long long>(traced_leaves));
    return 1;
  }
  return 0;
}
