#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>

#include <yieldtasks/detail/indexed_range.hpp>
#include <yieldtasks/detail/join_counter.hpp>
#include <yieldtasks/detail/split_loop.hpp>
#include <yieldtasks/detail/worker.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt::detail {

template <class T> inline constexpr bool is_task_v = false;
template <class T> inline constexpr bool is_task_v<task<T>> = true;

// What a reduction needs of its types: plain calls (no coroutines), a transformed element that
// makes a T, and an operation that combines two T into something that converts to T.
template <class T, class Op, class Transform, class Reference>
concept reduction =
    std::movable<T> && !is_task_v<T> && std::invocable<Transform&, Reference> &&
    !is_task_v<std::remove_cvref_t<std::invoke_result_t<Transform&, Reference>>> &&
    std::constructible_from<T, std::invoke_result_t<Transform&, Reference>> &&
    std::invocable<Op&, T, T> && std::convertible_to<std::invoke_result_t<Op&, T, T>, T>;

// Both the awaitable and the state of one reduction, in the awaiting coroutine's frame (as a
// taskmap_awaitable).
//
// The result does not depend on the pool. The range's N items are cut into K leaves, K the
// largest power of two no greater than min(N, max_leaves), at boundaries that depend on N alone;
// each leaf is folded left to right from its first item, and the leaves are combined by the
// perfect binary tree over them, each node being op(left, right); the result is op(init, root).
// Leaves are what run_split_loop schedules (the same lazy splitting as plain map items), so a
// worker runs a contiguous range of leaves, as many ranges as it steals or is left with.
//
// Combining. A worker keeps the subtrees it completed in its current range on a small stack and
// combines a node with its left sibling as soon as both are its own, with no atomics: a range
// nobody splits reduces to the root entirely on its worker. Once its range ends, the stack holds
// the range's canonical cover by tree nodes whose siblings lie (partly) in other ranges; each of
// them arrives at its parent: it stores its value in its slot of the shared tree, then counts
// itself in the parent's arrival counter, and the second of the two children to arrive combines
// both and goes on upward with the parent. The shared tree is allocated by the first arrival, so
// a reduction that no thief splits allocates nothing. The thread that completes the root applies
// op(init, root) before it accounts for its leaves in the join, which therefore publishes the
// result to the resumed parent.
template <class T, class Op, class Transform, class View>
class [[nodiscard]] reduce_awaitable : public native_awaitable {
  using reference = typename indexed_range<View>::reference;

  static constexpr std::size_t max_leaves = 4096;
  // A contiguous range of leaves is covered by at most two nodes per level.
  static constexpr std::size_t max_held = 2 * std::bit_width(max_leaves);

  // Nodes are numbered as in a binary heap: the root is 1, the children of n are 2n and 2n + 1,
  // and leaf i is K + i.
  struct shared_tree {
    explicit shared_tree(std::size_t leaves)
        : values(std::make_unique<std::optional<T>[]>(2 * leaves)),
          arrivals(std::make_unique<std::atomic<unsigned char>[]>(leaves)) {}
    std::unique_ptr<std::optional<T>[]> values;             // by node
    std::unique_ptr<std::atomic<unsigned char>[]> arrivals; // by parent node
  };

  // The subtrees a worker completed in its current range, oldest (leftmost) first.
  class held_nodes {
  public:
    void push(std::size_t node, T value, Op& op) {
      // A right child whose left sibling is on top: both are this range's, combine them.
      while (m_size != 0 && (node & 1U) != 0 && m_nodes[m_size - 1] == node - 1) {
        --m_size;
        value = std::invoke(op, std::move(*m_values[m_size]), std::move(value));
        m_values[m_size].reset();
        node /= 2;
      }
      m_nodes[m_size] = node;
      m_values[m_size].emplace(std::move(value));
      ++m_size;
    }
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    [[nodiscard]] std::size_t node(std::size_t index) const noexcept { return m_nodes[index]; }
    T take(std::size_t index) { return std::move(*m_values[index]); }

  private:
    std::array<std::size_t, max_held> m_nodes{};
    std::array<std::optional<T>, max_held> m_values;
    std::size_t m_size = 0;
  };

public:
  template <class Init, class O, class Tr>
  reduce_awaitable(View view, Init&& init, O&& op, Tr&& transform)
      : m_op(std::forward<O>(op)), m_transform(std::forward<Tr>(transform)),
        m_range(std::move(view)), m_init(std::forward<Init>(init)),
        m_leaves(leaf_count(m_range.size())), m_items_per_leaf(m_range.size() / m_leaves),
        m_longer_leaves(m_range.size() % m_leaves), m_join(m_leaves) {}

  reduce_awaitable(const reduce_awaitable&) = delete;
  reduce_awaitable& operator=(const reduce_awaitable&) = delete;
  ~reduce_awaitable() { delete m_tree.load(std::memory_order_relaxed); }

  [[nodiscard]] bool await_ready() {
    if (m_awaited) {
      throw usage_error("yt::reduce: a reduction can be awaited only once");
    }
    m_awaited = true;
    return m_range.size() == 0;
  }

  std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) {
    worker* self = worker::current();
    if (self == nullptr) {
      throw usage_error("yt::reduce: awaited outside a yieldtasks executor; run the task with "
                        "an executor's sync_wait");
    }
    m_join.parent().handle = parent;
    return run_leaves(0, m_leaves, *self);
  }

  T await_resume() {
    if (m_failed.load(std::memory_order_relaxed)) {
      std::rethrow_exception(m_error);
    }
    if (m_range.size() == 0) {
      return std::move(m_init);
    }
    return std::move(*m_result);
  }

private:
  static std::size_t leaf_count(std::size_t items) noexcept {
    return items == 0 ? 1 : std::bit_floor(std::min(items, max_leaves));
  }

  // The first item of leaf `leaf`: the first N mod K leaves hold one item more than the others.
  [[nodiscard]] std::size_t leaf_begin(std::size_t leaf) const noexcept {
    return leaf * m_items_per_leaf + std::min(leaf, m_longer_leaves);
  }

  void fail(std::exception_ptr error) noexcept {
    if (!m_failed.exchange(true, std::memory_order_relaxed)) {
      m_error = std::move(error);
    }
    m_stop.store(true, std::memory_order_relaxed);
  }

  // Runs the leaves [begin, end) and whatever of them this worker takes back, hands the subtrees
  // it completed on to the tree, then accounts for the leaves: the join is the last access.
  std::coroutine_handle<> run_leaves(std::size_t begin, std::size_t end, worker& self) noexcept {
    held_nodes held;
    const std::size_t last = run_split_loop(
        begin, end, self, m_stop, this, &run_split,
        [this, &held](std::size_t from, std::size_t to) { return fold_leaves(from, to, held); });
    if (!m_stop.load(std::memory_order_relaxed)) {
      try {
        for (std::size_t i = 0; i < held.size(); ++i) {
          arrive(held.node(i), held.take(i));
        }
      } catch (...) {
        fail(std::current_exception());
      }
    }
    return m_join.finish(last - begin);
  }

  // Folds the leaves [begin, end) onto `held`; returns where it stopped, as a batch of map items.
  std::size_t fold_leaves(std::size_t begin, std::size_t end, held_nodes& held) noexcept {
    try {
      auto element = m_range.position_at(leaf_begin(begin));
      for (; begin < end; ++begin) {
        const std::size_t items = m_items_per_leaf + (begin < m_longer_leaves ? 1 : 0);
        T value(std::invoke(m_transform, *element));
        ++element;
        for (std::size_t i = 1; i < items; ++i, ++element) {
          value = std::invoke(m_op, std::move(value), T(std::invoke(m_transform, *element)));
        }
        held.push(m_leaves + begin, std::move(value), m_op);
      }
    } catch (...) {
      fail(std::current_exception());
      return begin + 1;
    }
    return begin;
  }

  // Hands the completed subtree `node` to the shared tree; whoever completes a parent goes on
  // with it, and whoever completes the root stores the result.
  void arrive(std::size_t node, T value) {
    while (node != 1) {
      shared_tree& tree = shared();
      tree.values[node].emplace(std::move(value));
      // acq_rel: the release half publishes the value just stored to the sibling's thread, the
      // acquire half, in the second arrival, makes the sibling's value visible to this thread.
      if (tree.arrivals[node / 2].fetch_add(1, std::memory_order_acq_rel) == 0) {
        return;
      }
      std::optional<T>& left = tree.values[node & ~std::size_t{1}];
      std::optional<T>& right = tree.values[node | 1U];
      value = std::invoke(m_op, std::move(*left), std::move(*right));
      left.reset();
      right.reset();
      node /= 2;
    }
    m_result.emplace(std::invoke(m_op, std::move(m_init), std::move(value)));
  }

  // The shared tree, allocated by the first thread that needs it.
  shared_tree& shared() {
    // acquire: synchronizes with the release half of the winning compare-exchange below, so the
    // arrays' zeroed counters and empty slots are visible before they are used.
    shared_tree* tree = m_tree.load(std::memory_order_acquire);
    if (tree == nullptr) {
      auto fresh = std::make_unique<shared_tree>(m_leaves);
      // acq_rel on success publishes the fresh tree; acquire on failure sees the winner's.
      if (m_tree.compare_exchange_strong(tree, fresh.get(), std::memory_order_acq_rel,
                                         std::memory_order_acquire)) {
        tree = fresh.release();
      }
    }
    return *tree;
  }

  static void run_split(job& self, worker& runner) noexcept {
    const split_range split = take_split(self);
    static_cast<reduce_awaitable*>(split.owner)
        ->run_leaves(split.begin, split.end, runner)
        .resume();
  }

  Op m_op;
  [[no_unique_address]] Transform m_transform;
  indexed_range<View> m_range;
  T m_init;
  std::size_t m_leaves;
  std::size_t m_items_per_leaf;
  std::size_t m_longer_leaves;
  std::optional<T> m_result;
  std::atomic<shared_tree*> m_tree{nullptr};
  join_counter m_join;
  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_failed{false};
  std::exception_ptr m_error;
  bool m_awaited = false;
};

} // namespace yt::detail
