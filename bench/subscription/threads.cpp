// undersubscribe and oversubscribe, with plain std::threads.
#include <atomic>
#include <thread>
#include <vector>

#include "strategy.hpp"

namespace subscription {
namespace {

// Runs body(0..n−1) on `threads` fresh threads that take indices in turn, and joins them.
template <class Body> void on_fresh_threads(std::size_t n, int threads, Body&& body) {
  std::atomic<std::size_t> next{0};
  std::vector<std::jthread> workers;
  const std::size_t count = std::min(n, static_cast<std::size_t>(threads));
  for (std::size_t t = 0; t < count; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++) {
        body(i);
      }
    });
  }
}

// Every map call starts its own hardware-thread-count threads: the seed's oversubscription.
struct fresh_threads_for_each {
  int threads;
  template <class Body> void operator()(std::size_t n, Body&& body) const {
    on_fresh_threads(n, threads, body);
  }
};

} // namespace

std::vector<outcome> run_undersubscribe(const std::vector<job>& jobs, int threads) {
  std::vector<outcome> results(jobs.size());
  on_fresh_threads(jobs.size(), threads, [&](std::size_t i) {
    results[i] = run_blocking(blocking_mapper<serial_for_each>{}, jobs[i]);
  });
  return results;
}

std::vector<outcome> run_oversubscribe(const std::vector<job>& jobs, int threads) {
  std::vector<outcome> results(jobs.size());
  const blocking_mapper<fresh_threads_for_each> mapper{{threads}};
  on_fresh_threads(jobs.size(), threads,
                   [&](std::size_t i) { results[i] = run_blocking(mapper, jobs[i]); });
  return results;
}

} // namespace subscription
