// The cluster backend's costs, run under mpirun (bench/cluster/README.md): the dispatch overhead
// per item (1 KiB argument, 1 KiB result, no work) and the efficiency of 64 uneven items (1-15
// ms each, CPU-bound spins or sleeps), each as the median of --repeat runs, interleaved. The
// answers are checked.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include <support/median.hpp>

#include <yieldtasks/mpi.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

std::string echo_kib(std::string s) {
  std::reverse(s.begin(), s.end());
  return s;
}

// Item i takes 1 + (i·7 mod 15) ms: uneven, 8 ms on average.
double item_ms(int i) {
  return 1.0 + (i * 7 % 15);
}

int spin(int i) {
  const auto end = clock_type::now() + std::chrono::duration<double, std::milli>(item_ms(i));
  long turns = 0;
  while (clock_type::now() < end) {
    ++turns;
  }
  return turns > 0 ? i : -1;
}

} // namespace

YT_REMOTE(echo_kib);
YT_REMOTE(spin);

namespace {

template <class F> double seconds(F&& f) {
  const auto start = clock_type::now();
  f();
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
  const int repeat = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::size_t threads = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1;
  yt::mpi_cluster cluster(argc, argv, {.threads = threads});

  const std::vector<std::string> messages(4000, std::string(1024, 'x'));
  std::vector<int> uneven(64);
  std::iota(uneven.begin(), uneven.end(), 0);
  double ideal_seconds = 0;
  for (const int i : uneven) {
    ideal_seconds += item_ms(i) / 1000;
  }
  ideal_seconds /= static_cast<double>(cluster.ranks() * threads);

  std::vector<double> dispatch;
  std::vector<double> efficiency;
  for (int r = 0; r < repeat; ++r) {
    dispatch.push_back(seconds([&] {
                         if (cluster.map(echo_kib, messages) != messages) {
                           std::fputs("cluster bench: wrong echo\n", stderr);
                           std::exit(1);
                         }
                       }) /
                       static_cast<double>(messages.size()));
    efficiency.push_back(ideal_seconds / seconds([&] {
                           if (cluster.map(spin, uneven) != uneven) {
                             std::fputs("cluster bench: wrong spin results\n", stderr);
                             std::exit(1);
                           }
                         }));
  }
  std::printf("ranks %d x %zu threads, %d repeats (medians)\n", cluster.ranks(), threads, repeat);
  std::printf("dispatch per 1 KiB item: %.1f us wall\n", yt_bench::median(dispatch) * 1e6);
  std::printf("64 uneven items (1-15 ms): efficiency %.3f (ideal %.3f s)\n",
              yt_bench::median(efficiency), ideal_seconds);
  return 0;
}
