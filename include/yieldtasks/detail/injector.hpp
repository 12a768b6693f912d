#pragma once

#include <yieldtasks/detail/job.hpp>

namespace yt::detail {

// Where a job started from outside an executor's threads goes: a thread_pool's injection queue,
// or the queue an inline run waits on. Used to hand a task that a foreign awaitable resumed (on a
// timer or I/O thread) back to the executor that ran it.
class injector {
public:
  // Callable from any thread. The call's return is its last access to the executor, which the
  // injected job may already have finished with.
  virtual void inject(job& work) = 0;

  // Takes the oldest injected job not taken yet, or null; called by a thread of the executor that
  // waits for work which may be queued here and which no other thread may be free to run (a
  // stream's destructor on a one-worker pool or an inline run, completion_stream.hpp).
  virtual job* try_take() = 0;

protected:
  injector() = default;
  injector(const injector&) = default;
  injector& operator=(const injector&) = default;
  ~injector() = default;
};

} // namespace yt::detail
