#pragma once

#include <stdexcept>

namespace yt {

/// Thrown when the library is used in a way that would deadlock or cannot work.
///
/// The cases: a blocking entry (`thread_pool::map`, `thread_pool::sync_wait`, `yt::sync_wait` on a
/// pool) called from one of a pool's worker threads, where blocking would starve the pool (await
/// the work with `co_await` instead); awaiting an empty (moved-from) task; and a task that suspends
/// on an awaitable yieldtasks does not drive, so that an executor has nothing left to run.
class usage_error : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

} // namespace yt
