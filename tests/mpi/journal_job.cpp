// A job of uneven items with a journal, for job_test.sh: prints each result on stdout and how
// many results came from the journal on stderr. `--kill-from K` makes any rank but 0 kill
// itself (SIGKILL, no clean-up) when it is given an item K or later.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <yieldtasks/mpi.hpp>

namespace {

int g_kill_from = -1;

long slow_cube(int x) {
  if (g_kill_from >= 0 && x >= g_kill_from && yt::mpi_cluster::current_rank() != 0) {
    std::raise(SIGKILL);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(10 + x % 7 * 5));
  return static_cast<long>(x) * x * x;
}

} // namespace

YT_REMOTE(slow_cube);

int main(int argc, char** argv) {
  yt::cluster_options options{.threads = 2};
  int items = 60;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--journal") {
      options.journal = argv[i + 1];
    } else if (flag == "--kill-from") {
      g_kill_from = std::atoi(argv[i + 1]);
    } else if (flag == "--items") {
      items = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "journal_job: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  yt::mpi_cluster cluster(argc, argv, options);
  std::vector<int> xs(static_cast<std::size_t>(items));
  for (int i = 0; i < items; ++i) {
    xs[static_cast<std::size_t>(i)] = i;
  }
  for (const long cube : cluster.map(slow_cube, xs)) {
    std::printf("%ld\n", cube);
  }
  std::fprintf(stderr, "journaled %zu\n", cluster.stats().journaled);
  return 0;
}
