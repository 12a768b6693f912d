#pragma once

#include <cstddef>
#include <functional>
#include <ranges>
#include <utility>

#include <yieldtasks/as_completed.hpp>
#include <yieldtasks/detail/executor/root_task.hpp>
#include <yieldtasks/detail/inline_queue.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/worker.hpp>
#include <yieldtasks/reduce.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt {

/// Runs tasks and maps on the calling thread, depth-first and in a deterministic order.
///
/// It offers the same `map`/`sync_wait` surface as `yt::thread_pool`, so code written against
/// `yt::executor` switches between serial and parallel execution by changing one line. Map items
/// start in input order; an item that awaits a nested map runs that map to completion before the
/// next item starts. Useful as the serial baseline of a benchmark, for debugging, and for
/// reproducing a parallel run's results exactly (any result that does not depend on timing is
/// bit-identical to the pool's).
///
/// **Foreign awaitables.** A task that awaits one (`yt::sleep_for`, another library's event)
/// suspends, and the run goes on with whatever else it can; once nothing else is left, the calling
/// thread waits until a foreign awaitable hands a task back, and runs it there.
///
/// **Exceptions.** As for `yt::taskmap`: the first exception is rethrown, later items are skipped.
///
/// **Thread safety.** Stateless: one executor may be used from several threads at once, and
/// inside a pool's task (it then runs the work on that worker, without blocking).
class inline_executor {
public:
  /// Runs `work` to completion on the calling thread and returns its result.
  template <class T> T sync_wait(task<T> work) const {
    detail::inline_queue from_outside;
    detail::worker self(nullptr, nullptr, from_outside, 1);
    const detail::worker::scope installed(self);
    detail::result_box<T> box;
    detail::inline_signal finished;
    detail::resume_job start(detail::make_root(std::move(work), box, finished).release());
    self.run(start);
    while (!finished.is_set()) {
      detail::job* next = self.pop();
      if (next == nullptr) {
        next = &from_outside.wait_and_take(); // only a foreign awaitable can resume a task now
      }
      self.run(*next);
    }
    return box.take();
  }

  /// Applies `fn` to every element of `range` in order on the calling thread; same results and
  /// exception rules as `co_await yt::taskmap(fn, range)`.
  template <class F, std::ranges::input_range Range>
  taskmap_result_t<F, Range> map(F&& fn, Range&& range) const {
    return sync_wait(detail::map_root(std::forward<F>(fn), std::forward<Range>(range)));
  }

  /// Maps `fn` over `range` on the calling thread, handing the results out through a
  /// `yt::blocking_completion_stream`: the counterpart of `thread_pool::as_completed`, with the
  /// same results, bound, stops and exception rules. Each `next()` runs the next item (in input
  /// order) and returns it, so the results come out in input order. At most `window` items
  /// (default: as `yt::as_completed`'s) are started and not taken, which matters only for items
  /// suspended on foreign awaitables. **Exceptions.** `yt::usage_error` if `window` is 0.
  /// **Lifetime.** A range passed as an lvalue must outlive the stream.
  template <class F, std::ranges::input_range Range>
  auto as_completed(F&& fn, Range&& range) const {
    return as_completed(std::forward<F>(fn), std::forward<Range>(range),
                        detail::default_stream_window());
  }

  /// `as_completed(fn, range)` with an explicit window.
  template <class F, std::ranges::input_range Range>
  auto as_completed(F&& fn, Range&& range, std::size_t window) const {
    using item_type = detail::stream_item_t<F, Range>;
    return detail::stream_access::make<blocking_completion_stream<item_type>>(detail::make_stream(
        std::forward<F>(fn), std::forward<Range>(range), window, nullptr, nullptr, true));
  }

  /// Reduces `range` on the calling thread; same result (bit-identical to a pool's) and exception
  /// rules as `co_await yt::reduce(range, init, op)`.
  template <std::ranges::input_range Range, class T, class Op>
  T reduce(Range&& range, T init, Op&& op) const {
    return transform_reduce(std::forward<Range>(range), std::move(init), std::forward<Op>(op),
                            std::identity{});
  }

  /// The inline counterpart of `co_await yt::transform_reduce(range, init, reduce_op,
  /// transform)`, as `reduce`.
  template <std::ranges::input_range Range, class T, class Op, class Transform>
  T transform_reduce(Range&& range, T init, Op&& reduce_op, Transform&& transform) const {
    return sync_wait(detail::reduce_root(std::forward<Range>(range), std::move(init),
                                         std::forward<Op>(reduce_op),
                                         std::forward<Transform>(transform)));
  }
};

} // namespace yt
