#pragma once

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <yieldtasks/detail/foreign_awaiter.hpp>
#include <yieldtasks/detail/frame_allocator.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/map_context.hpp>
#include <yieldtasks/detail/worker.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt {

template <class T = void> class task;

namespace detail {

template <class T> class task_promise;

template <class A> struct is_task : std::false_type {};
template <class T> struct is_task<task<T>> : std::true_type {};

// Awaited by a task as they are: tasks, and the awaitables built on the scheduler.
template <class A>
concept drives_itself = is_task<std::remove_cvref_t<A>>::value ||
                        std::derived_from<std::remove_cvref_t<A>, native_awaitable>;

// Receives the completion of a task started as an item of a map or a when_all instead of by
// co_await. `frame` is the finished task's frame (a task_promise<T> of the T the sink expects).
class item_sink {
public:
  // The context link its items run under (map_context.hpp), set before the first item starts. The
  // items find it through their sink, so that binding an item stores no link of its own.
  [[nodiscard]] const context_link& link() const noexcept { return m_link; }

  // Takes what it needs from `frame` and returns what to resume next.
  virtual std::coroutine_handle<> complete(std::size_t index,
                                           std::coroutine_handle<> frame) noexcept = 0;
  // Called when an item's body exits with an exception, before complete(): failures are rare, so
  // the sink learns of them here rather than checking every completion.
  virtual void item_failed() noexcept = 0;

protected:
  item_sink() = default;
  item_sink(const item_sink&) = default;
  item_sink& operator=(const item_sink&) = default;
  ~item_sink() = default;

  void set_link(context_link link) noexcept { m_link = link; }
  // For a sink with a context of its own (a map, when_any, stream): links `context` below
  // `parent` and publishes the link its items run under, once, before the first item starts.
  void enter_below(map_context& context, context_link parent) noexcept {
    context.enter(parent);
    m_link = context.link();
  }

private:
  // Left uninitialised: set_link() or enter_below() writes it before any item reads it.
  context_link m_link;
};

class task_promise_base {
public:
  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* frame, std::size_t size) noexcept {
    deallocate_frame(frame, size);
  }

  std::suspend_always initial_suspend() const noexcept { return {}; }

  // Any other awaitable (a timer, an I/O completion, another library's future) is awaited through
  // a foreign_awaiter, which puts the task back on its executor when the awaitable resumes it on a
  // thread of its own.
  template <class A>
    requires(!drives_itself<A>)
  foreign_awaiter<A> await_transform(A&& awaitable) {
    return foreign_awaiter<A>(awaitable);
  }
  // Through a pointer: returned as a reference, the awaitable would be copied into the frame by
  // g++ 12, and maps and when_alls cannot be copied.
  template <class A>
    requires drives_itself<A>
  native_awaiter<A> await_transform(A&& awaitable) const noexcept {
    static_assert(!is_task<std::remove_cvref_t<A>>::value || !std::is_lvalue_reference_v<A>,
                  "yt::task: only an rvalue task can be awaited, once: co_await std::move(t)");
    return native_awaiter<A>(awaitable);
  }

  void unhandled_exception() noexcept {
    m_exception = std::current_exception();
    if (m_sink != nullptr) {
      m_sink->item_failed();
    }
  }

  // The job that starts (first resumes) this coroutine, its handle set by get_return_object; lets
  // the start be bounced through a deque.
  resume_job& start_job() noexcept { return m_start; }
  void set_continuation(resume_job& continuation) noexcept { m_continuation = &continuation; }

  // Makes this task an item of the map (or when_all, when_any, stream) `sink`, its completion
  // going to `sink` instead of an awaiting coroutine; its children see the sink's link.
  void bind_to_sink(item_sink& sink, std::size_t index) noexcept {
    m_sink = &sink;
    m_index = index;
  }

  // Where the link of the map this task runs under is, directly or through the tasks awaiting it:
  // its sink's for an item, the awaiting task's for a task awaited with co_await. Maps awaited in
  // this task link below it.
  [[nodiscard]] const context_link* link_source() const noexcept {
    return m_sink != nullptr ? &m_sink->link() : m_link_source;
  }
  // A task awaited with co_await: `source` outlives it (it is its awaiting task's, or the sink's
  // of a map that task runs in, or no_context_link).
  void inherit_link(const context_link* source) noexcept { m_link_source = source; }

  void rethrow_if_failed() const {
    if (m_exception) {
      std::rethrow_exception(m_exception);
    }
  }

protected:
  // User-provided, so that the value-initialisation of a coroutine's promise does not zero the
  // members left uninitialised below.
  task_promise_base() noexcept {} // NOLINT(modernize-use-equals-default)

  // m_continuation and m_link_source (co_await), m_index (bind_to_sink) are written before the
  // task starts by whichever starts it, and are left uninitialised so that creating a task stores
  // less.
  resume_job m_start;
  resume_job* m_continuation;
  item_sink* m_sink = nullptr;
  std::size_t m_index;
  const context_link* m_link_source;
  std::exception_ptr m_exception;
};

template <class T> class task_promise_storage : public task_promise_base {
public:
  template <class U = T>
    requires std::convertible_to<U&&, T>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    m_value.emplace(std::forward<U>(value));
  }

  T take_result() {
    rethrow_if_failed();
    return take_value();
  }

  // The result of a task known not to have failed.
  T take_value() { return std::move(*m_value); }

private:
  std::optional<T> m_value;
};

template <> class task_promise_storage<void> : public task_promise_base {
public:
  void return_void() const noexcept {}
  void take_result() const { rethrow_if_failed(); }
};

template <class T> class task_promise final : public task_promise_storage<T> {
public:
  task<T> get_return_object() noexcept;

  auto final_suspend() const noexcept {
    struct final_awaiter {
      [[nodiscard]] bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<task_promise> frame) noexcept {
        task_promise& promise = frame.promise();
        if (promise.m_sink != nullptr) {
          return promise.m_sink->complete(promise.m_index, frame);
        }
        return worker::transfer(*promise.m_continuation);
      }
      void await_resume() const noexcept {}
    };
    return final_awaiter{};
  }
};

// Where the map context link of the coroutine `awaiting` is: its task's, or none for another
// kind of coroutine (the root coroutine of a blocking entry, a user's own coroutine type).
template <class Promise>
[[nodiscard]] const context_link* link_source_of(std::coroutine_handle<Promise> awaiting) noexcept {
  if constexpr (std::is_base_of_v<task_promise_base, Promise>) {
    return awaiting.promise().link_source();
  } else {
    static_cast<void>(awaiting);
    return &no_context_link;
  }
}

// The map context link of the coroutine `awaiting`, by value.
template <class Promise>
[[nodiscard]] context_link context_of(std::coroutine_handle<Promise> awaiting) noexcept {
  return *link_source_of(awaiting);
}

struct task_access {
  template <class T> static std::coroutine_handle<task_promise<T>> release(task<T>& t) noexcept {
    return std::exchange(t.m_frame, {});
  }
  template <class T>
  static std::coroutine_handle<task_promise<T>> frame(const task<T>& t) noexcept {
    return t.m_frame;
  }
};

// What `co_await` on a task returns: starts the task by symmetric transfer and resumes the
// awaiting coroutine with its result. A class of its own rather than local to operator co_await,
// which could not declare the member template.
template <class T> class task_awaiter {
public:
  explicit task_awaiter(std::coroutine_handle<task_promise<T>> frame) noexcept : m_frame(frame) {}
  [[nodiscard]] bool await_ready() const {
    if (!m_frame) {
      throw usage_error("yt::task: awaiting an empty (moved-from) task");
    }
    return false;
  }
  // A template on the awaiting promise: the task inherits the awaiting task's map context.
  template <class Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> awaiting) noexcept {
    m_resume_awaiting.handle = awaiting;
    task_promise<T>& promise = m_frame.promise();
    promise.set_continuation(m_resume_awaiting);
    promise.inherit_link(link_source_of(awaiting));
    return worker::transfer(promise.start_job());
  }
  T await_resume() { return m_frame.promise().take_result(); }

private:
  std::coroutine_handle<task_promise<T>> m_frame;
  resume_job m_resume_awaiting;
};

} // namespace detail

/// A lazily started coroutine that produces a `T` (or nothing, for `task<void>`).
///
/// A task does nothing until it is awaited (`co_await std::move(t)` or `co_await make_task()`),
/// handed to `yt::sync_wait` or `yt::when_all`, or returned by the function a `yt::taskmap` calls.
/// Awaiting a task runs it on the awaiting worker by symmetric transfer, so long chains of awaits
/// do not grow the stack, and resumes the awaiter with its result. Only rvalues can be awaited,
/// which makes the single use explicit: `co_await t` on an lvalue does not compile. `T` may be a
/// move-only type, but not a reference (return a pointer or a `std::reference_wrapper`).
///
/// **Foreign awaitables.** A task may `co_await` any awaitable, not only tasks, maps and
/// `when_all`: a timer (`yt::sleep_for`), an I/O completion, another library's future. If the
/// awaitable suspends, its worker goes on with other work; when the awaitable resumes the task, on
/// whatever thread (a timer or I/O thread), the task is handed back to the executor it ran on as
/// a job (a `yt::thread_pool`'s injection queue, an inline run's calling thread) and continues
/// there, never on the foreign thread, so the pool's thread cap and its maps keep working. The
/// awaitable is given a handle of a small coroutine of yieldtasks' in place of the task's (one
/// frame from the frame cache per such await). Awaited outside any executor, it gets the task's
/// own handle.
///
/// **Exceptions.** An exception that escapes the coroutine body is stored and rethrown from the
/// `co_await` (or from `sync_wait`/`map`), as is one thrown by a foreign awaitable's
/// `await_suspend` or `await_resume`. Awaiting an empty (moved-from) task throws
/// `yt::usage_error`.
///
/// **Lifetime.** Move-only; destroying a task that was never started destroys its frame and the
/// arguments stored in it. Arguments a coroutine takes by reference must outlive the task: take
/// them by value unless they are guaranteed to (as elements of a range given to `taskmap` are).
///
/// **Thread safety.** A task may finish on a different worker thread than the one that started it.
///
/// **Example.**
/// ```cpp
/// yt::task<int> answer() { co_return 42; }
/// yt::task<int> twice() { co_return 2 * co_await answer(); }
/// ```
template <class T> class [[nodiscard]] task {
  static_assert(!std::is_reference_v<T>, "yt::task<T&> is not supported: return a pointer or a "
                                         "std::reference_wrapper");

public:
  using promise_type = detail::task_promise<T>;
  using value_type = T;

  task(task&& other) noexcept : m_frame(std::exchange(other.m_frame, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      destroy();
      m_frame = std::exchange(other.m_frame, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { destroy(); }

  /// Awaits the task: runs it and yields its result. Only rvalues can be awaited, which makes the
  /// single use explicit (`co_await std::move(t)`).
  detail::task_awaiter<T> operator co_await() && noexcept {
    return detail::task_awaiter<T>{m_frame};
  }

private:
  friend promise_type;
  friend detail::task_access;

  explicit task(std::coroutine_handle<promise_type> frame) noexcept : m_frame(frame) {}

  void destroy() noexcept {
    if (m_frame) {
      m_frame.destroy();
    }
  }

  std::coroutine_handle<promise_type> m_frame;
};

template <class T> task<T> detail::task_promise<T>::get_return_object() noexcept {
  const auto frame = std::coroutine_handle<task_promise<T>>::from_promise(*this);
  this->m_start.handle = frame;
  return task<T>{frame};
}

} // namespace yt
