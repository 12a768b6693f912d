// Where a flat map's wall time goes. Runs the flat map of bench_flat_map (items that return their
// index, into a fresh result vector) many times on a thread_pool, and on TBB and OpenMP when they
// are built, with an item that also records which thread ran it and when for one item in every
// `stride`. Each run's wall time is split into: the set-up before the first item (the call, the
// result vector's allocation and zeroing), the time until a second thread runs its first item
// (the wake-up and the first steal), the span in which items run, and the tail after the last
// item (the final join and the return). It also counts the chunks each thread ran (maximal runs of
// consecutive sampled items: the splits it took). Not a Google Benchmark: a diagnostic, whose
// figures are medians over the runs.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <ranges>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <support/bench.hpp>
#include <support/median.hpp>

#include <yieldtasks/thread_pool.hpp>

#ifdef YT_BENCH_HAVE_TBB
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#endif

namespace {

using clock_type = std::chrono::steady_clock;

struct sample {
  int thread = -1;
  clock_type::time_point time;
};

// Threads are numbered in the order they first record a sample; the measuring thread records
// none itself, but runs items as the blocking caller, so it gets a number like any other.
std::atomic<int> next_thread_number{0};
thread_local int thread_number = -1;

struct run_record {
  clock_type::time_point start;
  clock_type::time_point end;
  std::vector<sample> samples;
};

class sampled_identity {
public:
  // `stride` is a power of two: a mask, not a division, keeps the unsampled items cheap.
  sampled_identity(int stride, run_record& run)
      : m_mask(stride - 1), m_stride(stride), m_run(&run) {}

  int operator()(int index) const {
    if ((index & m_mask) == 0) [[unlikely]] {
      record(index);
    }
    return index;
  }

private:
  [[gnu::noinline]] void record(int index) const {
    if (thread_number < 0) {
      thread_number = next_thread_number.fetch_add(1, std::memory_order_relaxed);
    }
    m_run->samples[static_cast<std::size_t>(index / m_stride)] = {thread_number, clock_type::now()};
  }

  int m_mask;
  int m_stride;
  run_record* m_run;
};

double to_us(clock_type::duration duration) {
  return std::chrono::duration<double, std::micro>(duration).count();
}

struct breakdown {
  double wall = 0;
  double setup = 0;        // start to the first item
  double second_start = 0; // first item to a second thread's first item (-1 if none)
  double items = 0;        // first item to the last item
  double tail = 0;         // last item to the return
  double chunks = 0;       // maximal runs of consecutive samples by one thread, all threads
  double threads = 0;      // threads that ran a sampled item
};

breakdown analyse(const run_record& run) {
  breakdown result;
  result.wall = to_us(run.end - run.start);
  const auto [first, last] = std::ranges::minmax_element(run.samples, {}, &sample::time);
  result.setup = to_us(first->time - run.start);
  result.items = to_us(last->time - first->time);
  result.tail = to_us(run.end - last->time);
  result.second_start = -1;
  std::vector<int> seen;
  for (std::size_t i = 0; i < run.samples.size(); ++i) {
    const sample& s = run.samples[i];
    if (i == 0 || s.thread != run.samples[i - 1].thread) {
      result.chunks += 1;
    }
    if (std::ranges::find(seen, s.thread) == seen.end()) {
      seen.push_back(s.thread);
    }
  }
  result.threads = static_cast<double>(seen.size());
  for (const sample& s : run.samples) {
    if (s.thread != first->thread) {
      const double since_first = to_us(s.time - first->time);
      if (result.second_start < 0 || since_first < result.second_start) {
        result.second_start = since_first;
      }
    }
  }
  return result;
}

template <class Map>
std::vector<breakdown> measure(int items, int stride, std::size_t runs, Map&& map) {
  std::vector<breakdown> result;
  run_record run;
  run.samples.resize(static_cast<std::size_t>((items + stride - 1) / stride));
  for (std::size_t r = 0; r < runs + runs / 10; ++r) {
    std::ranges::fill(run.samples, sample{});
    run.start = clock_type::now();
    const std::vector<int> values = map(sampled_identity(stride, run));
    run.end = clock_type::now();
    if (values.size() != static_cast<std::size_t>(items) || values.back() != items - 1) {
      throw std::runtime_error("wrong result vector");
    }
    if (r >= runs / 10) { // the first tenth warms up
      result.push_back(analyse(run));
    }
  }
  return result;
}

void report(const char* name, const std::vector<breakdown>& runs) {
  auto median_of = [&](double breakdown::*field) {
    std::vector<double> values;
    for (const breakdown& b : runs) {
      if (b.*field >= 0) {
        values.push_back(b.*field);
      }
    }
    return values.empty() ? -1.0 : yt_bench::median(values);
  };
  std::printf("%-11s %8.1f %8.1f %9.1f %8.1f %8.1f %7.1f %8.1f\n", name,
              median_of(&breakdown::wall), median_of(&breakdown::setup),
              median_of(&breakdown::second_start), median_of(&breakdown::items),
              median_of(&breakdown::tail), median_of(&breakdown::chunks),
              median_of(&breakdown::threads));
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Splits a flat map's wall time into set-up, the start of a second thread, items "
               "and the final join, for yieldtasks and (when built) TBB and OpenMP."};
  std::size_t run_count = 2'000;
  int items = 1'000'000;
  int stride = 4096;
  int threads = yt_bench::threads();
  app.add_option("--runs", run_count, "runs per runtime")->check(CLI::Range(10, 1'000'000));
  app.add_option("--items", items, "items per map")->check(CLI::Range(1, 100'000'000));
  app.add_option("--stride", stride,
                 "one item in this many (a power of two) records its thread and time")
      ->check([](const std::string& text) {
        const long value = std::stol(text);
        return value > 0 && value <= (1L << 20) && (value & (value - 1)) == 0
                   ? std::string()
                   : std::string("must be a power of two from 1 to 2^20");
      });
  app.add_option("--threads", threads, "threads (default: YT_BENCH_THREADS or all)")
      ->check(CLI::Range(1, 4096));
  std::vector<std::string> runtimes{"serial", "yieldtasks", "tbb", "omp"};
  app.add_option("--runtimes", runtimes,
                 "which to run, in this order (one per process keeps one runtime's spinning "
                 "threads out of another's runs)")
      ->delimiter(',')
      ->check(CLI::IsMember({"serial", "yieldtasks", "tbb", "omp"}));
  CLI11_PARSE(app, argc, argv);

  try {
    std::printf("%d items, %d threads, one sample every %d items; medians over %zu runs, us:\n"
                "set-up = start to first item, 2nd = first item to a second thread's first, "
                "items = first to last sampled item,\ntail = last sampled item to the return, "
                "chunks = runs of consecutive samples by one thread\n",
                items, threads, stride, run_count);
    std::printf("%-11s %8s %8s %9s %8s %8s %7s %8s\n", "runtime", "wall", "set-up", "2nd", "items",
                "tail", "chunks", "threads");
    const auto size = static_cast<std::size_t>(items);
    for (const std::string& runtime : runtimes) {
      if (runtime == "serial") {
        report("serial", measure(items, stride, run_count, [&](sampled_identity fn) {
                 std::vector<int> values(size);
                 for (int i = 0; i < items; ++i) {
                   values[static_cast<std::size_t>(i)] = fn(i);
                 }
                 return values;
               }));
      }
      if (runtime == "yieldtasks") {
        yt::thread_pool pool(static_cast<std::size_t>(threads));
        report("yieldtasks", measure(items, stride, run_count, [&](sampled_identity fn) {
                 return pool.map(fn, std::views::iota(0, items));
               }));
      }
#ifdef YT_BENCH_HAVE_TBB
      if (runtime == "tbb") {
        const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                        static_cast<std::size_t>(threads));
        tbb::task_arena arena(threads);
        report("tbb", measure(items, stride, run_count, [&](sampled_identity fn) {
                 std::vector<int> values(size);
                 arena.execute([&] {
                   tbb::parallel_for(tbb::blocked_range<int>(0, items),
                                     [&](const tbb::blocked_range<int>& r) {
                                       for (int i = r.begin(); i != r.end(); ++i) {
                                         values[static_cast<std::size_t>(i)] = fn(i);
                                       }
                                     });
                 });
                 return values;
               }));
      }
#endif
#ifdef _OPENMP
      if (runtime == "omp") {
        report("omp", measure(items, stride, run_count, [&](sampled_identity fn) {
                 std::vector<int> values(size);
#pragma omp parallel for num_threads(threads)
                 for (int i = 0; i < items; ++i) {
                   values[static_cast<std::size_t>(i)] = fn(i);
                 }
                 return values;
               }));
      }
#endif
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_flat_timeline: %s\n", error.what());
    return 1;
  }
}
