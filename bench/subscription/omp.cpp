// openmp: every level nested OpenMP tasks (taskloop, which waits in a taskgroup and runs other
// tasks meanwhile) in one team of `threads` threads.
#include <omp.h>

#include "strategy.hpp"

namespace subscription {
namespace {

struct omp_for_each {
  template <class Body> void operator()(std::size_t n, Body&& body) const {
#pragma omp taskloop grainsize(1) shared(body)
    for (std::size_t i = 0; i < n; ++i) {
      body(i);
    }
  }
};

} // namespace

std::vector<outcome> run_openmp(const std::vector<job>& jobs, int threads) {
  std::vector<outcome> results(jobs.size());
#pragma omp parallel num_threads(threads) shared(results, jobs)
#pragma omp single
  omp_for_each{}(jobs.size(), [&](std::size_t i) {
    results[i] = run_blocking(blocking_mapper<omp_for_each>{}, jobs[i]);
  });
  return results;
}

} // namespace subscription
