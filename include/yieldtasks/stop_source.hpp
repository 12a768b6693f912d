#pragma once

#include <yieldtasks/detail/map_context.hpp>

namespace yt {

namespace detail {
template <class F, class View> class taskmap_awaitable;
template <class F, class View> class stream_items;
} // namespace detail

/// Lets the items of one `taskmap` stop that map, and every map nested below its items.
///
/// A `taskmap` passes a `stop_source` as the second argument to every item when its function
/// accepts one (`f(element, yt::stop_source)`); the result is then `std::vector<std::optional<R>>`,
/// with `std::nullopt` for each skipped item. Typical use: the first optimizer start that succeeds
/// stops the rest, and long-running items poll `stop_requested()` to return early. (A function
/// may take a `std::stop_token` instead, with the same result type: see `taskmap`.)
///
/// **Ordering.** Items check the flag just before they start: an item that starts after the
/// request has become visible to its worker is skipped. The flag is a relaxed atomic, so an item
/// starting at the same moment on another worker may still run; items already running finish
/// normally (unless they poll). The stop also reaches every map running inside the map's items
/// (nested maps, maps of tasks they await, to any depth), and maps those items start later: their
/// unstarted items are skipped too. An exception thrown by an item requests a stop too.
///
/// **Thread safety.** All members may be called concurrently from any item.
///
/// **Complexity.** `stop_requested()` is one relaxed load; the first `request_stop()` of a map
/// takes a lock per map running below it, later ones one atomic exchange.
///
/// **Lifetime.** Valid while the map it came from runs; do not keep it beyond the item's return.
class stop_source {
public:
  /// Skips every item of the map, and of the maps nested below its items, that has not started.
  void request_stop() const noexcept { m_context->request_stop(); }

  /// Whether a stop was requested (by an item, an item's exception, an enclosing map's stop, or
  /// the map's `std::stop_token`).
  [[nodiscard]] bool stop_requested() const noexcept { return m_context->stop_requested(); }

private:
  template <class F, class View> friend class detail::taskmap_awaitable;
  template <class F, class View> friend class detail::stream_items;
  explicit stop_source(detail::map_context& context) noexcept : m_context(&context) {}

  detail::map_context* m_context;
};

} // namespace yt
