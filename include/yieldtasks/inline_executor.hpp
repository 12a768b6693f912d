#pragma once

#include <functional>
#include <ranges>
#include <utility>

#include <yieldtasks/detail/executor/root_task.hpp>
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
/// **Exceptions.** As for `yt::taskmap`: the first exception is rethrown, later items are skipped.
/// `yt::usage_error` if a task suspends on an awaitable that yieldtasks does not drive.
///
/// **Thread safety.** Stateless: one executor may be used from several threads at once, and
/// inside a pool's task (it then runs the work on that worker, without blocking).
class inline_executor {
public:
  /// Runs `work` to completion on the calling thread and returns its result.
  template <class T> T sync_wait(task<T> work) const {
    detail::worker self(nullptr, nullptr, 1);
    const detail::worker::scope installed(self);
    detail::result_box<T> box;
    detail::inline_signal finished;
    detail::resume_job start(detail::make_root(std::move(work), box, finished).release());
    self.run(start);
    while (!finished.is_set()) {
      detail::job* next = self.pop();
      if (next == nullptr) {
        throw usage_error("yt::inline_executor: a task suspended on an awaitable that yieldtasks "
                          "does not drive, so nothing is left to run");
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
