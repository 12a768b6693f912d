// Where the nested map's time goes. Runs the 8×16 map of 1 µs leaves (nested_map.hpp) many times
// as plain loops, on an inline_executor and on a thread_pool (awaited inside one running task, as
// nested_map/yieldtasks_in_task, then called from a blocking thread, as nested_map/yieldtasks),
// records on which thread every leaf starts and ends, and splits each run's thread time (wall ×
// threads) into leaf work and the time between leaves: before a thread's first leaf, short gaps
// between leaves (the map's own loop), longer gaps (steals, splits, an outer item ending and the
// next starting), after its last leaf, and threads that ran no leaf at all. Not a Google
// Benchmark: a diagnostic, whose only timed figure is the median run.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <map>
#include <numeric>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include <support/median.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/sync_wait.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

#include <nested_map/nested_map.hpp>

namespace {

using clock_type = std::chrono::steady_clock;
using nested_map_bench::inner;
using nested_map_bench::leaves;
using nested_map_bench::outer;

constexpr std::chrono::nanoseconds leaf_duration = std::chrono::microseconds(1);
// Gaps shorter than this are the map loop's own per-leaf cost (about 20 ns for plain loops,
// mostly this tool's own clock reads).
constexpr std::chrono::nanoseconds short_gap = std::chrono::nanoseconds(100);

struct leaf_span {
  std::thread::id thread;
  clock_type::time_point start;
  clock_type::time_point end;
};

struct run_record {
  clock_type::time_point start;
  clock_type::time_point end;
  std::vector<leaf_span> spans = std::vector<leaf_span>(leaves);
};

long timed_leaf(int index, std::span<leaf_span> spans) {
  leaf_span& span = spans[static_cast<std::size_t>(index)];
  span.thread = std::this_thread::get_id();
  span.start = clock_type::now();
  const long value = nested_map_bench::leaf(index, leaf_duration);
  span.end = clock_type::now();
  return value;
}

yt::task<long> outer_item(int o, std::span<leaf_span> spans) {
  auto leaf_of = [o, spans](int i) { return timed_leaf(o * inner + i, spans); };
  auto indices = std::views::iota(0, inner);
  const std::vector<long> values = co_await yt::taskmap(leaf_of, indices);
  co_return std::accumulate(values.begin(), values.end(), 0L);
}

yt::task<long> nested(std::span<leaf_span> spans) {
  auto outer_of = [spans](int o) { return outer_item(o, spans); };
  auto indices = std::views::iota(0, outer);
  const std::vector<long> sums = co_await yt::taskmap(outer_of, indices);
  co_return std::accumulate(sums.begin(), sums.end(), 0L);
}

void check(long sum) {
  if (sum != nested_map_bench::expected_sum) {
    throw std::runtime_error("wrong sum of leaves: " + std::to_string(sum));
  }
}

yt::task<void> run_all(std::vector<run_record>& runs) {
  for (run_record& run : runs) {
    run.start = clock_type::now();
    const long sum = co_await nested(run.spans);
    run.end = clock_type::now();
    check(sum);
  }
}

// Times `compute(run) -> long` (the sum of the leaves) from this thread for each run.
template <class Compute> void run_each(std::vector<run_record>& runs, Compute compute) {
  for (run_record& run : runs) {
    run.start = clock_type::now();
    const long sum = compute(run);
    run.end = clock_type::now();
    check(sum);
  }
}

long plain_loops(run_record& run) {
  long sum = 0;
  for (int index = 0; index < leaves; ++index) {
    sum += timed_leaf(index, run.spans);
  }
  return sum;
}

double to_us(clock_type::duration duration) {
  return std::chrono::duration<double, std::micro>(duration).count();
}

// One run's thread time, in µs, by kind.
struct breakdown {
  double wall = 0;
  double work = 0;
  double head = 0;
  double short_gaps = 0;
  double long_gaps = 0;
  double long_gap_count = 0;
  double tail = 0;
  double idle_threads = 0;

  // Adds every field but the wall time, for a mean.
  breakdown& operator+=(const breakdown& other) noexcept {
    work += other.work;
    head += other.head;
    short_gaps += other.short_gaps;
    long_gaps += other.long_gaps;
    long_gap_count += other.long_gap_count;
    tail += other.tail;
    idle_threads += other.idle_threads;
    return *this;
  }
};

breakdown analyse(const run_record& run, int threads) {
  breakdown result;
  result.wall = to_us(run.end - run.start);
  std::map<std::thread::id, std::vector<const leaf_span*>> by_thread;
  for (const leaf_span& span : run.spans) {
    by_thread[span.thread].push_back(&span);
    result.work += to_us(span.end - span.start);
  }
  for (auto& [thread, spans] : by_thread) {
    std::ranges::sort(spans, {}, &leaf_span::start);
    result.head += to_us(spans.front()->start - run.start);
    result.tail += to_us(run.end - spans.back()->end);
    for (std::size_t i = 1; i < spans.size(); ++i) {
      const clock_type::duration gap = spans[i]->start - spans[i - 1]->end;
      if (gap < short_gap) {
        result.short_gaps += to_us(gap);
      } else {
        result.long_gaps += to_us(gap);
        result.long_gap_count += 1;
      }
    }
  }
  const auto active = static_cast<int>(by_thread.size());
  result.idle_threads = threads > active ? (threads - active) * result.wall : 0;
  return result;
}

// Prints the median wall time, the efficiency against the plain loops' median, and the mean
// breakdown of the runs after the first tenth (warm-up). Runs over 1.2 × the median are left out
// of the means and counted instead: on a shared machine they are mostly a preempted thread.
double report(const char* name, const std::vector<run_record>& runs, int threads,
              double serial_wall) {
  std::vector<breakdown> breakdowns;
  std::vector<double> walls;
  for (std::size_t r = runs.size() / 10; r < runs.size(); ++r) {
    breakdowns.push_back(analyse(runs[r], threads));
    walls.push_back(breakdowns.back().wall);
  }
  const double wall = yt_bench::median(walls);
  breakdown mean;
  double count = 0;
  for (const breakdown& b : breakdowns) {
    if (b.wall > 1.2 * wall) {
      continue;
    }
    count += 1;
    mean += b;
  }
  const double reference = serial_wall > 0 ? serial_wall : wall;
  std::printf("%-8s %7d %8.2f %6.3f %8.2f %6.2f %7.2f %7.2f (%4.1f) %6.2f %6.2f %7.1f\n", name,
              threads, wall, reference / (wall * threads), mean.work / count, mean.head / count,
              mean.short_gaps / count, mean.long_gaps / count, mean.long_gap_count / count,
              mean.tail / count, mean.idle_threads / count,
              100 * (1 - count / static_cast<double>(breakdowns.size())));
  return wall;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Splits the nested 8x16 map's time (1 us leaves) into leaf work and the gaps "
               "between leaves, for plain loops, an inline_executor and a thread_pool."};
  std::size_t run_count = 10'000;
  int threads = yt_bench::threads();
  app.add_option("--runs", run_count, "runs per mode")->check(CLI::Range(10, 200'000));
  app.add_option("--threads", threads, "pool threads (default: YT_BENCH_THREADS or all)")
      ->check(CLI::Range(1, 4096));
  CLI11_PARSE(app, argc, argv);

  try {
    std::vector<run_record> loops(run_count);
    run_each(loops, plain_loops);
    std::vector<run_record> inline_runs(run_count);
    yt::inline_executor serial;
    yt::sync_wait(serial, run_all(inline_runs));
    std::vector<run_record> pool_runs(run_count);
    yt::thread_pool pool(static_cast<std::size_t>(threads));
    yt::sync_wait(pool, run_all(pool_runs));
    std::vector<run_record> blocking_runs(run_count);
    run_each(blocking_runs,
             [&pool](run_record& run) { return yt::sync_wait(pool, nested(run.spans)); });

    std::printf("median wall per run and efficiency (loops' median / (wall x threads)); then, in "
                "us of thread time per run (means):\nwork = leaves, head = before a thread's "
                "first leaf, gaps < 100 ns, gaps >= 100 ns (count),\ntail = after its last "
                "leaf, idle = threads that ran no leaf; runs over 1.2 x the median wall (left "
                "out of the means)\n");
    std::printf("%-8s %7s %8s %6s %8s %6s %7s %14s %6s %6s %7s\n", "mode", "threads", "wall", "eff",
                "work", "head", "gaps<", "gaps>= (n)", "tail", "idle", "slow %");
    const double serial_wall = report("loops", loops, 1, 0);
    report("inline", inline_runs, 1, serial_wall);
    report("pool", pool_runs, threads, serial_wall);
    report("blocking", blocking_runs, threads, serial_wall);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_nested_timeline: %s\n", error.what());
    return 1;
  }
}
