#pragma once

#include <chrono>
#include <concepts>
#include <coroutine>
#include <future>
#include <utility>

#include <yieldtasks/detail/future_waiter.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt {

/// A `std::future`-like type: `valid()`, `wait_for(duration)` returning a `std::future_status`,
/// and `get()` (`std::future`, `std::shared_future`, and futures of other libraries shaped alike).
template <class F>
concept future_like = requires(F& future) {
  { future.valid() } -> std::convertible_to<bool>;
  { future.wait_for(std::chrono::milliseconds(0)) } -> std::same_as<std::future_status>;
  future.get();
};

/// Awaits a `std::future`-like completion without holding a worker: `co_await
/// yt::await_future(std::move(f))` suspends the awaiting task until `f` is ready and yields
/// `f.get()`. Meanwhile the task's worker goes on with other work.
///
/// A future offers no completion callback, so a waiter thread of the process blocks on it (one per
/// future pending at the same moment, started when needed and reused afterwards) and then resumes
/// the task, which, like any task resumed by a foreign awaitable, continues on its executor: a
/// pool worker on a `yt::thread_pool`, the thread that called `sync_wait` or `map` (which waits
/// meanwhile) on a `yt::inline_executor`. A future that is ready already, or deferred
/// (`std::launch::deferred`, whose function runs in `get()`), does not suspend: it is read on the
/// awaiting thread.
///
/// **Exceptions.** Whatever `get()` throws: the exception stored in the future. `yt::usage_error`
/// if the future has no shared state (`!valid()`), from the `co_await`; `std::system_error` if a
/// waiter thread cannot be started.
///
/// **Lifetime.** The awaitable owns the future. A task still waiting when the process exits is
/// never resumed; the waiter threads stop within 50 ms at exit.
///
/// **Thread safety.** Any number of tasks may await futures at once, from any thread. The
/// future's `wait_for` is called on a waiter thread and `get()` on the awaiting task's thread.
///
/// **Example.**
/// ```cpp
/// yt::task<int> add_remote(std::future<int> reply, int local) {
///   const int remote = co_await yt::await_future(std::move(reply));
///   co_return remote + local;
/// }
/// ```
template <future_like F> [[nodiscard]] auto await_future(F future) {
  class future_awaitable {
  public:
    explicit future_awaitable(F&& owned) : m_future(std::move(owned)) {}

    [[nodiscard]] bool await_ready() {
      if (!m_future.valid()) {
        throw usage_error("yt::await_future: the future has no shared state (moved from, or its "
                          "value already taken)");
      }
      return m_future.wait_for(std::chrono::milliseconds(0)) != std::future_status::timeout;
    }
    void await_suspend(std::coroutine_handle<> waiter) {
      m_pending = {&ready_within, &m_future, waiter};
      detail::future_waiter::instance().wait(m_pending);
    }
    decltype(auto) await_resume() { return m_future.get(); }

  private:
    static bool ready_within(void* future, std::chrono::milliseconds slice) {
      return static_cast<F*>(future)->wait_for(slice) != std::future_status::timeout;
    }

    F m_future;
    detail::pending_future m_pending{};
  };
  return future_awaitable(std::move(future));
}

} // namespace yt
