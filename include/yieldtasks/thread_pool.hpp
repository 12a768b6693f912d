#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <ranges>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <yieldtasks/available_concurrency.hpp>
#include <yieldtasks/config.hpp>
#include <yieldtasks/detail/cpu_relax.hpp>
#include <yieldtasks/detail/event_count.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/root_task.hpp>
#include <yieldtasks/detail/worker.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt {

namespace detail {
struct pool_access;
} // namespace detail

/// A fixed set of worker threads that run tasks and `taskmap` items by work stealing.
///
/// Each worker owns a Chase-Lev deque: it pushes and pops at one end (newest first, depth-first),
/// idle workers steal the oldest work at the other, trying every other worker in turn from a
/// random start. Work submitted by the
/// blocking entries goes through a shared injection queue. A worker that finds nothing spins
/// briefly, then sleeps on an event count, so an idle pool uses no CPU. Awaiting a map suspends
/// the task instead of blocking its thread: nested maps at any depth share these workers, and the
/// process never runs more than `size()` worker threads plus the callers blocked in `map` or
/// `sync_wait`.
///
/// **Exceptions.** `map` and `sync_wait` rethrow what the work threw (for a map, the first item
/// exception; see `yt::taskmap`). The pool stays usable afterwards.
///
/// **Thread safety.** `map` and `sync_wait` may be called concurrently from several non-worker
/// threads. Called from one of the pool's own workers (or any pool's), they throw
/// `yt::usage_error` instead of blocking the worker: await the work with `co_await` there.
///
/// **Lifetime.** The destructor waits for the workers to exit; it must not run while a `map` or
/// `sync_wait` on the pool is still blocked.
///
/// **Example.**
/// ```cpp
/// yt::thread_pool pool;                                     // available_concurrency() workers
/// std::vector<int> squares = pool.map([](int x) { return x * x; }, std::views::iota(0, 100));
/// ```
class thread_pool {
public:
  /// Starts `yt::available_concurrency()` workers.
  thread_pool() : thread_pool(available_concurrency()) {}

  /// Starts `threads` workers. **Exceptions.** `std::invalid_argument` if `threads` is 0;
  /// `std::system_error` if a thread cannot be started (those already started are stopped).
  explicit thread_pool(std::size_t threads) {
    if (threads == 0) {
      throw std::invalid_argument("yt::thread_pool: the pool needs at least one thread");
    }
    m_workers.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) {
      m_workers.push_back(std::make_unique<detail::worker>(
          &m_idle, this, 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(i) + 1)));
    }
    m_threads.reserve(threads);
    try {
      for (std::size_t i = 0; i < threads; ++i) {
        m_threads.emplace_back([this, i] { work(*m_workers[i]); });
      }
    } catch (...) {
      stop();
      throw;
    }
  }

  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  thread_pool(thread_pool&&) = delete;
  thread_pool& operator=(thread_pool&&) = delete;

  /// Stops and joins the workers.
  ~thread_pool() { stop(); }

  /// The number of worker threads.
  [[nodiscard]] std::size_t size() const noexcept { return m_workers.size(); }

  /// Runs `work` on the pool and blocks the calling thread until it finishes; returns its result
  /// or rethrows its exception. **Exceptions.** `yt::usage_error` if called from a worker thread.
  template <class T> T sync_wait(task<T> work) {
    refuse_on_worker("sync_wait");
    detail::result_box<T> box;
    detail::blocking_signal finished;
    detail::resume_job start;
    start.handle = detail::make_root(std::move(work), box, finished).release();
    inject(start);
    finished.wait();
    return box.take();
  }

  /// Applies `fn` to every element of `range` on the pool, blocking the calling thread; the
  /// blocking counterpart of `co_await yt::taskmap(fn, range)`, with the same results, order and
  /// exception rules. **Exceptions.** `yt::usage_error` if called from a worker thread.
  template <class F, std::ranges::input_range Range>
  taskmap_result_t<F, Range> map(F&& fn, Range&& range) {
    refuse_on_worker("map");
    return sync_wait(detail::map_root(std::forward<F>(fn), std::forward<Range>(range)));
  }

private:
  friend detail::pool_access;

  void refuse_on_worker(const char* entry) const {
    if (detail::worker::current_thread_pool() != nullptr) {
      throw usage_error(std::string("yt::thread_pool::") + entry +
                        ": called from a worker thread, where blocking would starve the pool; "
                        "co_await the task or the yt::taskmap instead");
    }
  }

  void inject(detail::job& work) {
    {
      const std::lock_guard lock(m_injected_mutex);
      m_injected.push_back(&work);
      // seq_cst: the publish half of the event-count protocol (see event_count.hpp).
      m_has_injected.store(true, std::memory_order_seq_cst);
    }
    m_idle.notify_one();
  }

  detail::job* take_injected() {
    if (!m_has_injected.load(std::memory_order_seq_cst)) {
      return nullptr;
    }
    const std::lock_guard lock(m_injected_mutex);
    if (m_injected.empty()) {
      return nullptr;
    }
    detail::job* work = m_injected.front();
    m_injected.pop_front();
    m_has_injected.store(!m_injected.empty(), std::memory_order_seq_cst);
    return work;
  }

  // One sweep: the injection queue, then every other worker once, from a random start.
  detail::job* find_work(detail::worker& self) {
    if (detail::job* work = take_injected()) {
      return work;
    }
    const std::size_t count = m_workers.size();
    const std::size_t start = static_cast<std::size_t>(self.next_random() % count);
    for (std::size_t i = 0; i < count; ++i) {
      detail::worker& victim = *m_workers[(start + i) % count];
      if (&victim == &self) {
        continue;
      }
      if (detail::job* work = victim.steal()) {
        return work;
      }
    }
    return nullptr;
  }

  // Finds work without sleeping: spins for YT_SPIN_SWEEPS sweeps before giving up.
  detail::job* search(detail::worker& self) {
    for (unsigned sweep = 0; sweep < YT_SPIN_SWEEPS; ++sweep) {
      if (detail::job* work = find_work(self)) {
        // Work is flowing: make sure another idle worker looks too, so parallelism ramps up
        // one steal at a time instead of waiting for the victim's next push.
        m_idle.notify_one();
        return work;
      }
      detail::cpu_relax();
    }
    return nullptr;
  }

  void work(detail::worker& self) {
    const detail::worker::scope installed(self);
    while (true) {
      detail::job* next = self.pop();
      if (next == nullptr) {
        next = search(self);
      }
      if (next == nullptr) {
        const std::uint32_t key = m_idle.prepare_wait();
        next = find_work(self);
        if (next != nullptr) {
          m_idle.cancel_wait();
        } else if (m_stopping.load(std::memory_order_seq_cst)) {
          m_idle.cancel_wait();
          return;
        } else {
          m_idle.wait(key);
          continue;
        }
      }
      self.run(*next);
    }
  }

  void stop() noexcept {
    m_stopping.store(true, std::memory_order_seq_cst);
    m_idle.notify_all();
    for (std::thread& thread : m_threads) {
      thread.join();
    }
  }

  std::vector<std::unique_ptr<detail::worker>> m_workers;
  std::vector<std::thread> m_threads;
  detail::event_count m_idle;
  std::mutex m_injected_mutex;
  std::deque<detail::job*> m_injected;
  std::atomic<bool> m_has_injected{false};
  std::atomic<bool> m_stopping{false};
};

namespace detail {

// Lets a backend built on a pool (the MPI cluster) start work on it from any thread.
struct pool_access {
  static void inject(thread_pool& pool, job& work) { pool.inject(work); }
};

} // namespace detail

} // namespace yt
