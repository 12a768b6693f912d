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
//
// Most resume jobs are only ever transferred to directly and never pushed, so the default
// constructor leaves `run` unset (one store less per task and per join): whoever pushes one calls
// armed() first.
struct resume_job : job {
  resume_job() noexcept = default;
  explicit resume_job(std::coroutine_handle<> to_resume) noexcept
      : job{&resume_job::resume}, handle(to_resume) {}

  job& armed() noexcept {
    run = &resume_job::resume;
    return *this;
  }

  // Whether `j` is a resume job (the pool counts them as tasks resumed).
  [[nodiscard]] static bool is_resume(const job& j) noexcept {
    return j.run == &resume_job::resume;
  }

  std::coroutine_handle<> handle;

private:
  static void resume(job& self, worker& /*runner*/) noexcept {
    static_cast<resume_job&>(self).handle.resume();
  }
};

} // namespace yt::detail
