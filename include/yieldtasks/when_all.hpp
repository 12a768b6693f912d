#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/join_counter.hpp>
#include <yieldtasks/detail/worker.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt {

namespace detail {

template <class T>
using when_all_value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// Awaitable and state of one when_all, living in the awaiting frame like a taskmap. The tasks stay
// owned by the awaitable (their frames hold the results until await_resume takes them); a single
// spawn job starts them in order, re-pushing itself before each start so thieves take the rest.
template <class... Ts>
class [[nodiscard]] when_all_awaitable final : public item_sink, public native_awaitable {
  static constexpr std::size_t count = sizeof...(Ts);

public:
  // Throws usage_error for an empty (moved-from) task here rather than at the co_await, so that
  // the join's hot path holds no check for it.
  explicit when_all_awaitable(task<Ts>&&... tasks) : m_tasks(take_apart(tasks)...) {
    std::apply([](const task<Ts>&... started) { (check_not_empty(started), ...); }, m_tasks);
  }

  // Moves one task, with a compiler barrier after it: g++ 12 otherwise merges the loads of two
  // tasks' handles, which the caller has just stored one by one, into one 16-byte load that
  // cannot be forwarded from those stores (a fib of when_alls: 13.9 -> 16.1 ns per call).
  template <class T> static task<T> take_apart(task<T>& moved) noexcept {
    task<T> taken(std::move(moved));
#if defined(__GNUC__)
    asm volatile("" ::: "memory");
#endif
    return taken;
  }

  when_all_awaitable(const when_all_awaitable&) = delete;
  when_all_awaitable& operator=(const when_all_awaitable&) = delete;
  ~when_all_awaitable() = default;

  [[nodiscard]] bool await_ready() {
    if (m_awaited) {
      throw usage_error("yt::when_all: a when_all can be awaited only once");
    }
    m_awaited = true;
    return count == 0;
  }

  // Out of line: inlined, its push would make the awaiting coroutine save six registers instead
  // of four on every resumption (fib: 219 -> 216 instructions per call).
  // A template on the awaiting promise, whose map context the children inherit: they are not items
  // of a map of their own, so a stop of the enclosing map reaches the maps they await.
  template <class Promise>
  [[gnu::noinline]] std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> parent) {
    worker* self = worker::current();
    if (self == nullptr) {
      throw usage_error("yt::when_all: awaited outside a yieldtasks executor");
    }
    m_join.parent().handle = parent;
    set_link(context_of(parent));
    return worker::transfer(start(*self, 0));
  }

  std::tuple<when_all_value_t<Ts>...> await_resume() {
    // Set by item_failed() when a child failed (the join made it visible): one load when none did.
    if (m_stop.load(std::memory_order_relaxed)) {
      for (std::size_t index = 0; index < count; ++index) {
        promise_at(index).rethrow_if_failed();
      }
    }
    return take_all(std::index_sequence_for<Ts...>{});
  }

private:
  struct spawn_job : job {
    when_all_awaitable* owner;
    std::size_t next;
  };

  template <class T> static void check_not_empty(const task<T>& t) {
    if (!task_access::frame(t)) {
      throw usage_error("yt::when_all: an empty (moved-from) task was passed");
    }
  }

  // The promise of child `index`: a constant index folds to one load.
  task_promise_base& promise_at(std::size_t index) noexcept {
    task_promise_base* found = nullptr;
    [&]<std::size_t... I>(std::index_sequence<I...> /*indices*/) {
      static_cast<void>(
          ((index == I && (found = &task_access::frame(std::get<I>(m_tasks)).promise())) || ...));
    }(std::index_sequence_for<Ts...>{});
    return *found;
  }

  template <std::size_t... I>
  std::tuple<when_all_value_t<Ts>...> take_all(std::index_sequence<I...> /*indices*/) {
    return std::tuple<when_all_value_t<Ts>...>(take<I>()...);
  }

  // After await_resume has rethrown any failure.
  template <std::size_t I> when_all_value_t<std::tuple_element_t<I, std::tuple<Ts...>>> take() {
    if constexpr (std::is_void_v<std::tuple_element_t<I, std::tuple<Ts...>>>) {
      return {};
    } else {
      return task_access::frame(std::get<I>(m_tasks)).promise().take_value();
    }
  }

  static void run_spawn(job& self, worker& runner) noexcept {
    when_all_awaitable& owner = *static_cast<spawn_job&>(self).owner;
    owner.spawn(runner, owner.m_spawn.next).resume();
  }

  // Holder of the spawn job only (see join_counter): starts child `index`, the spawn job's next,
  // unless a child failed.
  //
  // The start skips worker::transfer's stack check: it runs either at the bottom of a job
  // (run_spawn) or from the completion of an earlier child (complete), and in the unoptimised
  // builds where transfers are real calls, at most `count` such unchecked starts come between two
  // checked transfers, so the stack stays bounded (fib: one check less per two calls).
  std::coroutine_handle<> spawn(worker& self, std::size_t index) noexcept {
    if (m_stop.load(std::memory_order_relaxed)) {
      return m_join.finish_as_holder(count - index);
    }
    return start(self, index).handle;
  }

  // Binds child `index` and returns its start job, after pushing the spawn job for the next one.
  // spawn() without the failure check: await_suspend starts the first child here, before any child
  // ran.
  resume_job& start(worker& self, std::size_t index) noexcept {
    if (count - index > 1) {
      m_spawn.next = index + 1;
      self.push(m_spawn); // from here on another worker may own m_spawn
    }
    task_promise_base& promise = promise_at(index);
    promise.bind_to_sink(*this, index);
    return promise.start_job();
  }

  // The failed child's promise keeps its exception for await_resume; children not started yet
  // are skipped.
  void item_failed() noexcept override { m_stop.store(true, std::memory_order_relaxed); }

  // Out of line (as taskmap's): g++ would otherwise inline it, devirtualised, into the final
  // awaiter of every task, which then saves six registers on every task's completion.
  [[gnu::noinline]] std::coroutine_handle<>
  complete(std::size_t index, std::coroutine_handle<> /*frame*/) noexcept override {
    if (index == count - 1) {
      // The last child was started by the spawn job's holder, which pushed nothing after it:
      // its completion holds the job still.
      return m_join.finish_as_holder(1);
    }
    // Nobody has started a later child: start the next one here, with no atomic on the counter.
    if (worker* self = m_join.take_back(m_spawn)) {
      // With two children the next is the last: a constant index lets the compiler drop the
      // push, and the registers it needs, from this path (fib: 233 -> 219 instructions per call).
      return spawn(*self, count == 2 ? 1 : index + 1);
    }
    return m_join.finish(1);
  }

  std::tuple<task<Ts>...> m_tasks;
  join_counter m_join{count};
  std::atomic<bool> m_stop{false};
  spawn_job m_spawn{{&run_spawn}, this, 0};
  bool m_awaited = false;
};

} // namespace detail

/// Runs several tasks in parallel and yields all their results as a tuple; the fork/join
/// primitive for a fixed number of heterogeneous children (`yt::taskmap` is for ranges).
///
/// The first task starts on the awaiting worker at once; the others are left for idle workers to
/// steal and are otherwise run by the same worker next, in order. The awaiting task suspends and
/// resumes when the last child finishes. A `task<void>` contributes a `std::monostate`.
/// `when_all()` with no tasks yields an empty tuple without suspending.
///
/// **Ordering.** The tuple is in argument order.
///
/// **Exceptions.** After a child throws, children that have not started are skipped; once all
/// started children have finished, the exception of the first failed child in argument order is
/// rethrown. Passing an empty (moved-from) task throws `yt::usage_error` from `when_all` itself
/// (its other tasks are destroyed unstarted); awaiting the result outside an executor, or a second
/// time, throws it from the `co_await`.
///
/// **Lifetime.** The awaitable owns the tasks, and with them their frames and results, until the
/// `co_await` expression ends.
///
/// **Thread safety.** The children may run concurrently on different workers.
///
/// **Complexity.** No allocation besides the children's frames; one deque push and pop per child
/// after the first, and no atomic read-modify-write unless a child is stolen or finishes on
/// another worker. A two-item `taskmap` over a `std::array` allocates nothing either, and costs
/// about 1.25x as much per child (its map context, cancellation and dump position;
/// docs/benchmarks.md).
///
/// **Example.**
/// ```cpp
/// yt::task<long> fib(int n) {
///   if (n < 2) co_return n;
///   auto [a, b] = co_await yt::when_all(fib(n - 1), fib(n - 2));
///   co_return a + b;
/// }
/// ```
template <class... Ts> [[nodiscard]] auto when_all(task<Ts>... tasks) {
  return detail::when_all_awaitable<Ts...>(std::move(tasks)...);
}

} // namespace yt
