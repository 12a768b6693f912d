#pragma once

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include <yieldtasks/detail/frame_allocator.hpp>
#include <yieldtasks/detail/injector.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/worker.hpp>

namespace yt::detail {

// Base of the awaitables yieldtasks drives itself (maps, when_all), which a yt::task awaits as they
// are; tasks are recognised by type. Anything else is foreign (foreign_awaiter below).
struct native_awaitable {};

template <class A>
concept has_member_co_await = requires(A&& a) { std::forward<A>(a).operator co_await(); };
template <class A>
concept has_free_co_await = requires(A&& a) { operator co_await(std::forward<A>(a)); };

// The awaiter `co_await a` would use.
template <class A> decltype(auto) awaiter_of(A&& a) {
  if constexpr (has_member_co_await<A>) {
    return std::forward<A>(a).operator co_await();
  } else if constexpr (has_free_co_await<A>) {
    return operator co_await(std::forward<A>(a));
  } else {
    return std::forward<A>(a);
  }
}

// The awaiter `co_await a` would use, held for a task's await_transform: a pointer to `a` when it
// is its own awaiter (it lives until the co_await ends, as the full-expression's temporary or as
// the awaited lvalue, and need not be movable: maps are not), else the awaiter its
// operator co_await returns. `A` is a reference for an lvalue.
template <class A> class awaiter_ref {
  using object_type = std::remove_reference_t<A>;
  static constexpr bool is_own_awaiter = !has_member_co_await<A> && !has_free_co_await<A>;
  using stored_type =
      std::conditional_t<is_own_awaiter, object_type*,
                         std::remove_cvref_t<decltype(awaiter_of(std::declval<A&&>()))>>;

public:
  explicit awaiter_ref(object_type& awaitable) : m_awaiter(get(awaitable)) {}

  auto& operator*() {
    if constexpr (is_own_awaiter) {
      return *m_awaiter;
    } else {
      return m_awaiter;
    }
  }

private:
  static stored_type get(object_type& awaitable) {
    if constexpr (is_own_awaiter) {
      return std::addressof(awaitable);
    } else {
      return awaiter_of(static_cast<A&&>(awaitable));
    }
  }

  stored_type m_awaiter;
};

// A yieldtasks awaitable as a task's await_transform passes it on: `co_await a` applied to `a` in
// place, with its value category (an rvalue task is awaitable, an lvalue one is not). Returned by
// reference instead, the awaitable would be copied into the frame by g++ 12. The forwarders are
// always inline: a forwarder g++ outlines costs a call and lets it outline what it forwards to.
template <class A> class native_awaiter {
public:
  explicit native_awaiter(std::remove_reference_t<A>& awaitable) : m_awaiter(awaitable) {}

  [[nodiscard, gnu::always_inline]] decltype(auto) await_ready() {
    return (*m_awaiter).await_ready();
  }
  template <class Handle> [[gnu::always_inline]] decltype(auto) await_suspend(Handle awaiting) {
    return (*m_awaiter).await_suspend(awaiting);
  }
  [[gnu::always_inline]] decltype(auto) await_resume() { return (*m_awaiter).await_resume(); }

private:
  awaiter_ref<A> m_awaiter;
};

// The handle a foreign awaitable is given to resume: a coroutine of its own that, resumed on
// whatever thread, suspends at its end and hands the awaiting task to its executor as a job, so
// the task goes on among the executor's workers, never on the foreign thread.
class resume_trampoline {
public:
  class promise_type {
  public:
    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* frame, std::size_t size) noexcept {
      deallocate_frame(frame, size);
    }

    resume_trampoline get_return_object() noexcept {
      return resume_trampoline{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    auto final_suspend() const noexcept {
      struct hand_back {
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        // Suspended by now, so the task may destroy this frame as soon as the job is visible:
        // the inject is the last access.
        void await_suspend(std::coroutine_handle<promise_type> self) const noexcept {
          const promise_type& promise = self.promise();
          promise.m_target->inject(*promise.m_task);
        }
        void await_resume() const noexcept {}
      };
      return hand_back{};
    }
    void return_void() const noexcept {}
    void unhandled_exception() const noexcept { std::terminate(); }

  private:
    friend resume_trampoline;
    injector* m_target = nullptr;
    resume_job* m_task = nullptr;
  };

  resume_trampoline() noexcept = default;
  resume_trampoline(resume_trampoline&& other) noexcept
      : m_frame(std::exchange(other.m_frame, {})) {}
  resume_trampoline& operator=(resume_trampoline&& other) noexcept {
    std::swap(m_frame, other.m_frame);
    return *this;
  }
  resume_trampoline(const resume_trampoline&) = delete;
  resume_trampoline& operator=(const resume_trampoline&) = delete;
  // Not resumed, or suspended at its end: either way destroyable.
  ~resume_trampoline() {
    if (m_frame) {
      m_frame.destroy();
    }
  }

  // Aims the trampoline at `task`, to be injected into `target`.
  std::coroutine_handle<> aim(injector& target, resume_job& task) noexcept {
    m_frame.promise().m_target = &target;
    m_frame.promise().m_task = &task;
    return m_frame;
  }

  static resume_trampoline make() { co_return; }

private:
  explicit resume_trampoline(std::coroutine_handle<promise_type> frame) noexcept : m_frame(frame) {}
  std::coroutine_handle<promise_type> m_frame;
};

// What a yt::task's co_await of an awaitable yieldtasks does not drive becomes: the awaitable is
// awaited as usual, but with a trampoline in place of the task's handle, so that its completion,
// on any thread, puts the task back on the executor it was running on. Outside any executor the
// task's own handle is passed through.
template <class A> class foreign_awaiter {
public:
  explicit foreign_awaiter(std::remove_reference_t<A>& awaitable) : m_awaiter(awaitable) {}

  [[nodiscard]] bool await_ready() { return (*m_awaiter).await_ready(); }

  // Nothing of this object may be touched once the foreign awaitable has the trampoline: it may
  // resume the task on another thread, which may finish and destroy this frame before the call
  // returns.
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> task) {
    worker* self = worker::current();
    if (self == nullptr) {
      return suspend_on(task, task);
    }
    // The awaitable may resume the task, and its map end, elsewhere before this thread is back
    // in its loop (worker_position.hpp).
    self->position().clear();
    m_task.handle = task;
    m_trampoline = resume_trampoline::make();
    const std::coroutine_handle<> trampoline = m_trampoline.aim(self->from_outside(), m_task);
    m_task.armed();
    return suspend_on(trampoline, task);
  }

  decltype(auto) await_resume() { return (*m_awaiter).await_resume(); }

private:
  // The awaitable's await_suspend given `resumer`, in whichever of its three forms it has, as the
  // handle to transfer to: `task` again if it declined to suspend (the trampoline never runs).
  std::coroutine_handle<> suspend_on(std::coroutine_handle<> resumer,
                                     std::coroutine_handle<> task) {
    using result = decltype((*m_awaiter).await_suspend(resumer));
    if constexpr (std::is_void_v<result>) {
      (*m_awaiter).await_suspend(resumer);
      return std::noop_coroutine();
    } else if constexpr (std::same_as<result, bool>) {
      return (*m_awaiter).await_suspend(resumer) ? std::noop_coroutine() : task;
    } else {
      return (*m_awaiter).await_suspend(resumer);
    }
  }

  awaiter_ref<A> m_awaiter;
  resume_job m_task;
  resume_trampoline m_trampoline;
};

} // namespace yt::detail
