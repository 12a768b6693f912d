#pragma once

#include <algorithm>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <yieldtasks/detail/caller_gate.hpp>
#include <yieldtasks/detail/indexed_range.hpp>
#include <yieldtasks/detail/injector.hpp>
#include <yieldtasks/detail/inline_queue.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/map_context.hpp>
#include <yieldtasks/detail/taskmap_awaitable.hpp>
#include <yieldtasks/detail/worker.hpp>
#include <yieldtasks/detail/worker_position.hpp>
#include <yieldtasks/stop_source.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt::detail {

// What a stream yields for an item returning `T`: `T`, or std::monostate for void.
template <class T> using stream_value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// The state of one as_completed stream (docs/design.md, "Streaming maps"), allocated once per
// stream and owned by it; `T` is what an item returns (a task's value type for coroutine items).
//
// Protocol. Everything below the mutex is guarded by it; the mutex, not atomics, because each
// item's start, completion and take touch several counters at once, and a stream's items are
// coarse (a lock each is noise next to them). Items are started one at a time by the spawn job,
// as a taskmap's coroutine items are, so that an inline run starts them in input order: its
// holder claims the next index and re-pushes it before it runs the item (work-first). The spawn
// job is either *queued* (in a deque, an injection queue, or being run by its holder) or
// *parked* (owned by no one): it parks when the stream is stopped, all items are claimed, or
// `window` items have started and not been taken by the consumer; a take that frees a slot
// unparks it by pushing it again. Hence started-but-not-taken items, and so finished-but-
// unconsumed results, never exceed `window`, and the ready ring of `window` slots never fills.
//
// The stream is *finished* when no item is running, the spawn job is parked, and every item is
// claimed or the stream is stopped: nothing can touch the state any more, so it may be destroyed.
// Whoever makes it finished or makes a result ready wakes the consumer (its coroutine, through
// m_waiter, or a blocking thread, through m_changed), notifying under the mutex: the consumer may
// destroy the state as soon as it can take the mutex after that, so the unlock is the waker's
// last access.
template <class T> class stream_state : public item_sink {
public:
  using value_type = stream_value_t<T>;

  // One finished item: its value, or its exception.
  struct entry {
    std::size_t index;
    std::optional<value_type> value;
    std::exception_ptr error;
  };

  // The consumer's view of the stream after a take.
  enum class take_result { taken, finished, empty };

  stream_state(const stream_state&) = delete;
  stream_state& operator=(const stream_state&) = delete;

  // Stops the unstarted items and waits for the running ones (see close()); the derived class's
  // destructor must not run before that, so streams destroy their state through close_and_delete.
  virtual ~stream_state() = default;

  static void close_and_delete(stream_state* state) noexcept {
    state->close();
    delete state;
  }

  // Skips the items not started yet, and the unstarted items of the maps nested in running ones.
  void request_stop() noexcept { m_context.request_stop(); }

  // ---- the consumer in a task (completion_stream::next) ---------------------------------------

  // await_ready: takes a ready entry, or learns that the stream is finished.
  bool poll(std::optional<entry>& out) {
    bool unpark = false;
    take_result result = take_result::empty;
    {
      const std::lock_guard lock(m_mutex);
      check_single_consumer();
      result = take_locked(out, unpark);
    }
    publish_unparked(unpark);
    return result != take_result::empty;
  }

  // await_suspend: `resume` resumes the consumer; returns what to transfer to. The first call
  // starts the stream, below the map `parent` runs under.
  std::coroutine_handle<> await_next(resume_job& resume, context_link parent, worker& self,
                                     std::optional<entry>& out) {
    if (!m_started) {
      this->enter_below(m_context, parent);
      // The consumer suspends, to be resumed maybe elsewhere: this thread's position must not
      // name its item any more (worker_position.hpp); so below.
      self.position().clear();
      {
        const std::lock_guard lock(m_mutex);
        m_started = true;
        m_spawn_queued = true; // held by this thread until spawn_next re-pushes or parks it
        m_waiter = &resume;
      }
      return spawn_next(self);
    }
    bool unpark = false;
    {
      const std::lock_guard lock(m_mutex);
      check_single_consumer();
      if (take_locked(out, unpark) == take_result::empty) {
        self.position().clear();
        m_waiter = &resume;
        return std::noop_coroutine(); // the unlock is this thread's last access
      }
    }
    publish_unparked(unpark);
    return resume.handle;
  }

  // ---- the consumer on a blocking thread (blocking_completion_stream::next) --------------------

  // Blocks until an entry is ready (returned) or the stream is finished (nullopt).
  std::optional<entry> wait_next() {
    if (m_inline != nullptr) {
      return drive_next();
    }
    if (worker::current_thread_pool() != nullptr) {
      throw usage_error("yt::blocking_completion_stream::next: called from a worker thread, where "
                        "blocking would starve the pool; use yt::as_completed in a task instead");
    }
    start_blocking([this] { m_outside->inject(m_spawn); });
    std::optional<entry> out;
    bool unpark = false;
    {
      std::unique_lock lock(m_mutex);
      ++m_blocked;
      m_changed.wait(lock, [this] { return m_count > 0 || finished(); });
      --m_blocked;
      take_locked(out, unpark);
    }
    publish_unparked(unpark);
    return out;
  }

protected:
  // `window` >= 1 is checked by the public factories. `outside`: a blocking stream's pool entry,
  // else null. `drive_inline`: a blocking stream whose next() runs the items on the calling
  // thread (inline_executor::as_completed), through a worker and an injection queue of its own.
  stream_state(std::size_t size, std::size_t window, injector* outside, caller_gate* gate,
               bool drive_inline)
      : m_size(size), m_window(std::min(window, std::max<std::size_t>(size, 1))), m_ring(m_window),
        m_inline(drive_inline ? std::make_unique<inline_drive>() : nullptr),
        m_outside(drive_inline ? &m_inline->queue : outside), m_gate(gate) {}

  [[nodiscard]] map_context& context() noexcept { return m_context; }

  // Runs or starts item `index` (claimed, and counted as running, by the caller); returns what to
  // resume next. A plain item ends in finish_item; a coroutine item's frame reports to complete().
  virtual std::coroutine_handle<> start_item(std::size_t index) noexcept = 0;

  // Records a finished item and returns the consumer to transfer to, if it waits and may go on.
  // `skipped`: the item ended with the operation_cancelled of a nested map after the stream was
  // stopped, which is a skipped item rather than a result.
  // `done` is left empty under the lock: its moved-from value, or the skipped item's exception, is
  // destroyed before the stream can count as finished, so nothing of an item outlives the stream.
  std::coroutine_handle<> finish_item(entry& done, bool skipped) noexcept {
    if (worker* self = worker::current()) {
      // The item's end hands its result to the consumer, which may go on and drop the stream:
      // nothing this thread publishes may name the stream or a map in it (worker_position.hpp).
      self->position().clear();
    }
    resume_job* waiter = nullptr;
    {
      const std::lock_guard lock(m_mutex);
      --m_running;
      if (skipped) {
        --m_pending;
        done.error = nullptr;
      } else {
        m_ring[(m_head + m_count) % m_window].emplace(std::exchange(done, entry{}));
        ++m_count;
      }
      waiter = wake_locked();
    }
    return waiter != nullptr ? worker::transfer(*waiter) : std::noop_coroutine();
  }

  // An item's exception is its entry, delivered by next(); the others keep running.
  void item_failed() noexcept override {}

  std::coroutine_handle<> complete(std::size_t index,
                                   std::coroutine_handle<> finished_frame) noexcept override {
    auto frame = std::coroutine_handle<task_promise<T>>::from_address(finished_frame.address());
    entry done{index, std::nullopt, nullptr};
    try {
      if constexpr (std::is_void_v<T>) {
        frame.promise().take_result();
        done.value.emplace();
      } else {
        done.value.emplace(frame.promise().take_result());
      }
    } catch (...) {
      done.error = std::current_exception();
    }
    frame.destroy();
    const bool skipped = is_skipped(done.error);
    return finish_item(done, skipped);
  }

  [[nodiscard]] bool is_skipped(const std::exception_ptr& error) const noexcept {
    return error && m_context.stop_requested() && is_cancellation(error);
  }

private:
  struct spawn_job : job {
    stream_state* owner;
  };

  static void run_spawn(job& self, worker& runner) noexcept {
    static_cast<spawn_job&>(self).owner->spawn_next(runner).resume();
  }

  // Called by the holder of m_spawn: claims the next item and starts it after re-pushing the
  // spawn job, or parks the job.
  std::coroutine_handle<> spawn_next(worker& self) noexcept {
    std::size_t index = 0;
    bool more = false;
    {
      const std::lock_guard lock(m_mutex);
      if (m_context.stop_requested() || m_next == m_size || m_pending >= m_window) {
        m_spawn_queued = false;
        resume_job* waiter = wake_locked();
        return waiter != nullptr ? worker::transfer(*waiter) : std::noop_coroutine();
      }
      index = m_next++;
      ++m_running;
      ++m_pending;
      more = m_next < m_size && m_pending < m_window;
      m_spawn_queued = more;
    }
    if (more) {
      self.push(m_spawn); // from here on another worker may own m_spawn
    }
    self.counters().add_items(1);
    return start_item(index);
  }

  // Under the lock: the consumer to resume if a result is ready or the stream is finished, after
  // waking a blocked thread for the same reasons.
  resume_job* wake_locked() noexcept {
    if (m_count == 0 && !finished()) {
      return nullptr;
    }
    if (m_blocked > 0) {
      m_changed.notify_all();
    }
    return std::exchange(m_waiter, nullptr);
  }

  [[nodiscard]] bool finished_now() {
    const std::lock_guard lock(m_mutex);
    return finished();
  }

  [[nodiscard]] bool finished() const noexcept {
    return m_running == 0 && !m_spawn_queued && (m_next == m_size || m_context.stop_requested());
  }

  void check_single_consumer() const {
    if (m_waiter != nullptr) {
      throw usage_error("yt::completion_stream::next: awaited while another next() of the same "
                        "stream is pending; a stream has one consumer at a time");
    }
  }

  // Under the lock: moves the oldest ready entry to `out`, freeing its slot of the window, and
  // says whether the spawn job must be pushed again (`unpark`) because it parked on a full window.
  take_result take_locked(std::optional<entry>& out, bool& unpark) {
    if (m_count == 0) {
      return finished() ? take_result::finished : take_result::empty;
    }
    out.emplace(std::move(*m_ring[m_head]));
    m_ring[m_head].reset();
    m_head = (m_head + 1) % m_window;
    --m_count;
    --m_pending;
    if (m_started && !m_spawn_queued && m_next < m_size && !m_context.stop_requested()) {
      m_spawn_queued = true;
      unpark = true;
    }
    return take_result::taken;
  }

  // Pushes the spawn job that take_locked unparked: on this worker, or, from a blocking
  // consumer's thread, into the pool.
  void publish_unparked(bool unpark) {
    if (!unpark) {
      return;
    }
    if (m_outside != nullptr) {
      m_outside->inject(m_spawn);
    } else {
      worker::current()->push(m_spawn); // a task's consumer runs on a worker
    }
  }

  // A blocking consumer's first next() starts the stream: at the root of the map tree (no task
  // awaits it), its spawn job handed to `hand_off` (the pool's injection queue, or the inline
  // run's own deque) unless there is nothing to start.
  template <class HandOff> void start_blocking(HandOff&& hand_off) {
    if (m_started) {
      return;
    }
    this->enter_below(m_context, {});
    {
      const std::lock_guard lock(m_mutex);
      m_started = true;
      m_spawn_queued = m_size > 0;
    }
    if (m_size > 0) {
      hand_off();
    }
  }

  // An inline stream's next(): runs its worker's jobs on the calling thread until an entry is
  // ready or the stream is finished, waiting for its queue only when the deque is empty (every
  // running item is then suspended on a foreign awaitable, which will inject it).
  std::optional<entry> drive_next() {
    const worker::scope installed(m_inline->self);
    start_blocking([this] { m_inline->self.push(m_spawn); });
    std::optional<entry> out;
    bool unpark = false;
    while (true) {
      {
        const std::lock_guard lock(m_mutex);
        if (take_locked(out, unpark) != take_result::empty) {
          break;
        }
      }
      run_inline_job();
    }
    publish_unparked(unpark);
    return out;
  }

  void run_inline_job() {
    job* next = m_inline->self.pop();
    if (next == nullptr) {
      next = &m_inline->queue.wait_and_take();
    }
    m_inline->self.run(*next);
  }

  // Stops the unstarted items and returns once the stream is finished. An inline stream runs its
  // own jobs to the end. On a worker (a task dropping its stream, or a pool's blocking stream
  // moved into a task) it runs the jobs of the worker's own deque and of its executor's
  // injection queue meanwhile, which may be the stream's own (its spawn job, an item's
  // continuation, an item a timer resumed): only this thread may be free to run them (a
  // one-worker pool, an inline run), so it must never merely block. Elsewhere it sleeps on
  // m_changed.
  void close() noexcept {
    m_context.request_stop();
    if (m_inline != nullptr) {
      const worker::scope installed(m_inline->self);
      while (!finished_now()) {
        run_inline_job();
      }
    } else if (worker* self = worker::current(); self != nullptr) {
      while (!finished_now()) {
        job* next = self->pop();
        if (next == nullptr) {
          next = self->from_outside().try_take();
        }
        if (next != nullptr) {
          self->run(*next);
        } else {
          std::this_thread::yield();
        }
      }
    } else {
      std::unique_lock lock(m_mutex);
      ++m_blocked;
      m_changed.wait(lock, [this] { return finished(); });
      --m_blocked;
    }
    if (m_started) {
      m_context.leave(); // a stream never started never entered the tree
    }
    dump_gate::pass(); // the stream's context may be freed from here on (worker_position.hpp)
    if (m_gate != nullptr) {
      m_gate->leave(); // the blocking stream's last access to its pool
    }
  }

  // What an inline stream runs its items on: a worker of its own, which keeps the spawn job in
  // its deque between two next()s, and the queue foreign awaitables hand its tasks back to.
  struct inline_drive {
    inline_queue queue;
    worker self{nullptr, nullptr, queue, 1};
  };

  std::mutex m_mutex;
  std::condition_variable m_changed;
  const std::size_t m_size;
  const std::size_t m_window;
  // The ready entries, in completion order: m_count of them from m_head, in a ring of m_window.
  std::vector<std::optional<entry>> m_ring;
  std::size_t m_head = 0;
  std::size_t m_count = 0;
  std::size_t m_next = 0;                 // the next item to claim
  std::size_t m_running = 0;              // started and not finished
  std::size_t m_pending = 0;              // started and not taken (nor skipped): at most m_window
  std::size_t m_blocked = 0;              // threads waiting on m_changed
  std::unique_ptr<inline_drive> m_inline; // an inline stream's, else null
  bool m_spawn_queued = false;
  bool m_started = false;         // the consumer's own, written under the mutex
  resume_job* m_waiter = nullptr; // the consumer's coroutine, suspended in next()
  injector* m_outside; // a blocking stream's pool, or its inline queue; null for a task's stream
  caller_gate* m_gate; // the pool's gate a blocking stream holds open
  map_context m_context{true}; // stoppable: request_stop and the items' stops reach below
  spawn_job m_spawn{{&run_spawn}, this};
};

// The range of a stream's items, a base constructed before stream_state, which needs its size.
template <class View> struct stream_range {
  explicit stream_range(View view) : range(std::move(view)) {}
  indexed_range<View> range;
};

// The typed part of a stream: the function and the range, and how an item is called.
template <class F, class View>
class stream_items final
    : private stream_range<View>,
      public stream_state<typename task_traits<
          item_result_t<F, typename indexed_range<View>::reference>>::value_type> {
  using reference = typename indexed_range<View>::reference;
  using call_result = item_result_t<F, reference>;
  using item_type = typename task_traits<call_result>::value_type;
  using base = stream_state<item_type>;
  using entry = typename base::entry;

  static constexpr bool coroutine_items = task_traits<call_result>::is_task;
  static constexpr bool takes_token = takes_stop_token<F, reference>;

public:
  template <class Fn>
  stream_items(Fn&& fn, View view, std::size_t window, injector* outside, caller_gate* gate,
               bool drive_inline)
      : stream_range<View>(std::move(view)),
        base(stream_range<View>::range.size(), window, outside, gate, drive_inline),
        m_fn(std::forward<Fn>(fn)) {
    if constexpr (takes_token) {
      m_token_source = std::stop_source{};
      this->context().forward_to(m_token_source);
    }
  }

  stream_items(const stream_items&) = delete;
  stream_items& operator=(const stream_items&) = delete;
  ~stream_items() override = default;

private:
  decltype(auto) call(std::size_t index) {
    auto& range = stream_range<View>::range;
    if constexpr (takes_token) {
      return std::invoke(m_fn, range[index], m_token_source.get_token());
    } else if constexpr (takes_stop_source<F, reference>) {
      return std::invoke(m_fn, range[index], stop_source{this->context()});
    } else {
      return std::invoke(m_fn, range[index]);
    }
  }

  std::coroutine_handle<> start_item(std::size_t index) noexcept override {
    entry done{index, std::nullopt, nullptr};
    try {
      if constexpr (coroutine_items) {
        call_result item = call(index);
        auto frame = task_access::release(item);
        if (!frame) {
          throw usage_error("yt::as_completed: the function returned an empty (moved-from) task");
        }
        frame.promise().bind_to_sink(*this, index);
        return worker::transfer(frame.promise().start_job());
      } else if constexpr (std::is_void_v<item_type>) {
        call(index);
        done.value.emplace();
      } else {
        done.value.emplace(call(index));
      }
    } catch (...) {
      done.error = std::current_exception();
    }
    const bool skipped = this->is_skipped(done.error);
    return this->finish_item(done, skipped);
  }

  F m_fn;
  // The source of the items' std::stop_token, requested with the stream's stop.
  std::stop_source m_token_source{std::nostopstate};
};

} // namespace yt::detail
