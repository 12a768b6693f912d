#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
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
    entry_from_outside from_outside;
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

private:
  // Where foreign awaitables hand tasks back to the run, from their own threads.
  class entry_from_outside final : public detail::injector {
  public:
    // Notifying under the mutex: the run may end, destroying this, as soon as it takes the job,
    // which it can only do once the mutex is released.
    void inject(detail::job& work) override {
      const std::lock_guard lock(m_mutex);
      m_jobs.push_back(&work);
      m_ready.notify_one();
    }

    detail::job* try_take() override {
      const std::lock_guard lock(m_mutex);
      if (m_jobs.empty()) {
        return nullptr;
      }
      detail::job* work = m_jobs.front();
      m_jobs.pop_front();
      return work;
    }

    detail::job& wait_and_take() {
      std::unique_lock lock(m_mutex);
      m_ready.wait(lock, [this] { return !m_jobs.empty(); });
      detail::job* work = m_jobs.front();
      m_jobs.pop_front();
      return *work;
    }

  private:
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<detail::job*> m_jobs;
  };
};

} // namespace yt
