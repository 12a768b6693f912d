#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace yt {

/// What one worker of a `yt::thread_pool` has done since the pool started; see
/// `thread_pool::stats()`.
///
/// A blocking caller of `map` or `sync_wait` runs in a sleeping worker's place (see
/// `yt::thread_pool`), and what it does meanwhile is counted as that worker's: its items, steals
/// and busy time, but no sleep or wake.
struct worker_stats {
  std::uint64_t items_run = 0;      ///< taskmap items run: plain calls, and coroutine items started
  std::uint64_t tasks_resumed = 0;  ///< tasks started or resumed from the worker's loop (a queued
                                    ///< resumption, not a direct transfer between coroutines)
  std::uint64_t steals = 0;         ///< jobs taken from another worker's deque
  std::uint64_t failed_steals = 0;  ///< deques found empty (or lost to another thief) when stealing
  std::uint64_t sleeps = 0;         ///< times its thread went to sleep for lack of work
  std::uint64_t wakes = 0;          ///< times its thread was woken (the first time included)
  std::chrono::nanoseconds busy{0}; ///< time spent running jobs
  std::chrono::nanoseconds idle{0}; ///< time spent looking for work or asleep

  /// Adds `other`'s counts and times to these.
  worker_stats& operator+=(const worker_stats& other) noexcept {
    items_run += other.items_run;
    tasks_resumed += other.tasks_resumed;
    steals += other.steals;
    failed_steals += other.failed_steals;
    sleeps += other.sleeps;
    wakes += other.wakes;
    busy += other.busy;
    idle += other.idle;
    return *this;
  }
};

/// A snapshot of a `yt::thread_pool`'s counters, one `worker_stats` per worker (in worker order),
/// cumulative since the pool started; `thread_pool::stats()` returns it. To measure a stretch of a
/// program, take one snapshot before and one after and compare.
struct pool_stats {
  std::vector<worker_stats> workers; ///< one per worker, in worker order

  /// The sum over every worker.
  [[nodiscard]] worker_stats total() const noexcept {
    worker_stats sum;
    for (const worker_stats& one : workers) {
      sum += one;
    }
    return sum;
  }
};

} // namespace yt
