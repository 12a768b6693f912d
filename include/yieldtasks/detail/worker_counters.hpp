#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <type_traits>

#include <yieldtasks/pool_stats.hpp>

namespace yt::detail {

// The counters behind thread_pool::stats(), one set per worker, on a cache line of their own.
//
// Protocol. Only the thread running as the worker writes them (its own thread, or a blocking
// caller in its place; the sleeper list's mutex orders each hand-over), so an increment is a
// relaxed load and a relaxed store, not a read-modify-write: no lock prefix, and no line shared
// with another writer. stats() reads them with relaxed loads from any thread, so a snapshot taken
// while the pool runs is approximate (each counter is exact at some recent moment, not all at the
// same one). Busy and idle time are summed at the transitions between running jobs and looking
// for work, never per job: `m_since` is when the current stretch began, `m_busy` whether it is a
// busy one.
class alignas(64) worker_counters {
public:
  using clock = std::chrono::steady_clock;

  worker_counters() noexcept : m_since(now_ns()) {}

  void add_items(std::uint64_t n) noexcept { add(m_items, n); }
  void add_resumed() noexcept { add(m_resumed, 1); }
  void add_steal_sweep(bool stole, std::uint64_t failed) noexcept {
    add(m_failed_steals, failed);
    if (stole) {
      add(m_steals, 1);
    }
  }
  void add_sleep() noexcept { add(m_sleeps, 1); }
  void add_wake() noexcept { add(m_wakes, 1); }

  // Called before each job; reads the clock only when the worker was idle.
  void set_busy() noexcept {
    if (!m_busy.load(std::memory_order_relaxed)) {
      switch_to(true);
    }
  }

  // Called when the worker finds its deque empty; reads the clock only when it was busy.
  void set_idle() noexcept {
    if (m_busy.load(std::memory_order_relaxed)) {
      switch_to(false);
    }
  }

  // Any thread: whether the worker is running a job (as of a recent moment), for a dump.
  [[nodiscard]] bool busy() const noexcept { return m_busy.load(std::memory_order_relaxed); }

  // Any thread; includes the stretch in progress.
  [[nodiscard]] worker_stats snapshot() const noexcept {
    worker_stats s;
    s.items_run = m_items.load(std::memory_order_relaxed);
    s.tasks_resumed = m_resumed.load(std::memory_order_relaxed);
    s.steals = m_steals.load(std::memory_order_relaxed);
    s.failed_steals = m_failed_steals.load(std::memory_order_relaxed);
    s.sleeps = m_sleeps.load(std::memory_order_relaxed);
    s.wakes = m_wakes.load(std::memory_order_relaxed);
    const bool busy = m_busy.load(std::memory_order_relaxed);
    const std::int64_t since = m_since.load(std::memory_order_relaxed);
    const std::int64_t now = now_ns();
    const std::int64_t open = now > since ? now - since : 0;
    s.busy =
        std::chrono::nanoseconds(m_busy_ns.load(std::memory_order_relaxed) + (busy ? open : 0));
    s.idle =
        std::chrono::nanoseconds(m_idle_ns.load(std::memory_order_relaxed) + (busy ? 0 : open));
    return s;
  }

private:
  template <class T> static void add(std::atomic<T>& counter, std::type_identity_t<T> n) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  [[gnu::noinline]] void switch_to(bool busy) noexcept {
    const std::int64_t now = now_ns();
    const std::int64_t took = now - m_since.load(std::memory_order_relaxed);
    add(busy ? m_idle_ns : m_busy_ns, took);
    m_since.store(now, std::memory_order_relaxed);
    m_busy.store(busy, std::memory_order_relaxed);
  }

  static std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
        .count();
  }

  std::atomic<std::uint64_t> m_items{0};
  std::atomic<std::uint64_t> m_resumed{0};
  std::atomic<std::uint64_t> m_steals{0};
  std::atomic<std::uint64_t> m_failed_steals{0};
  std::atomic<std::uint64_t> m_sleeps{0};
  std::atomic<std::uint64_t> m_wakes{0};
  std::atomic<std::int64_t> m_busy_ns{0};
  std::atomic<std::int64_t> m_idle_ns{0};
  std::atomic<std::int64_t> m_since;
  std::atomic<bool> m_busy{false};
};

} // namespace yt::detail
