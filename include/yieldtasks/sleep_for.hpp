#pragma once

#include <chrono>
#include <coroutine>

#include <yieldtasks/detail/timer_thread.hpp>

namespace yt {

/// Suspends the awaiting coroutine for at least `duration`, without holding a thread: awaited in
/// a `yt::task`, the task's worker goes on with other work, and the task resumes on its executor
/// once the time is up.
///
/// The awaitable is an ordinary foreign one, the kind any library could write: a timer thread
/// (one per process, started by the first sleep that suspends) resumes the coroutine at its
/// deadline. Awaited in a `yt::task` on a `yt::thread_pool`, the task then continues on a pool
/// worker (every awaitable yieldtasks does not drive is handed back this way); on a
/// `yt::inline_executor`, on the thread that called `sync_wait` or `map`, which waits meanwhile.
/// A zero or negative duration does not suspend.
///
/// **Exceptions.** `std::system_error` if the timer thread cannot be started.
///
/// **Lifetime.** A coroutine still sleeping when the process exits is never resumed.
///
/// **Thread safety.** Any number of coroutines may sleep at once, from any thread.
///
/// **Example.**
/// ```cpp
/// yt::task<int> poll_twice() {
///   int first = read_sensor();
///   co_await yt::sleep_for(std::chrono::milliseconds(10));
///   co_return read_sensor() - first;
/// }
/// ```
template <class Rep, class Period>
[[nodiscard]] auto sleep_for(std::chrono::duration<Rep, Period> duration) {
  class sleep_awaitable {
  public:
    explicit sleep_awaitable(detail::timer_thread::clock::duration wait) noexcept : m_wait(wait) {}
    [[nodiscard]] bool await_ready() const noexcept { return m_wait <= m_wait.zero(); }
    void await_suspend(std::coroutine_handle<> waiter) const {
      detail::timer_thread::instance().resume_at(detail::timer_thread::clock::now() + m_wait,
                                                 waiter);
    }
    void await_resume() const noexcept {}

  private:
    detail::timer_thread::clock::duration m_wait;
  };
  return sleep_awaitable(std::chrono::ceil<detail::timer_thread::clock::duration>(duration));
}

} // namespace yt
