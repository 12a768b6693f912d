#pragma once

#include <atomic>

namespace yt {

namespace detail {
template <class F, class View> class taskmap_awaitable;
}

/// Lets the items of one `taskmap` stop the items of that map that have not started yet.
///
/// A `taskmap` passes a `stop_source` as the second argument to every item when its function
/// accepts one (`f(element, yt::stop_source)`); the result is then `std::vector<std::optional<R>>`,
/// with `std::nullopt` for each skipped item. Typical use: the first optimizer start that succeeds
/// stops the rest, and long-running items poll `stop_requested()` to return early.
///
/// **Ordering.** Items check the flag just before they start: an item that starts after the
/// request has become visible to its worker is skipped. The flag is a relaxed atomic, so an item
/// starting at the same moment on another worker may still run; items already running finish
/// normally (unless they poll). An exception thrown by an item requests a stop too.
///
/// **Thread safety.** All members may be called concurrently from any item.
///
/// **Lifetime.** Valid while the map it came from runs; do not keep it beyond the item's return.
class stop_source {
public:
  /// Skips every item of the map that has not started yet.
  void request_stop() const noexcept { m_flag->store(true, std::memory_order_relaxed); }

  /// Whether a stop was requested (by an item, or by an item's exception).
  [[nodiscard]] bool stop_requested() const noexcept {
    return m_flag->load(std::memory_order_relaxed);
  }

private:
  template <class F, class View> friend class detail::taskmap_awaitable;
  explicit stop_source(std::atomic<bool>& flag) noexcept : m_flag(&flag) {}

  std::atomic<bool>* m_flag;
};

} // namespace yt
