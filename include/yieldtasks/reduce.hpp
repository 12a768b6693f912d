#pragma once

#include <functional>
#include <ranges>
#include <type_traits>
#include <utility>

#include <yieldtasks/detail/indexed_range.hpp>
#include <yieldtasks/detail/reduce_awaitable.hpp>

namespace yt {

/// Combines `transform(x)` for every element `x` of `range` with `op`, in parallel, starting from
/// `init`; `co_await` it inside a `yt::task`, which yields a `T`.
///
/// `op` must be associative (not necessarily commutative): the result is that of one fixed
/// bracketing of `init op t(x0) op t(x1) op ... op t(xN-1)`, elements kept in input order, which
/// depends only on the number of elements N, **not on the executor or its number of threads**: a
/// `double` sum is bit-identical on a `yt::inline_executor` and on a pool of any size, run after
/// run. The bracketing: the elements are cut into K leaves (K the largest power of two no greater
/// than N or 4096), the first N mod K leaves one element longer than the others; each leaf is
/// folded left to right from its first element, `op(op(t(x0), t(x1)), t(x2))...`; the leaves are
/// combined by the perfect binary tree over them, each node `op(left, right)`; and the result is
/// `op(init, tree)`. So `init` is used exactly once, and an `op` that is not associative still
/// gives a deterministic result, that of this tree. `T` is made from each transformed element
/// (`T(transform(x))`) and must be movable; `op` is called with two `T` rvalues and returns
/// something convertible to `T`, so move-only `T` work. An empty range yields `init` without
/// suspending.
///
/// Only plain calls: `op` and `transform` may not be coroutines (returning a `yt::task` does not
/// compile). The leaves run with the same lazy splitting as a `yt::taskmap`'s plain items, one
/// leaf being one item, and no result vector is made; the awaiting task suspends and resumes as
/// for a map. Inside an `yt::mpi_cluster`'s root task a reduction runs on rank 0's pool: it is
/// never distributed.
///
/// **Exceptions.** The first exception thrown by `op` or `transform` (first in time) is rethrown
/// from the `co_await` once the leaves that had started have finished; the leaves not started are
/// skipped and later exceptions dropped. A second `co_await` of the same reduction, or awaiting a
/// non-empty one in a coroutine that no yieldtasks executor runs, throws `yt::usage_error`.
///
/// **Lifetime.** As for `yt::taskmap`: an lvalue range is referenced and must outlive the
/// `co_await`, an rvalue range is moved in; `op` and `transform` are referenced if lvalues,
/// otherwise moved in; `init` is moved in. A single-pass input range is first read into a vector.
///
/// **Thread safety.** `op` and `transform` are called concurrently from several workers, on the
/// same objects: their call operators must be safe to call concurrently.
///
/// **Complexity.** N calls of `transform` and N calls of `op` (N - K in the leaves, K - 1 in the
/// tree, one with `init`); the tree's combinations run on whichever worker completes a node's
/// second child, so they run in parallel too. O(log N) deque operations when no worker steals;
/// once a split is stolen, one allocation of 2K slots of `std::optional<T>` and K counters.
/// The leaves' bookkeeping did not show on sums of 10^5 to 10^8 doubles; there the leaves, being
/// independent chains of additions, ran faster than one loop (docs/benchmarks.md).
///
/// **Example.**
/// ```cpp
/// yt::thread_pool pool;
/// const double sum = pool.reduce(xs, 0.0, std::plus<>{}); // the same bits on any executor
/// ```
/// and awaited in a task, `yt::transform_reduce`'s example (both from examples/basics/reduce.cpp).
template <std::ranges::input_range Range, class T, class Op>
  requires detail::reduction<T, Op, std::identity,
                             typename detail::indexed_range<std::views::all_t<Range>>::reference>
[[nodiscard]] auto reduce(Range&& range, T init, Op&& op) {
  return detail::reduce_awaitable<T, Op, std::identity, std::views::all_t<Range>>(
      std::views::all(std::forward<Range>(range)), std::move(init), std::forward<Op>(op),
      std::identity{});
}

/// `yt::reduce` of `transform(x)` for every element `x` of `range`: combines them with
/// `reduce_op`, starting from `init`, with the same bracketing, determinism, exceptions and
/// lifetimes; `co_await` it inside a `yt::task`. Calls `transform` exactly once per element.
///
/// **Example.**
/// ```cpp
/// yt::task<double> norm(std::vector<double> xs) {
///   const double squares =
///       co_await yt::transform_reduce(xs, 0.0, std::plus<>{}, [](double x) { return x * x; });
///   co_return std::sqrt(squares);
/// }
/// ```
template <std::ranges::input_range Range, class T, class Op, class Transform>
  requires detail::reduction<T, Op, Transform,
                             typename detail::indexed_range<std::views::all_t<Range>>::reference>
[[nodiscard]] auto transform_reduce(Range&& range, T init, Op&& reduce_op, Transform&& transform) {
  return detail::reduce_awaitable<T, Op, Transform, std::views::all_t<Range>>(
      std::views::all(std::forward<Range>(range)), std::move(init), std::forward<Op>(reduce_op),
      std::forward<Transform>(transform));
}

} // namespace yt
