// A job of uneven items with a journal, for job_test.sh: prints each result on stdout and, on
// stderr, how many results came from the journal, were sent again and how many ranks were lost.
// `--kill-from K` makes any rank but 0 kill itself (SIGKILL, no clean-up) when it is given an
// item K or later; `--stop-at K` makes rank 2 stop (SIGSTOP: it never answers again) when it is
// given item K or later; `--rank-timeout S` sets the cluster's rank timeout in seconds.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <yieldtasks/mpi.hpp>

namespace {

int g_kill_from = -1;
int g_stop_at = -1;

long slow_cube(int x) {
  if (g_kill_from >= 0 && x >= g_kill_from && yt::mpi_cluster::current_rank() != 0) {
    std::raise(SIGKILL);
  }
  if (g_stop_at >= 0 && x >= g_stop_at && yt::mpi_cluster::current_rank() == 2) {
    std::raise(SIGSTOP);
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
    } else if (flag == "--stop-at") {
      g_stop_at = std::atoi(argv[i + 1]);
    } else if (flag == "--rank-timeout") {
      options.rank_timeout = std::chrono::seconds(std::atoi(argv[i + 1]));
    } else if (flag == "--items") {
      items = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "journal_job: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  std::optional<yt::mpi_cluster> started;
  try {
    started.emplace(argc, argv, options);
  } catch (const yt::cluster_error& error) {
    // Rank 0 has written the message; bad input (a journal or an option) exits 2, like qsearch.
    const bool bad_input = error.failure() == yt::cluster_failure::journal ||
                           error.failure() == yt::cluster_failure::options;
    return bad_input ? 2 : 1;
  }
  yt::mpi_cluster& cluster = *started;
  std::vector<int> xs(static_cast<std::size_t>(items));
  for (int i = 0; i < items; ++i) {
    xs[static_cast<std::size_t>(i)] = i;
  }
  for (const long cube : cluster.map(slow_cube, xs)) {
    std::printf("%ld\n", cube);
  }
  const yt::cluster_stats stats = cluster.stats();
  std::fprintf(stderr, "journaled %zu\nresent %zu\nlost ranks %zu\njournal dropped %zu\n",
               stats.journaled, stats.resent, stats.lost_ranks, stats.journal_dropped);
  return 0;
}
