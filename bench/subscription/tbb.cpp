// tbb: every level a nested tbb::parallel_for in one arena of `threads` threads.
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "strategy.hpp"

namespace subscription {
namespace {

struct tbb_for_each {
  template <class Body> void operator()(std::size_t n, Body&& body) const {
    tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) { body(i); });
  }
};

} // namespace

std::vector<outcome> run_tbb(const std::vector<job>& jobs, int threads) {
  std::vector<outcome> results(jobs.size());
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb_for_each{}(jobs.size(), [&](std::size_t i) {
      results[i] = run_blocking(blocking_mapper<tbb_for_each>{}, jobs[i]);
    });
  });
  return results;
}

} // namespace subscription
