#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <ranges>
#include <utility>

#include <yieldtasks/available_concurrency.hpp>
#include <yieldtasks/detail/completion_stream.hpp>
#include <yieldtasks/detail/foreign_awaiter.hpp>
#include <yieldtasks/detail/indexed_range.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/worker.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt {

namespace detail {
struct stream_access;
} // namespace detail

/// One finished item of a `yt::as_completed` stream: its index in the input range and its value
/// (a `std::monostate` for an item returning `void`). Use it with a structured binding:
/// `auto [index, value] = *item`.
template <class T> struct completed {
  std::size_t index;
  T value;
};

namespace detail {

template <class T>
using stream_pointer = std::unique_ptr<stream_state<T>, void (*)(stream_state<T>*)>;

template <class T> completed<stream_value_t<T>> unpack(typename stream_state<T>::entry& done) {
  if (done.error) {
    std::rethrow_exception(done.error);
  }
  return {done.index, std::move(*done.value)};
}

// What `co_await stream.next()` awaits; lives in the consumer's frame for the await.
template <class T> class stream_next : public native_awaitable {
  using entry = typename stream_state<T>::entry;

public:
  explicit stream_next(stream_state<T>* state) noexcept : m_state(state) {}

  [[nodiscard]] bool await_ready() {
    if (m_state == nullptr) {
      throw usage_error("yt::completion_stream::next: called on an empty (moved-from) stream");
    }
    return m_state->poll(m_entry);
  }

  template <class Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> consumer) {
    worker* self = worker::current();
    if (self == nullptr) {
      throw usage_error("yt::completion_stream::next: awaited outside a yieldtasks executor; run "
                        "the task with an executor's sync_wait");
    }
    m_resume.handle = consumer;
    return m_state->await_next(m_resume, context_of(consumer), *self, m_entry);
  }

  std::optional<completed<stream_value_t<T>>> await_resume() {
    if (!m_entry) {
      m_state->poll(m_entry);
    }
    if (!m_entry) {
      return std::nullopt;
    }
    return unpack<T>(*m_entry);
  }

private:
  stream_state<T>* m_state;
  std::optional<entry> m_entry;
  resume_job m_resume;
};

} // namespace detail

/// The results of a `yt::as_completed` map inside a task, one at a time, in completion order:
/// `while (auto item = co_await stream.next()) { ... }`.
///
/// `co_await next()` yields the next finished item as a `std::optional<yt::completed<T>>`
/// (`index`, `value`), suspending the task (not its worker) until one is ready, and
/// `std::nullopt` once every item has been delivered or skipped. The first `next()` starts the
/// items. `request_stop()` skips the items not started yet, as does destroying the stream.
///
/// **Exceptions.** An item's exception is rethrown by the `next()` that reaches it, in completion
/// order, and the stream goes on: the other items keep running and later `next()`s deliver them
/// (an exception that leaves the consuming loop destroys the stream, which stops them). In a
/// stopped stream, an item ending with `yt::operation_cancelled` (a plain map in it that the stop
/// cut short) is skipped, not delivered. Awaiting `next()` on a moved-from stream, outside an
/// executor, or while another `next()` of the stream is pending throws `yt::usage_error`.
///
/// **Lifetime.** The destructor stops the unstarted items and returns once the running ones have
/// finished; their undelivered results are destroyed. No item outlives the stream, so the range
/// and whatever the items reference need only outlive the stream. Inside a task, the destructor
/// runs the jobs of its worker's own deque and of its executor's injection queue while it waits
/// (an item's continuation, or an item a timer resumed, may be there), and otherwise yields the
/// thread. Once its first `next()` has started it, a stream runs below the map of the task that
/// awaited it: destroy it before that task completes (do not return it from the task). To wait
/// without holding the worker, call `request_stop()` and drain: `while (co_await stream.next())
/// {}`.
///
/// **Thread safety.** One consumer at a time; `request_stop()` may be called from any thread, and
/// from the items.
///
/// **Example.**
/// ```cpp
/// yt::task<int> sum_of_squares(std::vector<int> xs) {
///   auto stream = yt::as_completed([](int x) { return x * x; }, xs);
///   int sum = 0;
///   while (auto item = co_await stream.next()) {
///     sum += item->value; // item->index is the position of the element in xs
///   }
///   co_return sum;
/// }
/// ```
template <class T> class [[nodiscard]] completion_stream {
public:
  using value_type = detail::stream_value_t<T>;

  completion_stream(completion_stream&&) noexcept = default;
  completion_stream& operator=(completion_stream&&) noexcept = default;
  completion_stream(const completion_stream&) = delete;
  completion_stream& operator=(const completion_stream&) = delete;
  ~completion_stream() = default;

  /// The next finished item, to `co_await` in a `yt::task`: see the class.
  [[nodiscard]] detail::stream_next<T> next() noexcept {
    return detail::stream_next<T>(m_state.get());
  }

  /// Skips every item not started yet, and the unstarted items of the maps nested in the running
  /// ones; running items finish, and `next()` still delivers them before `std::nullopt`.
  void request_stop() noexcept {
    if (m_state) {
      m_state->request_stop();
    }
  }

private:
  friend detail::stream_access;

  explicit completion_stream(detail::stream_pointer<T> state) noexcept
      : m_state(std::move(state)) {}

  detail::stream_pointer<T> m_state;
};

/// The blocking counterpart of `yt::completion_stream`, made by `yt::thread_pool::as_completed`
/// and `yt::inline_executor::as_completed`: `next()` blocks the calling thread until an item has
/// finished and returns it, or `std::nullopt` once every item has been delivered or skipped.
///
/// **Ordering.** A pool's stream runs the items on the pool's workers while `next()` sleeps. An
/// inline executor's runs them on the thread calling `next()`, each just before the `next()` that
/// delivers it: in input order, one per `next()`.
///
/// **Exceptions.** As `yt::completion_stream`; a pool stream's `next()` called from a worker
/// thread of any pool throws `yt::usage_error` instead of blocking it.
///
/// **Lifetime.** The destructor stops the unstarted items and blocks until the running ones have
/// finished (an inline stream runs them to their end on the destroying thread). A pool must
/// outlive its streams; its destructor waits for them.
///
/// **Thread safety.** One consumer at a time; `request_stop()` may be called from any thread.
///
/// **Example.**
/// ```cpp
/// yt::thread_pool pool;
/// auto stream = pool.as_completed([](int seed) { return cost(seed); }, std::views::iota(0,
/// 1'000)); while (auto item = stream.next()) {
///   lowest = std::min(lowest, item->value);
/// }
/// ```
template <class T> class [[nodiscard]] blocking_completion_stream {
public:
  using value_type = detail::stream_value_t<T>;

  blocking_completion_stream(blocking_completion_stream&&) noexcept = default;
  blocking_completion_stream& operator=(blocking_completion_stream&&) noexcept = default;
  blocking_completion_stream(const blocking_completion_stream&) = delete;
  blocking_completion_stream& operator=(const blocking_completion_stream&) = delete;
  ~blocking_completion_stream() = default;

  /// The next finished item; blocks until there is one. See the class.
  std::optional<completed<value_type>> next() {
    if (!m_state) {
      throw usage_error("yt::blocking_completion_stream::next: called on an empty (moved-from) "
                        "stream");
    }
    std::optional<typename detail::stream_state<T>::entry> done = m_state->wait_next();
    if (!done) {
      return std::nullopt;
    }
    return detail::unpack<T>(*done);
  }

  /// As `completion_stream::request_stop`.
  void request_stop() noexcept {
    if (m_state) {
      m_state->request_stop();
    }
  }

private:
  friend detail::stream_access;

  explicit blocking_completion_stream(detail::stream_pointer<T> state) noexcept
      : m_state(std::move(state)) {}

  detail::stream_pointer<T> m_state;
};

namespace detail {

template <class F, class Range> using stream_items_t = stream_items<F, std::views::all_t<Range>>;

// The stream's value type: what an item returns, or its task's value type.
template <class F, class Range>
using stream_item_t = typename task_traits<
    item_result_t<F, typename indexed_range<std::views::all_t<Range>>::reference>>::value_type;

template <class F, class Range>
stream_pointer<stream_item_t<F, Range>> make_stream(F&& fn, Range&& range, std::size_t window,
                                                    injector* outside, caller_gate* gate,
                                                    bool drive_inline = false) {
  if (window == 0) {
    throw usage_error("yt::as_completed: the window must be at least 1");
  }
  return stream_pointer<stream_item_t<F, Range>>(
      new stream_items_t<F, Range>(std::forward<F>(fn), std::views::all(std::forward<Range>(range)),
                                   window, outside, gate, drive_inline),
      &stream_state<stream_item_t<F, Range>>::close_and_delete);
}

// The default window: twice available_concurrency(), read once per process (it reads the
// cgroup's files).
inline std::size_t default_stream_window() {
  static const std::size_t window = 2 * available_concurrency();
  return window;
}

// Makes the streams, whose constructors are private (as_completed, thread_pool::as_completed).
struct stream_access {
  template <class Stream, class Pointer> static Stream make(Pointer state) noexcept {
    return Stream(std::move(state));
  }
};

} // namespace detail

/// Maps `fn` over `range` in parallel, like `yt::taskmap`, and hands the results out one at a
/// time **in completion order** through a `yt::completion_stream`, awaited inside a `yt::task`:
/// `while (auto item = co_await stream.next()) { use(item->index, item->value); }`.
///
/// `fn` may return a value (a plain item) or a `yt::task<R>` (a coroutine item, which may await
/// nested maps), and may take a `yt::stop_source` or a `std::stop_token` as its second argument,
/// as for `taskmap`; each item's stop reports the stream's stop. The first `next()` starts the
/// items, below the map the awaiting task runs under: a stop of that map (or of a `when_any`
/// around it) stops the stream too, and `request_stop()`, an item's `stop_source`, or dropping the
/// stream stops the maps nested in its items. For the first success of many tries, break out of
/// the loop: the destructor stops the rest.
///
/// **Bound.** At most `window` items are started and not yet taken by `next()`, so at most
/// `window` finished results wait unconsumed (memory stays O(window), whatever the range's size):
/// an item that would exceed it starts only once the consumer has taken a result. The default
/// window is twice `yt::available_concurrency()`, which keeps every worker busy while the
/// consumer catches up. Pass `window` = 1 for one item at a time.
///
/// **Ordering.** On a `yt::thread_pool`, items start in input order (thieves take the next one)
/// and are delivered in the order they finish. On a `yt::inline_executor`, each item runs to
/// completion just before the `next()` that delivers it: items run and are delivered in input
/// order, interleaved with the consumer, and never more than one waits.
///
/// **Exceptions.** See `yt::completion_stream`. `window` = 0 throws `yt::usage_error` here.
///
/// **Lifetime.** An lvalue range is referenced and must outlive the stream; an rvalue range (a
/// temporary container, a view) is moved into it. `fn` is referenced if an lvalue, otherwise
/// moved in. The stream allocates its state once (besides the items' frames for coroutine items);
/// its destructor returns only once no item is running.
///
/// **Thread safety.** `fn` is called concurrently from several workers, as for `taskmap`.
///
/// **Complexity.** A lock per item started, finished and taken, and one deque push per item.
///
/// **Example.**
/// ```cpp
/// // examples/basics/as_completed.cpp: the first good seed, whichever start finds it first.
/// yt::task<std::optional<int>> first_good(std::vector<int> seeds) {
///   auto stream = yt::as_completed([](int seed) { return cost(seed) < good_enough; }, seeds);
///   while (auto item = co_await stream.next()) {
///     if (item->value) {
///       co_return seeds[item->index];  // the stream's destructor stops the other starts
///     }
///   }
///   co_return std::nullopt;
/// }
/// ```
template <class F, std::ranges::input_range Range>
  requires detail::taskmap_function<
      F, typename detail::indexed_range<std::views::all_t<Range>>::reference>
[[nodiscard]] auto as_completed(F&& fn, Range&& range, std::size_t window) {
  return detail::stream_access::make<completion_stream<detail::stream_item_t<F, Range>>>(
      detail::make_stream(std::forward<F>(fn), std::forward<Range>(range), window, nullptr,
                          nullptr));
}

/// `as_completed(fn, range, window)` with the default window, twice `yt::available_concurrency()`
/// (read once per process).
template <class F, std::ranges::input_range Range>
  requires detail::taskmap_function<
      F, typename detail::indexed_range<std::views::all_t<Range>>::reference>
[[nodiscard]] auto as_completed(F&& fn, Range&& range) {
  return as_completed(std::forward<F>(fn), std::forward<Range>(range),
                      detail::default_stream_window());
}

} // namespace yt
