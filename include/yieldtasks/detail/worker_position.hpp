#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <thread>

#include <yieldtasks/detail/asymmetric_fence.hpp>
#include <yieldtasks/detail/map_context.hpp>

// What thread_pool::dump() reads of the running work, and how it reads it without a fence on the
// hot path (docs/design.md, "Dumps: thread_pool::dump()").
//
// Protocol. Each worker publishes its *position*: the context of the map whose item it runs, and
// the item's index. Only whoever runs as the worker writes it (its thread, or a blocking caller in
// its place), with plain stores to a line of the worker's own: a coroutine item's start stores
// both (taskmap_awaitable::spawn_next), a range of plain items stores both and where the range
// began when it starts, and the index per batch (the items from the range's beginning to the
// index are done, but accounted for only when the range ends; a dump adds them). The thread that
// resumes the item awaiting a map, in the map's last join accounting, sets the position back to
// that item (its index as the map's start found it) before it resumes it; a resumption bounced
// through the deque, or of a map run by a cluster, leaves it clear until the next item starts. A
// position naming map M is overwritten before every step by which the code under it could go on,
// or end, on another thread, and before M's own end:
//   - an item's end, when it does not start the map's next item itself (the last item, a stop);
//   - every join accounting that may return without resuming the parent (join_counter::finish),
//     which is how a child of the item (a when_all's, a nested map's) ends on this thread while
//     the item resumes elsewhere;
//   - a resumption bounced through the deque (worker::bounce), the hand-over of a task to a
//     foreign awaitable (foreign_awaiter), the hand-over of a map to a cluster distributor;
//   - a stream's item end and its consumer's suspension (completion_stream.hpp).
// Invariant P: every store of a position naming M happens before a later store to that position
// that happens before M's end, through the release half of the join accounting that leads to it.
//
// A dump reads the positions (acquire), and through each the map's probe (name, size, progress)
// and the contexts up to the root (depth, parent). Those live in coroutine frames that other
// threads finish and free meanwhile. The gate keeps them alive, asymmetrically, at no cost to the
// hot path but a load per map:
//   - A map's end (the awaitable's await_resume, the last point before it may be destroyed:
//     taskmap, when_any; a stream's close) calls dump_gate::pass(): one acquire load (a plain load
//     on x86-64) of a flag nobody writes outside dumps; if it is set, it waits until it clears.
//   - A dump (one at a time, under the gate's mutex) sets the flag, then calls
//     asymmetric_fence::heavy() (membarrier), which returns only after every running thread
//     of the process has executed a full memory barrier (a thread not running passes one when it
//     is scheduled); then it reads; then it clears the flag with a release store.
// This is Dekker's pattern with the fence moved to the rare side. For a map M whose end loaded
// the flag clear, that load precedes its thread's barrier, and so does everything that happened
// before it, the overwriting of every position naming M (P) included: the dump, reading after
// membarrier returned, never finds M. A map whose end loads after its thread's barrier finds the
// flag set and waits, so M, and its ancestors (each suspended in an item of its parent until M
// ends), outlive the dump's reads; the release/acquire pair orders the reads before the free,
// which is the order ThreadSanitizer checks. That pair is also why the load that finds the flag
// clear must be an acquire one: it may read the clearing store of a dump that has just read M. The
// map fields a dump reads that are not atomics (name, size, depth, parent) are written before the
// map's first item starts, so before the release store of any position naming it, which the dump's
// acquire load reads from.
//
// Where membarrier is unavailable (not Linux, or refused) a dump reads positions but follows none.
namespace yt::detail {

// A map as a dump reports it.
struct map_state {
  const void* id = nullptr;   // the map's context: compared, never followed after the gate opens
  const char* name = nullptr; // null for a when_any or a stream
  std::size_t size = 0;
  std::size_t done = 0;                 // items accounted for so far
  std::size_t index_in_parent = npos(); // the item of the parent map that awaits it, if known
  std::uint32_t depth = 0;

  static constexpr std::size_t npos() noexcept { return std::numeric_limits<std::size_t>::max(); }
};

// What a map's context points to, so that a dump can describe the map; read only under the gate.
class map_probe {
public:
  [[nodiscard]] virtual map_state describe() const noexcept = 0;

protected:
  map_probe() = default;
  map_probe(const map_probe&) = default;
  map_probe& operator=(const map_probe&) = default;
  ~map_probe() = default;
};

// One worker's position (see the protocol above), on a line of its own so that its stores share
// nothing with other workers' lines and a dump's reads disturb only the line they read.
class alignas(64) worker_position {
public:
  static constexpr std::size_t no_index = map_state::npos();

  // An item of a map, as a position names it.
  struct item {
    const map_context* map = nullptr;
    std::size_t index = no_index;
  };
  void enter(item at) noexcept { enter_item(at.map, at.index); }

  // release: a dump's acquire load of the map sees the index and the map's fields.
  void enter_item(const map_context* map, std::size_t index) noexcept {
    m_index.store(index, std::memory_order_relaxed);
    m_map.store(reinterpret_cast<std::uintptr_t>(map), std::memory_order_release);
  }
  // A range of plain items from `begin`; the map is tagged in its pointer's low bit (contexts are
  // aligned) rather than in a word of its own, so that a coroutine item stores no more.
  void enter_range(const map_context* map, std::size_t begin) noexcept {
    m_begin.store(begin, std::memory_order_relaxed);
    m_index.store(begin, std::memory_order_relaxed);
    m_map.store(reinterpret_cast<std::uintptr_t>(map) | range_tag, std::memory_order_release);
  }
  void set_index(std::size_t index) noexcept { m_index.store(index, std::memory_order_relaxed); }
  // relaxed: ordered before the map's end by the release accounting that follows (invariant P).
  void clear() noexcept { m_map.store(0, std::memory_order_relaxed); }

  // Owner only: the index of the item of `map` this worker runs, if it runs one.
  [[nodiscard]] std::size_t index_in(const map_context* map) const noexcept {
    // Both loads unconditionally: a select rather than a branch.
    const std::size_t index = m_index.load(std::memory_order_relaxed);
    return m_map.load(std::memory_order_relaxed) == reinterpret_cast<std::uintptr_t>(map)
               ? index
               : no_index;
  }

  struct reading {
    const map_context* map;
    std::size_t index;     // no_index if it changed while read
    std::size_t done_here; // items of a plain range done here but not yet accounted for
  };
  // Any thread. acquire: synchronizes with the release stores of enter_item and enter_range.
  [[nodiscard]] reading read() const noexcept {
    const std::size_t before = m_index.load(std::memory_order_relaxed);
    const std::uintptr_t tagged = m_map.load(std::memory_order_acquire);
    const std::size_t after = m_index.load(std::memory_order_relaxed);
    const std::size_t begin = m_begin.load(std::memory_order_relaxed);
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the pointer stored by enter_item or enter_range
    const auto* map = reinterpret_cast<const map_context*>(tagged & ~range_tag);
    const bool steady = before == after;
    const bool counted = steady && (tagged & range_tag) != 0 && after >= begin;
    return {map, steady ? after : no_index, counted ? after - begin : 0};
  }

private:
  static constexpr std::uintptr_t range_tag = 1;

  std::atomic<std::uintptr_t> m_map{0};
  std::atomic<std::size_t> m_index{no_index};
  std::atomic<std::size_t> m_begin{0};
};

// The dumps' side of the protocol above, and the maps' one load.
class dump_gate {
public:
  // At a map's end, before its awaitable may be destroyed. acquire: synchronizes with the release
  // store that opens the gate, whether it finds the gate open or waits for it.
  static void pass() noexcept {
    if (s_closed.load(std::memory_order_acquire)) [[unlikely]] {
      wait();
    }
  }

  // Holds the gate closed for one dump; `open()` tells whether maps may be followed.
  class closed {
  public:
    closed() : m_lock(s_mutex) {
      if (!asymmetric_fence::available()) {
        return;
      }
      s_closed.store(true, std::memory_order_relaxed);
      m_following = asymmetric_fence::heavy();
      if (!m_following) {
        s_closed.store(false, std::memory_order_release);
      }
    }
    closed(const closed&) = delete;
    closed& operator=(const closed&) = delete;
    // release: synchronizes with the acquire loads of the map ends waiting in pass().
    ~closed() {
      if (m_following) {
        s_closed.store(false, std::memory_order_release);
      }
    }

    [[nodiscard]] bool following() const noexcept { return m_following; }

  private:
    std::lock_guard<std::mutex> m_lock;
    bool m_following = false;
  };

private:
  [[gnu::noinline]] static void wait() noexcept {
    while (s_closed.load(std::memory_order_acquire)) {
      std::this_thread::yield();
    }
  }

  static inline std::atomic<bool> s_closed{false};
  static inline std::mutex s_mutex;
};

} // namespace yt::detail
