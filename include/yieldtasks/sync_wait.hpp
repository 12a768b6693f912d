#pragma once

#include <utility>

#include <yieldtasks/executor.hpp>
#include <yieldtasks/task.hpp>

namespace yt {

/// Runs `work` on `executor` and blocks until it finishes; returns its result or rethrows its
/// exception. Same as `executor.sync_wait(std::move(work))`.
///
/// **Exceptions.** Whatever the task throws; `yt::usage_error` when `executor` is a pool and the
/// caller is a worker thread of any pool.
///
/// **Example.**
/// ```cpp
/// yt::thread_pool pool;
/// int answer = yt::sync_wait(pool, compute());
/// ```
template <executor Executor, class T> T sync_wait(Executor& executor, task<T> work) {
  return executor.sync_wait(std::move(work));
}

} // namespace yt
