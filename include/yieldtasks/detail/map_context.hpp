#pragma once

#include <atomic>
#include <cstdint>
#include <stop_token>
#include <thread>

namespace yt::detail {

class map_context;

// Where a task runs in the tree of maps: the context of the map it runs under (directly or through
// the tasks awaiting it), and the nearest stoppable context at or above that map. Each sink (a
// map, when_all, when_any or stream: item_sink) holds the link its items run under, written once
// before its first item starts, at the start of the sink's object; an item finds it through its
// sink, and a task awaited with co_await points to its awaiting task's (task_promise_base::
// link_source), so binding an item stores nothing for the tree. A map started in an item reads
// that link rather than the parent's map_context, which shares cache lines with the parent map's
// join counter, written by the workers running its items: one such read per nested map cost a
// 2-thread fib 10 %.
//
// No default member initialisers: a sink's link is written before it is read, and leaving it
// uninitialised keeps a sink's construction to fewer stores; `{}` still gives the null link.
struct context_link {
  map_context* map;
  map_context* stoppable;
};
// The link of a task under no map.
inline constexpr context_link no_context_link{nullptr, nullptr};

class map_probe;

// The place of one map (or when_any) in the tree of running maps: its stop flag, the enclosing
// map, its depth, and the registrations through which a stop reaches the maps nested below it
// (design.md, "Cancellation as a tree").
//
// Protocol. Every coroutine item, and every task it awaits, finds the context_link of the map it
// belongs to (task_promise_base::link_source), so a map started inside an item finds its parent. A
// *stoppable* context is one a stop can be requested for from outside its own items' failures: a
// cancellable map (its items get a stop_source or std::stop_token), a map given a std::stop_token,
// a when_any. A map whose parent has a stoppable context at or above it registers with the nearest
// one (the link's `stoppable`) when it starts and deregisters when it ends; a stop walks down those
// registrations, each registered context requesting its own stop in turn, so it reaches every map
// below transitively. Maps with no stoppable ancestor (the common case, fib) register nowhere and
// pay only the stores of the link.
//
// Each stoppable context's registration list is guarded by its own spinlock, which orders the
// two racing events: either a registration's critical section comes first, and the stop's walk
// finds the registered map, or the stop's comes first, and the registration reads the stopped
// flag (the stopper set it before locking) and sets its own flag instead of registering. Locks
// are taken parent before child only, so they cannot deadlock. The stop flag itself is relaxed,
// as before the tree: it carries no data (the join counter orders everything a parent reads) and
// an item starting at the same moment as a stop may still run.
class map_context {
public:
  // `stoppable`: see above; fixed before the map starts.
  // User-provided, so that value-initialising an awaitable does not zero the members left
  // uninitialised below.
  explicit map_context(bool stoppable = false) noexcept : m_stoppable(stoppable) {
    if (stoppable) {
      clear_registrations();
    }
  }

  map_context(const map_context&) = delete;
  map_context& operator=(const map_context&) = delete;
  ~map_context() = default;

  // The per-item check: one relaxed load.
  [[nodiscard]] bool stop_requested() const noexcept {
    return m_stopped.load(std::memory_order_relaxed);
  }
  // The flag itself, for the plain split loop (split_loop.hpp), which checks it between batches.
  [[nodiscard]] const std::atomic<bool>& stop_flag() const noexcept { return m_stopped; }

  // Sets the flag; a stoppable context also stops the contexts registered with it, transitively,
  // and the std::stop_source its items' tokens come from. Only the first request walks.
  void request_stop() noexcept {
    if (m_stopped.exchange(true, std::memory_order_relaxed)) {
      return;
    }
    if (m_stoppable) {
      stop_registered();
    }
  }

  // Links this context below `parent` (a null map at the root): the parent, the nearest stoppable
  // context, and the registration with it. Called once, before any item starts. Inline and
  // branch-light for the common case, a map under no stoppable context (fib spawns one per call);
  // registering is out of line.
  void enter(context_link parent) noexcept {
    m_parent = parent.map;
    m_owner = parent.stoppable;
    m_stops = m_stoppable ? this : m_owner;
    if (m_owner != nullptr) [[unlikely]] {
      m_owner->attach(*this);
    }
  }

  // What the tasks running under this map find through their sink (item_sink::link).
  [[nodiscard]] context_link link() noexcept { return {this, m_stops}; }

  // Undoes enter()'s registration; called once every item has finished, before the map's
  // awaitable can be destroyed, and only after enter(). After it returns no other thread touches
  // this context.
  void leave() noexcept {
    if (m_owner != nullptr) [[unlikely]] {
      m_owner->detach(*this);
    }
  }

  // Makes this context stoppable after construction (a map given a std::stop_token); before
  // enter().
  void make_stoppable() noexcept {
    m_stoppable = true;
    clear_registrations();
  }

  // The std::stop_source whose tokens the items poll; requested with this context's stop.
  void forward_to(std::stop_source& source) noexcept { m_forward = &source; }

  // The enclosing map's context, or null for a map awaited by a top-level task.
  [[nodiscard]] const map_context* parent() const noexcept { return m_parent; }
  // 0 for a map awaited by a top-level task, the parent's depth + 1 below it. Walks the parents:
  // only a trace asks, and storing it would read the parent's context in enter().
  [[nodiscard]] std::uint32_t depth() const noexcept {
    std::uint32_t depth = 0;
    for (const map_context* above = m_parent; above != nullptr; above = above->m_parent) {
      ++depth;
    }
    return depth;
  }

  // What thread_pool::dump() reads of the map (worker_position.hpp); null for a when_any.
  void set_probe(const map_probe* probe) noexcept { m_probe = probe; }
  [[nodiscard]] const map_probe* probe() const noexcept { return m_probe; }

private:
  class lock_guard {
  public:
    explicit lock_guard(map_context& owner) noexcept : m_owner(owner) {
      // acquire: synchronizes with the release in the previous holder's unlock, so the list and
      // the flag as the previous holder left them are visible here.
      while (m_owner.m_locked.exchange(true, std::memory_order_acquire)) {
        while (m_owner.m_locked.load(std::memory_order_relaxed)) {
          std::this_thread::yield();
        }
      }
    }
    lock_guard(const lock_guard&) = delete;
    lock_guard& operator=(const lock_guard&) = delete;
    ~lock_guard() { m_owner.m_locked.store(false, std::memory_order_release); }

  private:
    map_context& m_owner;
  };

  // Only a stoppable context's registration state is initialised: a plain map's construction
  // stores less.
  void clear_registrations() noexcept {
    m_locked.store(false, std::memory_order_relaxed);
    m_first = nullptr;
    m_forward = nullptr;
  }

  [[gnu::noinline]] void attach(map_context& child) noexcept {
    const lock_guard lock(*this);
    if (stop_requested()) {
      child.request_stop();
      child.m_owner = nullptr; // not linked: nothing to undo
      return;
    }
    child.m_previous = nullptr;
    child.m_next = m_first;
    if (m_first != nullptr) {
      m_first->m_previous = &child;
    }
    m_first = &child;
  }

  [[gnu::noinline]] void detach(map_context& child) noexcept {
    const lock_guard lock(*this);
    if (child.m_previous != nullptr) {
      child.m_previous->m_next = child.m_next;
    } else {
      m_first = child.m_next;
    }
    if (child.m_next != nullptr) {
      child.m_next->m_previous = child.m_previous;
    }
  }

  // Out of line: stops are rare, and request_stop is inlined where maps fail.
  [[gnu::noinline]] void stop_registered() noexcept {
    {
      const lock_guard lock(*this);
      for (map_context* child = m_first; child != nullptr; child = child->m_next) {
        child->request_stop();
      }
    }
    if (m_forward != nullptr) {
      m_forward->request_stop();
    }
  }

  std::atomic<bool> m_stopped{false};
  bool m_stoppable;
  // The members below are written before they are read and left uninitialised, so that a map's
  // construction stores less (fib spawns a map per call): m_parent, m_owner and m_stops by enter(),
  // m_previous and m_next by attach(), and the registration state of a stoppable context (m_locked,
  // m_first, m_forward) by clear_registrations().
  std::atomic<bool> m_locked;
  map_context* m_parent;
  map_context* m_owner; // the stoppable context this one is registered with
  map_context* m_stops; // what children register with: this, or m_owner
  // The registration list of m_owner, doubly linked for constant-time removal.
  map_context* m_previous;
  map_context* m_next;
  // This context's own registrations (stoppable only), guarded by m_locked.
  map_context* m_first;
  std::stop_source* m_forward;
  const map_probe* m_probe = nullptr;
};

} // namespace yt::detail
