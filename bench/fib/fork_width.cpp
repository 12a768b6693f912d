// A small fixed-size taskmap against a when_all of the same width: a complete tree of width 2, 4
// and 8, each node forking its children with a `taskmap` over a std::array of N or a `when_all`
// of N tasks. Alternates the two and prints the median run of each, in wall ns per spawn, and
// their ratio (docs/benchmarks.md). bench_fib's fib measures width 2 on an unbalanced tree.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <tuple>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <support/median.hpp>

#include <yieldtasks/sync_wait.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>
#include <yieldtasks/when_all.hpp>

namespace {

// The leaves below a node of `depth`, forked with a taskmap.
template <std::size_t Width> yt::task<long> leaves_by_taskmap(int depth) {
  if (depth == 0) {
    co_return 1;
  }
  std::array<int, Width> children{};
  children.fill(depth - 1);
  const std::array<long, Width> counts = co_await yt::taskmap(leaves_by_taskmap<Width>, children);
  long total = 0;
  for (const long count : counts) {
    total += count;
  }
  co_return total;
}

template <std::size_t Width> yt::task<long> leaves_by_when_all(int depth);

// A when_all of Width children, as a user writes one: the tasks created in the call.
template <std::size_t Width, std::size_t... Child>
auto fork_children(int depth, std::index_sequence<Child...> /*children*/) {
  return yt::when_all((static_cast<void>(Child), leaves_by_when_all<Width>(depth - 1))...);
}

template <std::size_t Width> yt::task<long> leaves_by_when_all(int depth) {
  if (depth == 0) {
    co_return 1;
  }
  const auto counts = co_await fork_children<Width>(depth, std::make_index_sequence<Width>{});
  co_return std::apply([](auto... count) { return (count + ...); }, counts);
}

struct tree {
  int depth;
  long leaves;
  long spawns; // every node but the root
};

tree tree_of(std::size_t width, int depth) {
  long nodes = 0;
  long level = 1;
  for (int d = 0; d <= depth; ++d) {
    nodes += level;
    level *= static_cast<long>(width);
  }
  return {depth, level / static_cast<long>(width), nodes - 1};
}

// Runs both forms `runs` times, alternating; false if a count is wrong.
template <std::size_t Width> bool compare(yt::thread_pool& pool, const tree& shape, int runs) {
  std::vector<double> by_taskmap;
  std::vector<double> by_when_all;
  for (int run = 0; run < runs; ++run) {
    for (const bool taskmap : {run % 2 == 0, run % 2 != 0}) {
      const auto start = std::chrono::steady_clock::now();
      const long leaves = taskmap ? yt::sync_wait(pool, leaves_by_taskmap<Width>(shape.depth))
                                  : yt::sync_wait(pool, leaves_by_when_all<Width>(shape.depth));
      const std::chrono::duration<double, std::nano> took =
          std::chrono::steady_clock::now() - start;
      if (leaves != shape.leaves) {
        std::fprintf(stderr, "bench_fork_width: width %zu, depth %d: %ld leaves, not %ld\n", Width,
                     shape.depth, leaves, shape.leaves);
        return false;
      }
      (taskmap ? by_taskmap : by_when_all)
          .push_back(took.count() / static_cast<double>(shape.spawns));
    }
  }
  const double map_ns = yt_bench::median(by_taskmap);
  const double join_ns = yt_bench::median(by_when_all);
  std::printf("width %zu, depth %2d, %8ld spawns: taskmap %6.2f wall ns/spawn, when_all %6.2f, "
              "taskmap / when_all %.3f\n",
              Width, shape.depth, shape.spawns, map_ns, join_ns, map_ns / join_ns);
  return true;
}

// The depth of the tree of `width` with about `leaves` leaves (at least 1 level).
int depth_for(std::size_t width, long leaves) {
  int depth = 1;
  for (long count = static_cast<long>(width); count * static_cast<long>(width) <= leaves;
       count *= static_cast<long>(width)) {
    ++depth;
  }
  return depth;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"small fixed-size taskmaps against when_alls of the same width, ns per spawn"};
  std::size_t threads = 1;
  int runs = 15;
  long leaves = 1L << 20;
  app.add_option("--threads", threads, "pool workers")->check(CLI::Range(1, 1024));
  app.add_option("--runs", runs, "runs of each form, medians reported")->check(CLI::Range(1, 1000));
  app.add_option("--leaves", leaves, "leaves of each tree, about (a power of the width below it)")
      ->check(CLI::Range(8L, 1L << 26));
  CLI11_PARSE(app, argc, argv);

  yt::thread_pool pool(threads);
  std::printf("%zu worker(s), medians of %d alternating runs\n", threads, runs);
  const bool counted = compare<2>(pool, tree_of(2, depth_for(2, leaves)), runs) &&
                       compare<4>(pool, tree_of(4, depth_for(4, leaves)), runs) &&
                       compare<8>(pool, tree_of(8, depth_for(8, leaves)), runs);
  return counted ? 0 : 1;
}
