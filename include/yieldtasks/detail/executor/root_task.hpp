#pragma once

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <exception>
#include <mutex>
#include <optional>
#include <utility>

#include <yieldtasks/detail/frame_allocator.hpp>
#include <yieldtasks/reduce.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>

namespace yt::detail {

// The outcome of a top-level task, read by the thread that waited for it.
template <class T> struct result_box {
  std::optional<T> value;
  std::exception_ptr error;

  T take() {
    if (error) {
      std::rethrow_exception(error);
    }
    return std::move(*value);
  }
};

template <> struct result_box<void> {
  std::exception_ptr error;

  void take() const {
    if (error) {
      std::rethrow_exception(error);
    }
  }
};

// Wakes a thread blocked in a thread_pool's sync_wait. A mutex and condition variable rather than
// an atomic wait: the waiter destroys the signal as soon as it returns, and notifying under the
// mutex guarantees the notifier is done with the object by then. The flag is atomic as well so that
// a waiter working for the pool meanwhile can poll it; it still calls wait() before returning.
class blocking_signal {
public:
  void set() {
    const std::lock_guard lock(m_mutex);
    m_set.store(true, std::memory_order_release);
    m_condition.notify_one();
  }
  [[nodiscard]] bool is_set() const noexcept { return m_set.load(std::memory_order_acquire); }
  void wait() {
    std::unique_lock lock(m_mutex);
    m_condition.wait(lock, [this] { return m_set.load(std::memory_order_relaxed); });
  }

private:
  std::mutex m_mutex;
  std::condition_variable m_condition;
  std::atomic<bool> m_set{false};
};

// Completion flag of an inline run, which happens on one thread.
class inline_signal {
public:
  void set() noexcept { m_set = true; }
  [[nodiscard]] bool is_set() const noexcept { return m_set; }

private:
  bool m_set = false;
};

// The coroutine at the top of an executor run: awaits the user's task, stores its outcome and
// then signals the waiting thread. It destroys its own frame before signalling, so nothing of it
// is left once the waiter wakes.
template <class Signal> class root_task {
public:
  class promise_type {
  public:
    template <class Task, class Box>
    promise_type(Task& /*task*/, Box& /*box*/, Signal& signal) noexcept : m_signal(&signal) {}

    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* frame, std::size_t size) noexcept {
      deallocate_frame(frame, size);
    }

    root_task get_return_object() noexcept {
      return root_task{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    auto final_suspend() const noexcept {
      struct signal_and_destroy {
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<promise_type> frame) const noexcept {
          Signal* signal = frame.promise().m_signal;
          frame.destroy();
          signal->set();
        }
        void await_resume() const noexcept {}
      };
      return signal_and_destroy{};
    }
    void return_void() const noexcept {}
    // The body catches everything; reaching this is a bug in yieldtasks.
    void unhandled_exception() const noexcept { std::terminate(); }

  private:
    Signal* m_signal;
  };

  root_task(root_task&& other) noexcept : m_frame(std::exchange(other.m_frame, {})) {}
  root_task(const root_task&) = delete;
  root_task& operator=(const root_task&) = delete;
  root_task& operator=(root_task&&) = delete;
  ~root_task() {
    if (m_frame) {
      m_frame.destroy();
    }
  }

  // Hands over the frame: from here the coroutine destroys itself when it finishes.
  std::coroutine_handle<> release() noexcept { return std::exchange(m_frame, {}); }

private:
  explicit root_task(std::coroutine_handle<promise_type> frame) noexcept : m_frame(frame) {}
  std::coroutine_handle<promise_type> m_frame;
};

template <class T, class Signal>
root_task<Signal> make_root(task<T> work, result_box<T>& box, Signal& /*signal*/) {
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(work);
    } else {
      box.value.emplace(co_await std::move(work));
    }
  } catch (...) {
    box.error = std::current_exception();
  }
}

// The task behind a blocking map: awaits one taskmap. Takes its arguments by reference because
// the caller blocks until it finishes.
template <class F, class Range>
auto map_root(F&& fn, Range&& range) -> task<taskmap_result_t<F, Range>> {
  co_return co_await taskmap(std::forward<F>(fn), std::forward<Range>(range));
}

// The task behind a blocking reduction: awaits one transform_reduce, taking its arguments by
// reference as map_root does.
template <class Range, class T, class Op, class Transform>
task<T> reduce_root(Range&& range, T init, Op&& op, Transform&& transform) {
  co_return co_await yt::transform_reduce(std::forward<Range>(range), std::move(init),
                                          std::forward<Op>(op), std::forward<Transform>(transform));
}

} // namespace yt::detail
