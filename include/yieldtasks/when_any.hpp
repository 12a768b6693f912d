#pragma once

#include <array>
#include <atomic>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <limits>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/join_counter.hpp>
#include <yieldtasks/detail/map_context.hpp>
#include <yieldtasks/detail/worker.hpp>
#include <yieldtasks/detail/worker_position.hpp>
#include <yieldtasks/operation_cancelled.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/usage_error.hpp>
#include <yieldtasks/when_all.hpp>

namespace yt {

/// What `co_await yt::when_any(...)` yields: which task finished first, and its value.
///
/// `value` is the winner's result: a `T` when every task is a `task<T>` (a `std::monostate` for
/// `task<void>`), otherwise a `std::variant` of the tasks' results in argument order, holding the
/// alternative `index`. Use it with a structured binding: `auto [index, value] = co_await ...`.
template <class T> struct when_any_result {
  std::size_t index;
  T value;
};

namespace detail {

// One task of a when_any, released from its yt::task: the frame, destroyed as soon as the task
// loses (or by the awaitable), and its promise's base, which starting it needs.
struct when_any_child {
  std::coroutine_handle<> frame;
  task_promise_base* promise;
};

template <class T> when_any_child release_child(task<T>& t) noexcept {
  const auto frame = task_access::release(t);
  return {frame, &frame.promise()};
}

// The untyped part of a when_any: starts the tasks like a taskmap starts coroutine items (one
// spawn job re-pushed before each start), records the first to complete and stops the others
// through its map context, which they run under, so that maps nested in them skip their unstarted
// items. A loser's frame is destroyed as soon as it completes; a task not started when the stop
// came is never started. The awaitable resumes once every started task has completed.
class when_any_core : public item_sink, public native_awaitable {
public:
  when_any_core(const when_any_core&) = delete;
  when_any_core& operator=(const when_any_core&) = delete;

  // The awaiting half of both forms; await_resume is each form's own.
  [[nodiscard]] bool await_ready() {
    if (m_awaited) {
      throw usage_error("yt::when_any: a when_any can be awaited only once");
    }
    m_awaited = true;
    return false;
  }

  template <class Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> parent) {
    worker* self = worker::current();
    if (self == nullptr) {
      throw usage_error("yt::when_any: awaited outside a yieldtasks executor");
    }
    m_join.parent().handle = parent;
    enter_below(m_context, context_of(parent));
    return spawn_next(*self);
  }

protected:
  // `children` is storage of the derived class, filled before the first co_await.
  when_any_core(when_any_child* children, std::size_t count) noexcept
      : m_children(children), m_count(count), m_join(count), m_context(true) {}
  ~when_any_core() { destroy_frames(); }

  // In await_resume: the winner, whose frame the caller takes the result from. Throws
  // operation_cancelled when a stop from outside came before any task started.
  std::size_t winner() {
    dump_gate::pass(); // this when_any may be freed from here on (worker_position.hpp)
    m_context.leave();
    const std::size_t index = m_winner.load(std::memory_order_relaxed);
    if (index == no_winner) {
      destroy_frames();
      throw operation_cancelled();
    }
    return index;
  }

  [[nodiscard]] std::coroutine_handle<> frame_at(std::size_t index) const noexcept {
    return m_children[index].frame;
  }

  void destroy_frames() noexcept {
    for (std::size_t index = 0; index < m_count; ++index) {
      if (m_children[index].frame) {
        m_children[index].frame.destroy();
        m_children[index].frame = {};
      }
    }
  }

private:
  static constexpr std::size_t no_winner = std::numeric_limits<std::size_t>::max();

  struct spawn_job : job {
    when_any_core* owner;
  };

  static void run_spawn(job& self, worker& runner) noexcept {
    static_cast<spawn_job&>(self).owner->spawn_next(runner).resume();
  }

  // Holder of the spawn job only (see join_counter).
  std::coroutine_handle<> spawn_next(worker& self) noexcept {
    const std::size_t index = m_next;
    if (m_context.stop_requested()) {
      return m_join.finish_as_holder(m_count - index);
    }
    if (m_count - index > 1) {
      m_next = index + 1;
      self.push(m_spawn); // from here on another worker may own m_spawn
    }
    task_promise_base& promise = *m_children[index].promise;
    promise.bind_to_sink(*this, index);
    return worker::transfer(promise.start_job());
  }

  // The winner is decided at completion, exception or not.
  void item_failed() noexcept override {}

  std::coroutine_handle<> complete(std::size_t index,
                                   std::coroutine_handle<> finished) noexcept override {
    std::size_t none = no_winner;
    // relaxed: the index carries no data; the join counter orders the winner's frame, and this
    // thread's writes to m_children, for the resumed parent.
    if (m_winner.compare_exchange_strong(none, index, std::memory_order_relaxed)) {
      m_context.request_stop();
    } else {
      finished.destroy(); // a loser: its result or exception is dropped
      m_children[index].frame = {};
    }
    if (index + 1 == m_count) {
      return m_join.finish_as_holder(1); // the last task: its starter pushed nothing after it
    }
    if (worker* self = m_join.take_back(m_spawn)) {
      return spawn_next(*self);
    }
    return m_join.finish(1);
  }

  when_any_child* m_children;
  std::size_t m_count;
  join_counter m_join;
  map_context m_context;
  std::atomic<std::size_t> m_winner{no_winner};
  spawn_job m_spawn{{&run_spawn}, this};
  std::size_t m_next = 0; // the next task to start; the spawn job's holder's
  bool m_awaited = false;
};

template <class... Ts> struct when_any_value {
  using type = std::variant<when_all_value_t<Ts>...>;
};
template <class T, class... Ts>
  requires(std::is_same_v<T, Ts> && ...)
struct when_any_value<T, Ts...> {
  using type = when_all_value_t<T>;
};

// The winner's value as `Value`, from its frame (a task_promise<T>).
template <class Value, std::size_t I, class T> Value take_winner(std::coroutine_handle<> frame) {
  auto& promise = std::coroutine_handle<task_promise<T>>::from_address(frame.address()).promise();
  if constexpr (std::is_same_v<Value, when_all_value_t<T>>) {
    if constexpr (std::is_void_v<T>) {
      promise.take_result();
      return {};
    } else {
      return promise.take_result();
    }
  } else if constexpr (std::is_void_v<T>) {
    promise.take_result();
    return Value(std::in_place_index<I>);
  } else {
    return Value(std::in_place_index<I>, promise.take_result());
  }
}

template <std::size_t N> struct when_any_array {
  std::array<when_any_child, N> children;
};

template <class... Ts>
class [[nodiscard]] when_any_awaitable final : private when_any_array<sizeof...(Ts)>,
                                               public when_any_core {
  using storage = when_any_array<sizeof...(Ts)>;

public:
  using value_type = typename when_any_value<Ts...>::type;

  // The tasks were checked for emptiness by when_any.
  explicit when_any_awaitable(task<Ts>&... tasks) noexcept
      : storage{{release_child(tasks)...}}, when_any_core(storage::children.data(), sizeof...(Ts)) {
  }

  when_any_awaitable(const when_any_awaitable&) = delete;
  when_any_awaitable& operator=(const when_any_awaitable&) = delete;
  ~when_any_awaitable() = default;

  when_any_result<value_type> await_resume() {
    const std::size_t index = winner();
    std::optional<when_any_result<value_type>> result;
    try {
      [&]<std::size_t... I>(std::index_sequence<I...> /*indices*/) {
        static_cast<void>(((index == I && (result.emplace(when_any_result<value_type>{
                                               I, take_winner<value_type, I, Ts>(frame_at(I))}),
                                           true)) ||
                           ...));
      }(std::index_sequence_for<Ts...>{});
    } catch (...) {
      destroy_frames();
      throw;
    }
    destroy_frames();
    return std::move(*result);
  }
};

template <class T> struct when_any_vector {
  std::vector<when_any_child> children;
};

template <class T>
class [[nodiscard]] when_any_range_awaitable final : private when_any_vector<T>,
                                                     public when_any_core {
  using storage = when_any_vector<T>;

public:
  using value_type = when_all_value_t<T>;

  explicit when_any_range_awaitable(std::vector<when_any_child> children) noexcept
      : storage{std::move(children)},
        when_any_core(storage::children.data(), storage::children.size()) {}

  when_any_range_awaitable(const when_any_range_awaitable&) = delete;
  when_any_range_awaitable& operator=(const when_any_range_awaitable&) = delete;
  ~when_any_range_awaitable() = default;

  when_any_result<value_type> await_resume() {
    const std::size_t index = winner();
    try {
      when_any_result<value_type> result{index, take_winner<value_type, 0, T>(frame_at(index))};
      destroy_frames();
      return result;
    } catch (...) {
      destroy_frames();
      throw;
    }
  }
};

template <class T> void check_when_any_task(const task<T>& t) {
  if (!task_access::frame(t)) {
    throw usage_error("yt::when_any: an empty (moved-from) task was passed");
  }
}

} // namespace detail

/// Runs several tasks in parallel and yields the index and value of the first to finish, after
/// asking the others to stop and awaiting them.
///
/// The tasks start as `yt::when_all`'s do (the first on the awaiting worker, the others left for
/// idle workers to steal, otherwise run next in order). When the first task completes, the
/// others are asked to stop: tasks not yet started never start, and every map running inside
/// the started ones (nested maps too, to any depth) skips its unstarted items, as if its
/// enclosing map had been stopped (see `yt::stop_source`). Code that is running finishes
/// normally; losers' results are dropped. The awaiting task resumes once every started task has
/// completed: no task outlives the `co_await`. Yields a `yt::when_any_result` of the winner's
/// index (in argument order) and its value: the value type itself when all tasks have the same
/// type, otherwise a `std::variant` of their results.
///
/// **Ordering.** On a `yt::inline_executor` the first task runs to completion first, so it always
/// wins and the others never start.
///
/// **Exceptions.** The first task to complete wins, whether it returned or threw: its exception
/// is rethrown from the `co_await` (after the others have been stopped and awaited) only if no
/// task finished normally before it; exceptions of tasks completing after the winner, such as the
/// `yt::operation_cancelled` of a plain map that the stop cut short, are dropped. If the
/// when_any itself is stopped from outside (an enclosing map's stop) before any task started, the
/// `co_await` throws `yt::operation_cancelled`. Passing an empty (moved-from) task throws
/// `yt::usage_error` from `when_any` itself; awaiting it twice or outside an executor throws it
/// from the `co_await`.
///
/// **Lifetime.** The awaitable owns the tasks. A loser's frame is destroyed when it completes, the
/// winner's and the unstarted ones' before the `co_await` yields.
///
/// **Thread safety.** The tasks may run concurrently on different workers.
///
/// **Complexity.** Like `when_all`, plus a stop (one lock per map running below) and one
/// registration per map started below it.
///
/// **Example.**
/// ```cpp
/// yt::task<int> fastest(yt::task<int> a, yt::task<int> b) {
///   auto [index, value] = co_await yt::when_any(std::move(a), std::move(b));
///   co_return value;
/// }
/// ```
template <class... Ts>
  requires(sizeof...(Ts) > 0)
[[nodiscard]] auto when_any(task<Ts>... tasks) {
  (detail::check_when_any_task(tasks), ...);
  return detail::when_any_awaitable<Ts...>(tasks...);
}

/// The range form of `when_any`: the tasks are moved out of `tasks` (a container of `task<T>`, or
/// a view that makes them), and the result's `value` is a `T`. Semantics as above, with indices
/// in range order. **Exceptions.** An empty range, or an empty task in it, throws
/// `yt::usage_error` from `when_any` (the tasks already taken are destroyed unstarted).
template <std::ranges::input_range Range>
  requires detail::is_task<std::remove_cvref_t<std::ranges::range_reference_t<Range>>>::value
[[nodiscard]] auto when_any(Range&& tasks) {
  using task_type = std::remove_cvref_t<std::ranges::range_reference_t<Range>>;
  std::vector<task_type> taken;
  for (auto&& t : tasks) {
    taken.push_back(std::move(t)); // NOLINT(bugprone-move-forwarding-reference)
    detail::check_when_any_task(taken.back());
  }
  if (taken.empty()) {
    throw usage_error("yt::when_any: an empty range of tasks was passed");
  }
  std::vector<detail::when_any_child> children;
  children.reserve(taken.size());
  for (task_type& t : taken) {
    children.push_back(detail::release_child(t));
  }
  return detail::when_any_range_awaitable<typename task_type::value_type>(std::move(children));
}

} // namespace yt
