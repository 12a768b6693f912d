#pragma once

#include <coroutine>

namespace yt::detail {

class worker;

// A unit of work in a deque: a function pointer and whatever the derived type carries. Jobs are
// embedded in objects that already exist (an awaitable in a suspended coroutine frame, a promise),
// so scheduling one allocates nothing.
struct job {
  using run_fn = void (*)(job& self, worker& runner) noexcept;
  run_fn run;
};

// Resumes one coroutine; lets a resumption go through a deque instead of the call stack.
struct resume_job : job {
  resume_job() noexcept : job{&resume_job::resume} {}
  std::coroutine_handle<> handle;

private:
  static void resume(job& self, worker& /*runner*/) noexcept {
    static_cast<resume_job&>(self).handle.resume();
  }
};

} // namespace yt::detail
