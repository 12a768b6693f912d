#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <yieldtasks/config.hpp>

// A Chase-Lev work-stealing deque (Chase & Lev, SPAA 2005; memory orders after Lê, Pop, Cohen and
// Zappa Nardelli, PPoPP 2013).
//
// Protocol: one owner thread calls push() and pop() at the bottom end; any thread calls steal()
// at the top end. `m_top` only grows (thieves and the owner's last-item pop advance it with a CAS);
// `m_bottom` is written by the owner alone. Items live in a circular array indexed modulo its
// capacity; slot i is valid while top <= i < bottom.
//
// Growth: only the owner grows the array, copying the live slots into one twice the size and
// publishing it with a release store. A thief may still read the old array: the copy leaves the
// values it could read unchanged, and the old arrays are kept until the deque dies, so those reads
// stay valid (memory is bounded by twice the largest capacity).
//
// The paper's standalone fences are expressed as seq_cst operations on `m_top` and `m_bottom`
// instead: ThreadSanitizer does not model fences, and on x86-64 the code is the same (the seq_cst
// store in pop() is the one full barrier either way).
namespace yt::detail {

template <class T>
  requires std::is_trivially_copyable_v<T> && std::atomic<T>::is_always_lock_free
class chase_lev_deque {
public:
  explicit chase_lev_deque(std::size_t capacity = YT_DEQUE_INITIAL_CAPACITY) {
    m_rings.push_back(std::make_unique<ring>(round_up_to_power_of_two(capacity)));
    m_array.store(m_rings.back().get(), std::memory_order_relaxed);
  }

  chase_lev_deque(const chase_lev_deque&) = delete;
  chase_lev_deque& operator=(const chase_lev_deque&) = delete;
  ~chase_lev_deque() = default;

  /// Owner only. Pushes at the bottom, publishing the item with a release store, as in the paper,
  /// or with a seq_cst one where the caller's next load must not be ordered before it by other
  /// means (the pool's wake-up check without asymmetric fences: sleeper_list.hpp).
  ///
  /// The order is a template argument because g++ compiles an atomic store whose order is a
  /// run-time value as seq_cst (an `xchg`) wherever the call is not inlined.
  template <std::memory_order Publish = std::memory_order_release>
  [[gnu::always_inline]] void push(T item) {
    const std::int64_t bottom = m_bottom.load(std::memory_order_relaxed);
    // Acquire: a slot is reused only after the thief that advanced top past it has read it.
    const std::int64_t top = m_top.load(std::memory_order_acquire);
    ring* array = m_array.load(std::memory_order_relaxed);
    if (bottom - top > static_cast<std::int64_t>(array->mask)) {
      array = grow(array, top, bottom);
    }
    array->store(bottom, item);
    m_bottom.store(bottom + 1, Publish);
  }

  /// Owner only. Pops the most recently pushed item (LIFO), or returns `empty_value`.
  T pop(T empty_value) {
    const std::int64_t bottom = m_bottom.load(std::memory_order_relaxed) - 1;
    ring* array = m_array.load(std::memory_order_relaxed);
    // seq_cst store then seq_cst load: the reservation of slot `bottom` must be visible to thieves
    // before we read top, or a thief and the owner could both take the last item.
    m_bottom.store(bottom, std::memory_order_seq_cst);
    std::int64_t top = m_top.load(std::memory_order_seq_cst);
    if (top > bottom) { // was empty
      m_bottom.store(bottom + 1, std::memory_order_relaxed);
      return empty_value;
    }
    T item = array->load(bottom);
    if (top == bottom) { // last item: race the thieves for it
      if (!m_top.compare_exchange_strong(top, top + 1, std::memory_order_seq_cst,
                                         std::memory_order_relaxed)) {
        item = empty_value;
      }
      m_bottom.store(bottom + 1, std::memory_order_relaxed);
    }
    return item;
  }

  /// Any thread. Takes the oldest item (FIFO), or returns `empty_value` if the deque looked empty
  /// or another thread won the race for the item.
  T steal(T empty_value) {
    std::int64_t top = m_top.load(std::memory_order_seq_cst);
    // Synchronizes with the owner's seq_cst store in push(): the item's slot and the object it
    // points to are visible once bottom is.
    const std::int64_t bottom = m_bottom.load(std::memory_order_seq_cst);
    if (top >= bottom) {
      return empty_value;
    }
    // Acquire: pairs with the release store in grow(), so the new array's contents are visible.
    ring* array = m_array.load(std::memory_order_acquire);
    T item = array->load(top);
    if (!m_top.compare_exchange_strong(top, top + 1, std::memory_order_seq_cst,
                                       std::memory_order_relaxed)) {
      return empty_value;
    }
    return item;
  }

  /// Any thread. Whether a steal could find an item now, with the seq_cst loads of steal() and
  /// without taking one: the re-check of a thread about to sleep (see sleeper_list.hpp).
  [[nodiscard]] bool may_steal() const noexcept {
    const std::int64_t top = m_top.load(std::memory_order_seq_cst);
    return top < m_bottom.load(std::memory_order_seq_cst);
  }

  /// Owner only. Pops the newest item if it is `item`; false if it is another one, the deque is
  /// empty, or a thief takes `item` first. pop() with the comparison done before the barrier.
  bool pop_if(T item) {
    const std::int64_t bottom = m_bottom.load(std::memory_order_relaxed) - 1;
    ring* array = m_array.load(std::memory_order_relaxed);
    if (bottom < m_top.load(std::memory_order_relaxed) || array->load(bottom) != item) {
      return false;
    }
    m_bottom.store(bottom, std::memory_order_seq_cst);
    std::int64_t top = m_top.load(std::memory_order_seq_cst);
    if (top < bottom) {
      return true;
    }
    // Last item (or a thief took it since the relaxed look): race the thieves as pop() does.
    const bool won =
        top == bottom && m_top.compare_exchange_strong(top, top + 1, std::memory_order_seq_cst,
                                                       std::memory_order_relaxed);
    m_bottom.store(bottom + 1, std::memory_order_relaxed);
    return won;
  }

  /// Owner: exact. Other threads: a snapshot that may be stale.
  [[nodiscard]] bool empty() const noexcept {
    return m_bottom.load(std::memory_order_relaxed) <= m_top.load(std::memory_order_relaxed);
  }

  /// Owner only: the jobs in the deque, exact but for thieves taking some meanwhile.
  [[nodiscard]] std::size_t size() const noexcept {
    const std::int64_t count =
        m_bottom.load(std::memory_order_relaxed) - m_top.load(std::memory_order_relaxed);
    return count > 0 ? static_cast<std::size_t>(count) : 0;
  }

private:
  struct ring {
    explicit ring(std::size_t capacity) : mask(capacity - 1), slots(new std::atomic<T>[capacity]) {}
    // Slots are atomics only because a thief may read a slot that the owner is overwriting after
    // a wrap-around; that thief's CAS on top then fails and the value is discarded.
    void store(std::int64_t index, T value) noexcept {
      slots[static_cast<std::size_t>(index) & mask].store(value, std::memory_order_relaxed);
    }
    T load(std::int64_t index) const noexcept {
      return slots[static_cast<std::size_t>(index) & mask].load(std::memory_order_relaxed);
    }
    std::size_t mask;
    std::unique_ptr<std::atomic<T>[]> slots;
  };

  static std::size_t round_up_to_power_of_two(std::size_t n) {
    std::size_t capacity = 2;
    while (capacity < n) {
      capacity *= 2;
    }
    return capacity;
  }

  // Out of line, so that push() stays small enough to inline into every spawn.
  [[gnu::noinline]] ring* grow(ring* old, std::int64_t top, std::int64_t bottom) {
    auto bigger = std::make_unique<ring>((old->mask + 1) * 2);
    for (std::int64_t i = top; i < bottom; ++i) {
      bigger->store(i, old->load(i));
    }
    ring* fresh = bigger.get();
    m_rings.push_back(std::move(bigger));
    // Release: pairs with the acquire load in steal().
    m_array.store(fresh, std::memory_order_release);
    return fresh;
  }

  alignas(cache_line) std::atomic<std::int64_t> m_top{0};
  alignas(cache_line) std::atomic<std::int64_t> m_bottom{0};
  std::atomic<ring*> m_array{nullptr};
  std::vector<std::unique_ptr<ring>> m_rings; // every array ever used, owner-only
};

} // namespace yt::detail
