#pragma once

#include <stdexcept>

namespace yt {

/// Thrown when the library is used in a way that would deadlock or cannot work.
///
/// The cases: a blocking entry (`thread_pool::map`, `thread_pool::sync_wait`, `yt::sync_wait` on a
/// pool) called on any pool's worker thread, even inside an `inline_executor` running there, where
/// blocking could starve the pool (await the work with `co_await` instead), or called once the
/// pool's destructor has begun; awaiting an empty (moved-from) task, passing one to `when_all` or
/// returning one from a mapped function; awaiting the same `taskmap` or `when_all` twice; awaiting
/// a `taskmap` or `when_all` outside an executor; and, on an `inline_executor`, a task that
/// suspends on an awaitable yieldtasks does not drive (a thread_pool cannot detect that case and
/// waits for a resumption that never comes).
class usage_error : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

} // namespace yt
