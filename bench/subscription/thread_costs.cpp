// bench_thread_costs: what the OS charges the thread strategies, for bench/scaling_model.py — a
// fresh thread (std::jthread started and joined, as threads.cpp's every map call does), a context
// switch (two threads on one CPU passing a byte back and forth through pipes, lmbench's lat_ctx
// without a working set), and the time slice two busy threads on one CPU get from the scheduler.
// Prints one JSON object; every figure is the median of --rounds batches.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <pthread.h>
#include <sched.h>
#include <stdexcept>
#include <thread>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>

#include <support/median.hpp>

#include <sys/resource.h>

namespace {

using steady = std::chrono::steady_clock;

double ns_since(steady::time_point start) {
  return std::chrono::duration<double, std::nano>(steady::now() - start).count();
}

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) {
    throw std::runtime_error("cannot pin a thread to CPU " + std::to_string(cpu));
  }
}

// Wall ns per thread of starting `width` threads with an empty body and joining them.
double fresh_thread_ns(int width, int batch) {
  const auto start = steady::now();
  for (int b = 0; b < batch; ++b) {
    std::vector<std::jthread> threads;
    for (int t = 0; t < width; ++t) {
      threads.emplace_back([] {});
    }
  }
  return ns_since(start) / (batch * width);
}

// Wall ns per switch of two threads on CPU 0 handing a byte to each other.
double switch_ns(int round_trips) {
  std::array<int, 2> there{};
  std::array<int, 2> back{};
  if (pipe(there.data()) != 0 || pipe(back.data()) != 0) {
    throw std::runtime_error("pipe failed");
  }
  char byte = 0;
  std::jthread echo([&] {
    pin_to(0);
    char b = 0;
    for (int i = 0; i < round_trips; ++i) {
      (void)!read(there[0], &b, 1);
      (void)!write(back[1], &b, 1);
    }
  });
  pin_to(0);
  const auto start = steady::now();
  for (int i = 0; i < round_trips; ++i) {
    (void)!write(there[1], &byte, 1);
    (void)!read(back[0], &byte, 1);
  }
  const double ns = ns_since(start) / (2.0 * round_trips);
  echo.join();
  for (int fd : {there[0], there[1], back[0], back[1]}) {
    close(fd);
  }
  return ns;
}

// Mean ns between involuntary switches of two busy threads sharing CPU 0 for `seconds`.
double time_slice_ns(double seconds) {
  std::array<long, 2> switches{};
  std::array<std::jthread, 2> busy;
  const auto until = steady::now() + std::chrono::duration<double>(seconds);
  for (std::size_t t = 0; t < busy.size(); ++t) {
    busy[t] = std::jthread([&, t] {
      pin_to(0);
      volatile unsigned spin = 0;
      while (steady::now() < until) {
        for (int i = 0; i < 1000; ++i) {
          spin = spin + 1;
        }
      }
      rusage own{};
      getrusage(RUSAGE_THREAD, &own);
      switches[t] = own.ru_nivcsw;
    });
  }
  for (std::jthread& b : busy) {
    b.join();
  }
  return seconds * 1e9 * static_cast<double>(busy.size()) /
         static_cast<double>(std::max(1L, switches[0] + switches[1]));
}

template <class Measure> double median_of(int rounds, Measure measure) {
  std::vector<double> values;
  for (int r = 0; r < rounds; ++r) {
    values.push_back(measure());
  }
  return yt_bench::median(values);
}

} // namespace

int main(int argc, char** argv) try {
  CLI::App app{"Measures a fresh thread's cost, a context switch and the scheduler's time slice"};
  int rounds = 7;
  int width = 2;
  app.add_option("--rounds", rounds, "Batches per figure; the median is printed")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--width", width, "Threads started per batch step (a map call's thread count)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  CLI11_PARSE(app, argc, argv);

  const double fresh = median_of(rounds, [&] { return fresh_thread_ns(width, 2000 / width + 1); });
  const double switched = median_of(rounds, [] { return switch_ns(20000); });
  const double slice = median_of(std::min(rounds, 3), [] { return time_slice_ns(0.5); });
  std::printf("{\"fresh_thread_ns\": %.0f, \"fresh_thread_width\": %d, \"context_switch_ns\": "
              "%.0f, \"time_slice_ns\": %.0f, \"rounds\": %d}\n",
              fresh, width, switched, slice, rounds);
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "bench_thread_costs: %s\n", error.what());
  return 2;
}
