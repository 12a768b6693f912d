#pragma once

#include <concepts>
#include <vector>

#include <yieldtasks/task.hpp>

namespace yt {

/// What every yieldtasks backend provides: a blocking `sync_wait(task<T>)` and a blocking
/// `map(fn, range)` with `yt::taskmap`'s results and rules. `yt::thread_pool`,
/// `yt::inline_executor` and `yt::mpi_cluster` model it; write code against the concept and the
/// backend is one line.
///
/// **Example.**
/// ```cpp
/// template <yt::executor Executor>
/// std::vector<double> run_all(Executor& executor, const std::vector<int>& inputs) {
///   return executor.map(evaluate, inputs);
/// }
/// ```
template <class Executor>
concept executor =
    requires(Executor& executor, task<int> work, int (*fn)(int), const std::vector<int>& inputs) {
      { executor.sync_wait(std::move(work)) } -> std::same_as<int>;
      { executor.map(fn, inputs) } -> std::same_as<std::vector<int>>;
    };

} // namespace yt
