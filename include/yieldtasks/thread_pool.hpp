#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <ranges>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <yieldtasks/as_completed.hpp>
#include <yieldtasks/available_concurrency.hpp>
#include <yieldtasks/config.hpp>
#include <yieldtasks/detail/caller_gate.hpp>
#include <yieldtasks/detail/cpu_relax.hpp>
#include <yieldtasks/detail/executor/root_task.hpp>
#include <yieldtasks/detail/idle_backoff.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/pool_dump.hpp>
#include <yieldtasks/detail/sleeper_list.hpp>
#include <yieldtasks/detail/worker.hpp>
#include <yieldtasks/pool_stats.hpp>
#include <yieldtasks/reduce.hpp>
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
/// random start. A worker that finds nothing spins briefly, then sleeps, so an idle pool uses no
/// CPU. Awaiting a map suspends the task instead of blocking its thread: nested maps at any depth
/// share these workers, and the process never runs more than `size()` worker threads plus the
/// callers blocked in `map` or `sync_wait`.
///
/// **Blocking callers work.** A thread blocked in `map` or `sync_wait` takes the place of a
/// sleeping worker (asking a spinning one to go to sleep if none is): it runs its work, and
/// whatever else the pool has, as that worker while the worker's thread sleeps on, so no more than
/// `size()` threads run work at any time and the caller resumes the moment its work is done. It
/// stops working and sleeps once it finds nothing to do for a while. While working it may run
/// other callers' work too, so with several concurrent callers one may return later than its own
/// work finished (by the rest of the item it is running). When no worker can be taken (all are
/// busy), the work goes through a shared injection queue and the caller sleeps until it is done.
///
/// **Exceptions.** `map` and `sync_wait` rethrow what the work threw (for a map, the first item
/// exception; see `yt::taskmap`). The pool stays usable afterwards.
///
/// **Thread safety.** `map` and `sync_wait` may be called concurrently from several non-worker
/// threads. Called from one of the pool's own workers (or any pool's), they throw
/// `yt::usage_error` instead of blocking the worker: await the work with `co_await` there.
///
/// **Lifetime.** The destructor first waits until every `map` and `sync_wait` already blocked in
/// the pool has returned, then stops the workers and joins them; a call that begins once the
/// destructor has, throws `yt::usage_error`. That check is best effort: calling into a pool while
/// it is destroyed remains a bug, as the pool may be gone before the call reads it. Destroying the
/// pool from a task running on it (on a worker, or on a thread blocked in its `map` or
/// `sync_wait`) could never finish, as the destructor would wait for itself: it prints a line to
/// stderr and calls `std::terminate()`.
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

  /// Starts `threads` workers and returns once all of them wait for work. **Exceptions.**
  /// `std::invalid_argument` if `threads` is 0; `std::system_error` if a thread cannot be started
  /// (those already started are stopped). **Complexity.** Starting and stopping the pool take time
  /// linear in `threads`.
  explicit thread_pool(std::size_t threads) : m_sleepers(checked_size(threads)) {
    m_workers.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) {
      m_workers.push_back(std::make_unique<detail::worker>(
          &m_sleepers, this, m_from_outside,
          0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(i) + 1)));
    }
    m_threads.reserve(threads);
    try {
      for (std::size_t i = 0; i < threads; ++i) {
        m_threads.emplace_back([this, i] { work(i); });
      }
    } catch (...) {
      stop();
      throw;
    }
    // Every worker's first sleep skips the re-check for work, which is sound only while no work
    // can be published, so the pool is not handed out before all are listed (sleeper_list.hpp).
    // acquire: synchronizes with the release increments of the workers' first sleeps.
    std::size_t listed = m_listed_at_start.load(std::memory_order_acquire);
    while (listed != threads) {
      m_listed_at_start.wait(listed, std::memory_order_acquire);
      listed = m_listed_at_start.load(std::memory_order_acquire);
    }
  }

  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  thread_pool(thread_pool&&) = delete;
  thread_pool& operator=(thread_pool&&) = delete;

  /// Waits until the calls blocked in `map` and `sync_wait` have returned, then stops and joins
  /// the workers; see **Lifetime.** above. Called from a task running on the pool, it calls
  /// `std::terminate()`.
  ~thread_pool() {
    if (detail::worker::current_thread_pool() == this) {
      std::fputs("yt::thread_pool: destroyed from a task running on it; it would wait for itself "
                 "for ever\n",
                 stderr);
      std::terminate();
    }
    m_callers.close();
    stop();
    m_from_outside.wait_for_injections();
  }

  /// The number of worker threads.
  [[nodiscard]] std::size_t size() const noexcept { return m_workers.size(); }

  /// Runs `work` on the pool and blocks the calling thread until it finishes; returns its result
  /// or rethrows its exception. **Exceptions.** `yt::usage_error` if called from a worker thread,
  /// or once the pool's destructor has begun.
  template <class T> T sync_wait(task<T> work) {
    refuse_on_worker("sync_wait");
    const admission admitted(*this);
    detail::result_box<T> box;
    detail::blocking_signal finished;
    detail::resume_job start(detail::make_root(std::move(work), box, finished).release());
    if (const std::optional<std::size_t> index = borrow_worker()) {
      work_while_waiting(*index, start, finished);
    } else {
      inject(start);
    }
    finished.wait();
    return box.take();
  }

  /// Applies `fn` to every element of `range` on the pool, blocking the calling thread; the
  /// blocking counterpart of `co_await yt::taskmap(fn, range)`, with the same results, order and
  /// exception rules. **Exceptions.** `yt::usage_error` if called from a worker thread, or once the
  /// pool's destructor has begun.
  template <class F, std::ranges::input_range Range>
  taskmap_result_t<F, Range> map(F&& fn, Range&& range) {
    refuse_on_worker("map");
    return sync_wait(detail::map_root(std::forward<F>(fn), std::forward<Range>(range)));
  }

  /// Maps `fn` over `range` on the pool and returns a `yt::blocking_completion_stream`, whose
  /// blocking `next()` hands out the results in completion order; the blocking counterpart of
  /// `yt::as_completed(fn, range, window)`, with the same items, bound, stops and exception rules.
  /// The items start at the first `next()` and run on the workers while the caller sleeps. At most
  /// `window` items (default: twice `size()`) are started and not yet taken by `next()`.
  /// **Exceptions.** `yt::usage_error` if `window` is 0, if called from a worker thread, or once
  /// the pool's destructor has begun. **Lifetime.** The stream keeps the pool's destructor
  /// waiting until it is destroyed; a range passed as an lvalue must outlive it.
  template <class F, std::ranges::input_range Range> auto as_completed(F&& fn, Range&& range) {
    return as_completed(std::forward<F>(fn), std::forward<Range>(range), 2 * size());
  }

  /// `as_completed(fn, range)` with an explicit window.
  template <class F, std::ranges::input_range Range>
  auto as_completed(F&& fn, Range&& range, std::size_t window) {
    refuse_on_worker("as_completed");
    if (!m_callers.enter()) {
      throw usage_error("yt::thread_pool::as_completed: called while the pool is being destroyed");
    }
    using item_type = detail::stream_item_t<F, Range>;
    try {
      return detail::stream_access::make<blocking_completion_stream<item_type>>(detail::make_stream(
          std::forward<F>(fn), std::forward<Range>(range), window, &m_from_outside, &m_callers));
    } catch (...) {
      m_callers.leave();
      throw;
    }
  }

  /// Reduces `range` on the pool, blocking the calling thread; the blocking counterpart of
  /// `co_await yt::reduce(range, init, op)`, with the same result (bit-identical on any executor)
  /// and exception rules. **Exceptions.** `yt::usage_error` if called from a worker thread, or
  /// once the pool's destructor has begun.
  template <std::ranges::input_range Range, class T, class Op>
  T reduce(Range&& range, T init, Op&& op) {
    return transform_reduce(std::forward<Range>(range), std::move(init), std::forward<Op>(op),
                            std::identity{});
  }

  /// The blocking counterpart of `co_await yt::transform_reduce(range, init, reduce_op,
  /// transform)`, as `reduce`.
  template <std::ranges::input_range Range, class T, class Op, class Transform>
  T transform_reduce(Range&& range, T init, Op&& reduce_op, Transform&& transform) {
    refuse_on_worker("transform_reduce");
    return sync_wait(detail::reduce_root(std::forward<Range>(range), std::move(init),
                                         std::forward<Op>(reduce_op),
                                         std::forward<Transform>(transform)));
  }

  /// A snapshot of what each worker has done since the pool started: items run, tasks resumed,
  /// steals and failed steal attempts, sleeps and wakes, busy and idle time (see
  /// `yt::worker_stats`). Counting is always on and costs no shared writes: each worker keeps its
  /// own counters.
  ///
  /// **Exceptions.** Only `std::bad_alloc`.
  ///
  /// **Lifetime.** The snapshot is a plain value, independent of the pool; the counts are never
  /// reset while the pool lives.
  ///
  /// **Thread safety.** May be called from any thread, a worker's included, while the pool runs.
  /// The snapshot is then approximate: each counter is read at a slightly different moment, and
  /// the counts of a job still running may not be in it yet. Once the pool is quiet (no call
  /// blocked in it, no task running), it is exact.
  ///
  /// **Example.**
  /// ```cpp
  /// const yt::pool_stats before = pool.stats();
  /// pool.map([](int x) { return x * x; }, std::views::iota(0, 1000));
  /// const std::uint64_t items = pool.stats().total().items_run - before.total().items_run; // 1000
  /// ```
  [[nodiscard]] pool_stats stats() const {
    pool_stats snapshot;
    snapshot.workers.reserve(m_workers.size());
    for (const std::unique_ptr<detail::worker>& one : m_workers) {
      snapshot.workers.push_back(one->counters().snapshot());
    }
    return snapshot;
  }

  /// Writes what the pool is doing to `out`, as text for a person: the tool for a program that
  /// hangs. Per worker: whether it runs a job, looks for work or sleeps, the jobs queued in its
  /// deque, and the `taskmap` item it runs, with that map's name (see `named()` on a taskmap),
  /// depth and progress, followed by the chain of maps whose suspended items await it, up to the
  /// top; then the jobs injected from outside the pool that wait for a worker, and the threads
  /// blocked in `map` or `sync_wait`. For example:
  /// ```text
  /// yt::thread_pool: 2 workers, 0 injected jobs waiting, 1 caller blocked in map or sync_wait
  /// worker 0: running item 5 of map "evaluate" (depth 1; 6 of 8 items done)
  ///   in item 1 of map "synthesize" (depth 0; 0 of 4 items done)
  /// worker 1: asleep
  /// ```
  /// The format is informative and may change between versions; do not parse it. An item index
  /// is that of the item running, or for plain items of the batch running, which a long item runs
  /// alone. Progress counts the items accounted for so far, which lags the items finished by at
  /// most the batches workers are running. Only what runs is listed, with the maps above it: a
  /// task running inside a `when_all` or a `when_any` shows as the map item it belongs to, and a
  /// task suspended on something other than a map (a timer, another library's future), or a map
  /// none of whose items runs, is not listed. Following maps needs Linux's `membarrier`; without
  /// it each running item is shown without its maps.
  ///
  /// **Exceptions.** Only what `out` throws, and `std::bad_alloc`.
  ///
  /// **Lifetime.** The names given to `named()` must outlive the pool (string literals do): a
  /// dump may read them at any time. Nothing is kept once `dump` returns.
  ///
  /// **Thread safety.** May be called from any thread (a worker's included) at any time while the
  /// pool lives, concurrently with any work, and with other dumps of this pool or others (they
  /// take turns). The text is a snapshot, not a consistent cut: each worker is read at a slightly
  /// different moment. It never reads freed memory: maps that end while a dump reads them wait,
  /// at their end, until it has copied what it needs (microseconds per worker; the text is
  /// written after that). Costs the work nothing when no dump runs but a few plain stores per
  /// item on the worker's own cache line and a load per map.
  ///
  /// **Example.**
  /// ```cpp
  /// pool.dump(std::cerr); // e.g. from a watchdog thread that finds no progress for a minute
  /// ```
  void dump(std::ostream& out) const {
    detail::pool_dump snapshot;
    snapshot.workers.resize(m_workers.size());
    for (detail::worker_dump& one : snapshot.workers) {
      one.maps.reserve(8); // allocated before the gate closes, so that map ends wait less
    }
    {
      const detail::dump_gate::closed gate;
      snapshot.followed = gate.following();
      for (std::size_t i = 0; i < m_workers.size(); ++i) {
        detail::describe_worker(*m_workers[i], m_sleepers.asleep(i), gate.following(),
                                snapshot.workers[i]);
      }
    }
    {
      const std::lock_guard lock(m_injected_mutex);
      snapshot.injected = m_injected.size();
    }
    snapshot.callers = m_callers.inside();
    detail::add_unaccounted(snapshot);
    detail::write_dump(out, snapshot);
  }

private:
  friend detail::pool_access;

  static constexpr std::size_t sweep_victims = 64;

  static std::size_t checked_size(std::size_t threads) {
    if (threads == 0) {
      throw std::invalid_argument("yt::thread_pool: the pool needs at least one thread");
    }
    return threads;
  }

  void refuse_on_worker(const char* entry) const {
    if (detail::worker::current_thread_pool() != nullptr) {
      throw usage_error(std::string("yt::thread_pool::") + entry +
                        ": called from a worker thread, where blocking would starve the pool; "
                        "co_await the task or the yt::taskmap instead");
    }
  }

  // A blocking caller's stay in the pool, which the destructor waits for; the caller's last access
  // to the pool is the destructor of this object.
  class admission {
  public:
    explicit admission(thread_pool& pool) : m_gate(pool.m_callers) {
      if (!m_gate.enter()) {
        throw usage_error("yt::thread_pool::sync_wait: called while the pool is being destroyed");
      }
    }
    admission(const admission&) = delete;
    admission& operator=(const admission&) = delete;
    ~admission() { m_gate.leave(); }

  private:
    detail::caller_gate& m_gate;
  };

  // The entry of jobs from threads outside the pool: tasks that foreign awaitables (a timer, an
  // I/O completion) resume there. The destructor waits for the injections in progress: an
  // injection's last access to the pool comes after its job is visible, and the job's task may
  // finish, and its caller destroy the pool, before the injecting call returns.
  class entry_from_outside final : public detail::injector {
  public:
    explicit entry_from_outside(thread_pool& pool) noexcept : m_pool(pool) {}

    void inject(detail::job& work) override {
      // relaxed: the job's publication under the pool's mutex orders this before the destructor.
      m_injecting.fetch_add(1, std::memory_order_relaxed);
      m_pool.inject(work);
      m_injecting.fetch_sub(1, std::memory_order_release);
    }

    detail::job* try_take() override { return m_pool.take_injected(); }

    void wait_for_injections() const noexcept {
      while (m_injecting.load(std::memory_order_acquire) != 0) {
        std::this_thread::yield();
      }
    }

  private:
    thread_pool& m_pool;
    std::atomic<std::size_t> m_injecting{0};
  };

  void inject(detail::job& work) {
    {
      const std::lock_guard lock(m_injected_mutex);
      m_injected.push_back(&work);
      // seq_cst: the publish half of the wake-up protocol (see sleeper_list.hpp).
      m_has_injected.store(true, std::memory_order_seq_cst);
    }
    m_sleepers.notify_one();
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

  // One sweep: the injection queue, then every other worker once, from a random start; in a pool
  // of more than sweep_victims workers, only the sweep_victims from that start. Unbounded, the
  // spin phases of N idle workers cost N² steal attempts (a thread_pool(4096) spent 12 CPU
  // seconds starting up); bounded, each is constant, and random starts still reach every
  // victim over a spin phase. Going to sleep still re-checks every deque (work_visible).
  detail::job* find_work(detail::worker& self) {
    if (detail::job* work = take_injected()) {
      return work;
    }
    const std::size_t count = m_workers.size();
    const std::size_t start = static_cast<std::size_t>(self.next_random() % count);
    const std::size_t tries = std::min(count, sweep_victims);
    std::uint64_t failed = 0; // counted once per sweep, not per attempt
    for (std::size_t i = 0; i < tries; ++i) {
      detail::worker& victim = *m_workers[(start + i) % count];
      if (&victim == &self) {
        continue;
      }
      if (detail::job* work = victim.steal()) {
        self.counters().add_steal_sweep(true, failed);
        return work;
      }
      ++failed;
    }
    self.counters().add_steal_sweep(false, failed);
    return nullptr;
  }

  // The re-check of a thread about to sleep: seq_cst loads of every place work can appear, taking
  // nothing (see sleeper_list.hpp).
  [[nodiscard]] bool work_visible(const detail::worker& self) const {
    if (m_has_injected.load(std::memory_order_seq_cst)) {
      return true;
    }
    for (const std::unique_ptr<detail::worker>& victim : m_workers) {
      if (victim.get() != &self && victim->may_steal()) {
        return true;
      }
    }
    return false;
  }

  // Finds work without sleeping: looks for as long as an idle_backoff allows before giving up,
  // or stops at once when a blocking caller asks for a sleeping worker to take the place of.
  detail::job* search(detail::worker& self) {
    detail::idle_backoff backoff;
    do {
      if (detail::job* work = find_work(self)) {
        // Work is flowing: make sure another idle worker looks too, so parallelism ramps up
        // one steal at a time instead of waiting for the victim's next push.
        m_sleepers.notify_one();
        return work;
      }
      if (claim_place_request()) {
        return nullptr;
      }
    } while (backoff.wait());
    return nullptr;
  }

  // Claims one request for a place (a worker answering it, or a caller withdrawing its own).
  bool claim_place_request() noexcept {
    std::size_t wanted = m_places_wanted.load(std::memory_order_relaxed);
    while (wanted != 0) {
      if (m_places_wanted.compare_exchange_weak(wanted, wanted - 1, std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  void work(std::size_t index) {
    detail::worker& self = *m_workers[index];
    const detail::worker::scope installed(self);
    // The first sleep, with no spin phase and no re-check for work: none can exist before the
    // constructor returns, which waits for this listing (see sleeper_list.hpp). Only the stop flag
    // is checked, for a constructor that failed part way and stops the workers it started.
    m_sleepers.prepare_wait(index);
    // release: synchronizes with the constructor's acquire loads.
    if (m_listed_at_start.fetch_add(1, std::memory_order_release) + 1 == m_workers.size()) {
      m_listed_at_start.notify_one();
    }
    if (m_stopping.load(std::memory_order_seq_cst) && m_sleepers.cancel_wait(index)) {
      return;
    }
    m_sleepers.wait(index);
    self.counters().add_wake();
    // Whether this worker counts itself among the searching ones (sleeper_list::begin_search);
    // whoever wakes it counts it.
    bool searching = true;
    while (true) {
      detail::job* next = self.pop();
      if (next == nullptr) {
        self.counters().set_idle();
        if (!searching) {
          m_sleepers.begin_search();
          searching = true;
        }
        // Stopping, no caller is left (the destructor waited for them) and no deque is borrowed,
        // so work in another deque belongs to a running worker, which runs it; a spin phase here
        // would make the N workers that notify_all wakes cost N² steal attempts. relaxed:
        // synchronizes with nothing; a stale false costs one spin phase, and the seq_cst load
        // below decides.
        next = m_stopping.load(std::memory_order_relaxed) ? take_injected() : search(self);
      }
      if (searching) {
        m_sleepers.end_search();
        searching = false;
      }
      if (next != nullptr) {
        self.counters().set_busy();
        self.run(*next);
        continue;
      }
      // From prepare_wait on, a blocking caller may borrow this worker's deque: hands off it
      // unless cancel_wait gives it back.
      m_sleepers.prepare_wait(index);
      const bool stopping = m_stopping.load(std::memory_order_seq_cst);
      if ((stopping || !m_sleepers.fence_before_recheck() || work_visible(self)) &&
          m_sleepers.cancel_wait(index)) {
        if (stopping) {
          return;
        }
        continue;
      }
      // Only this thread counts sleeps and wakes, so a borrower's counting cannot be lost here.
      self.counters().add_sleep();
      m_sleepers.wait(index);
      searching = true;
      self.counters().add_wake();
    }
  }

  // Takes a sleeping worker's place for a blocking caller: a listed one, or one that a spinning
  // worker frees by going to sleep at the caller's request. Nothing if every worker stays busy.
  std::optional<std::size_t> borrow_worker() {
    if (std::optional<std::size_t> index = m_sleepers.borrow()) {
      return index;
    }
    m_places_wanted.fetch_add(1, std::memory_order_relaxed);
    std::optional<std::size_t> index;
    for (unsigned spin = 0; spin < YT_SPIN_SWEEPS && !index; ++spin) {
      detail::cpu_relax();
      index = m_sleepers.borrow();
    }
    // Withdraw the request unless a worker has already answered it.
    claim_place_request();
    return index;
  }

  // The blocking caller's loop in the place of worker `index`: runs `start` and then whatever work
  // it finds, until `finished` is set or it finds nothing for as long as an idle_backoff allows.
  void work_while_waiting(std::size_t index, detail::job& start,
                          const detail::blocking_signal& finished) {
    detail::worker& self = *m_workers[index];
    {
      const detail::worker::scope installed(self);
      self.counters().set_busy();
      self.run(start);
      detail::idle_backoff backoff;
      while (!finished.is_set()) {
        detail::job* next = self.pop();
        if (next == nullptr) {
          next = find_work(self);
        }
        if (next != nullptr) {
          self.run(*next);
          backoff.reset();
        } else if (!backoff.wait()) {
          break;
        }
      }
      self.counters().set_idle();
    }
    if (!self.deque_empty()) {
      m_sleepers.wake(index); // work of others is left in the deque: its worker takes it over
      return;
    }
    // No heavy barrier here, unlike a worker going to sleep: it would cost every blocking call
    // some 20 µs on a VM whenever a worker runs (design.md, "Parking and waking"). So a push
    // racing with this hand-back may not wake the worker handed back; it is run by its pusher, or
    // by another worker awake or woken.
    m_sleepers.give_back(index);
    if (work_visible(self)) {
      m_sleepers.notify_one();
    }
  }

  void stop() noexcept {
    m_stopping.store(true, std::memory_order_seq_cst);
    m_sleepers.notify_all();
    for (std::thread& thread : m_threads) {
      thread.join();
    }
  }

  std::vector<std::unique_ptr<detail::worker>> m_workers;
  std::vector<std::thread> m_threads;
  detail::sleeper_list m_sleepers;
  std::atomic<std::size_t> m_places_wanted{0};
  mutable std::mutex m_injected_mutex;
  std::deque<detail::job*> m_injected;
  std::atomic<bool> m_has_injected{false};
  std::atomic<bool> m_stopping{false};
  std::atomic<std::size_t> m_listed_at_start{0};
  detail::caller_gate m_callers;
  entry_from_outside m_from_outside{*this};
};

namespace detail {

// Lets a backend built on a pool (the MPI cluster) start work on it from any thread.
struct pool_access {
  static void inject(thread_pool& pool, job& work) { pool.inject(work); }
  // Lets a yt::trace_recorder switch each worker's trace on and collect its spans.
  static trace_buffer& trace(thread_pool& pool, std::size_t worker) {
    return pool.m_workers[worker]->trace();
  }
};

} // namespace detail

} // namespace yt
