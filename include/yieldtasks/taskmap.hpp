#pragma once

#include <ranges>
#include <stop_token>
#include <utility>

#include <yieldtasks/detail/indexed_range.hpp>
#include <yieldtasks/detail/taskmap_awaitable.hpp>

namespace yt {

/// Applies `fn` to every element of `range` in parallel; `co_await` it inside a `yt::task`.
///
/// `fn` may return a value (run as a plain call) or a `yt::task<R>` (run as a coroutine that may
/// itself await nested maps, to any depth). Awaiting yields `std::vector<R>` with the results **in
/// input order**, or nothing when `R` is `void`. If `fn` also accepts a `yt::stop_source` as its
/// second argument, the map is cancellable and yields `std::vector<std::optional<R>>`, with
/// `std::nullopt` for items skipped after a stop request; if `fn` accepts both forms, the one with
/// the `stop_source` is used. `fn` may take a `std::stop_token` instead, to poll only: the map is
/// then cancellable in the same way, its items' tokens reporting the map's stop (each item gets
/// a copy, one atomic increment). A stop of a map reaches the maps nested below its items, to any
/// depth (see `yt::stop_source`); a map that is not cancellable and is stopped that way, or
/// through the `std::stop_token` of the three-argument `taskmap`, before all its items started
/// throws `yt::operation_cancelled`. `R` may be move-only, `bool`, or lack a default constructor.
/// An empty range yields an empty vector without suspending.
///
/// **Fixed-size ranges.** Over a range whose size `N` is part of its type (`std::array<T, N>`,
/// `T[N]`, `std::span<T, N>`, or a view of one), the results come in a `std::array<R, N>` (or
/// `std::array<std::optional<R>, N>`) instead of a vector: nothing is allocated for them, and
/// `auto [a, b] = co_await yt::taskmap(fn, pair);` binds them.
///
/// The awaiting task **suspends**: its worker thread goes on with the items (and any other work),
/// other workers steal items, and the task resumes, on whichever worker finishes the last item.
/// No thread ever blocks waiting for the items, so nested maps use the same workers.
///
/// **Ordering.** On a `yt::thread_pool`, items start and finish in no particular order. On a
/// `yt::inline_executor`, items start in input order, and an item that awaits a nested map runs
/// that map to completion before the next item starts.
/// A stop is checked before each item of a cancellable map, but only between the batches of a
/// non-cancellable map of plain items (cheap items run in check-free loops of a few microseconds).
///
/// **Exceptions.** If items throw, the first exception (first in time; on a `yt::inline_executor`,
/// the lowest failing index) is rethrown from the `co_await` once every item that had started has
/// finished; items that had not started are skipped, and the other exceptions are dropped. An
/// exception `fn` throws instead of returning its task counts as that item's, and so does a
/// `yt::usage_error` for an empty task. The map may be stored and awaited later, but only once: a
/// second `co_await` throws `yt::usage_error`, as does awaiting a non-empty map in a coroutine
/// that no yieldtasks executor runs.
///
/// **Lifetime.** An lvalue range is referenced and must outlive the `co_await`; an rvalue range
/// (a temporary container, a view) is moved into the awaitable and lives until the `co_await`
/// ends. `fn` is referenced if an lvalue, otherwise moved in. Items receive references to the
/// elements (for ranges that yield references), valid until the map completes. A single-pass
/// input range (such as `std::views::istream`) is read into a vector of values when `taskmap` is
/// called, and items receive references into that vector. g++ 12 rejects a braced temporary
/// inside `co_await` ("array used as initializer"): name the container first.
///
/// **Thread safety.** `fn` is called concurrently from several workers, on the same object (it is
/// not copied per item) and through a non-const access path: its call operator must be safe to
/// call concurrently.
///
/// **Tracing.** `yt::taskmap(fn, range).named("multistarts")` names the map's spans in a
/// `yt::trace_recorder`'s trace (unnamed maps are "taskmap"); the name is not copied and must
/// outlive the recorder's output (a string literal does). `named` returns a reference to the map
/// to `co_await` in the same expression (or, on a map stored in a variable, `co_await
/// std::move(map).named("x")`); the result of `named` on a temporary must not be stored. The name
/// also labels the map in `thread_pool::dump`, which may read it while the pool lives.
///
/// **Complexity.** Plain items: O(log N) deque operations when no worker steals, one per steal
/// otherwise; besides the result vector (none over a fixed-size range), each split allocates a
/// small job from a per-thread cache. Coroutine items: one deque push and one frame (recycled per
/// thread) per item. Ranges that are not random-access are first indexed in one pass.
///
/// **Example.**
/// ```cpp
/// yt::task<double> total(std::vector<int> xs) {
///   std::vector<double> halves = co_await yt::taskmap([](int x) { return x * 0.5; }, xs);
///   co_return std::reduce(halves.begin(), halves.end());
/// }
/// ```
template <class F, std::ranges::input_range Range>
  requires detail::taskmap_function<
      F, typename detail::indexed_range<std::views::all_t<Range>>::reference>
[[nodiscard]] auto taskmap(F&& fn, Range&& range) {
  return detail::taskmap_awaitable<F, std::views::all_t<Range>>(
      std::forward<F>(fn), std::views::all(std::forward<Range>(range)));
}

/// `taskmap(fn, range)` that a `std::stop_token` can stop from outside: a stop requested through
/// `token` (from any thread, at any time before the map finishes) skips the map's unstarted items
/// and reaches the maps nested below its items, as a `yt::stop_source` stop does.
///
/// A cancellable map (`fn` takes a `yt::stop_source` or a `std::stop_token`) yields its
/// `std::nullopt`s for the skipped items; any other map cannot leave holes in its
/// `std::vector<R>`, so if items were skipped its `co_await` throws `yt::operation_cancelled`
/// (a map whose items had all started when the stop came returns its results). A token whose
/// `stop_possible()` is false changes nothing.
///
/// A third argument rather than a modifier on the awaitable (`taskmap(fn, range).with(token)`):
/// a modifier would have to return the awaitable by reference, which cannot be copied or moved
/// (its range's iterators point into it), and g++ 12 copies a `co_await` operand that is not a
/// prvalue.
///
/// **Complexity.** One `std::stop_callback` registered on `token` per map (an allocation and a
/// lock in the token's state), removed when the map finishes; nothing per item.
///
/// **Example.**
/// ```cpp
/// yt::task<std::vector<int>> squares(std::vector<int> xs, std::stop_token token) {
///   co_return co_await yt::taskmap([](int x) { return x * x; }, xs, std::move(token));
/// }  // throws yt::operation_cancelled if `token` stopped it before every item started
/// ```
template <class F, std::ranges::input_range Range>
  requires detail::taskmap_function<
      F, typename detail::indexed_range<std::views::all_t<Range>>::reference>
[[nodiscard]] auto taskmap(F&& fn, Range&& range, std::stop_token token) {
  return detail::taskmap_awaitable<F, std::views::all_t<Range>>(
      std::forward<F>(fn), std::views::all(std::forward<Range>(range)), std::move(token));
}

/// The type `co_await yt::taskmap(fn, range)` yields.
template <class F, class Range>
using taskmap_result_t =
    typename detail::taskmap_awaitable<F, std::views::all_t<Range>>::result_type;

} // namespace yt
