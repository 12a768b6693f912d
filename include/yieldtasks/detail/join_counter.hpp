#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>

#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/worker.hpp>

namespace yt::detail {

// The join of a map or a when_all: accounts for its items and resumes the awaiting coroutine after
// the last one (design.md, "The join counter" and "Settling without the counter").
//
// Items are accounted either through the atomic counter, by any thread, or through `m_settled`,
// by the holder of the spawn job alone (the thread that popped or stole it, or that started the
// last item, after which nothing is pushed). Nothing may touch the join after a finish that did
// not return the parent: the awaitable holding it may be destroyed by then.
class join_counter {
public:
  explicit join_counter(std::size_t items) noexcept : m_items(items), m_remaining(items) {}

  join_counter(const join_counter&) = delete;
  join_counter& operator=(const join_counter&) = delete;
  ~join_counter() = default;

  // The resumption of the awaiting coroutine; set before the first item starts.
  resume_job& parent() noexcept { return m_resume_parent; }

  // Accounts for `count` finished or skipped items; returns the parent if they were the last.
  // Clears this thread's position first: unless this was the last accounting, the code this
  // thread ran may go on, and its map end, elsewhere before the thread is back in its loop. The
  // thread that resumes the parent publishes `resumed`, the item the parent runs in (a map's
  // awaiting item; none for a when_all), so that a dump finds that item running again
  // (worker_position.hpp).
  std::coroutine_handle<> finish(std::size_t count, worker_position::item resumed = {}) noexcept {
    worker* self = worker::current();
    if (self != nullptr) {
      self->position().clear();
    }
    // acq_rel: the release half publishes this thread's results and error; the acquire half, in
    // the thread that reaches zero, makes every item's writes visible to the resumed parent.
    if (m_remaining.fetch_sub(count, std::memory_order_acq_rel) == count) {
      if (self != nullptr && resumed.map != nullptr) {
        self->position().enter(resumed);
      }
      return worker::transfer(m_resume_parent);
    }
    return std::noop_coroutine();
  }

  // Holder only: accounts for `count` items together with those it settled. If that is all of
  // them, no other thread ever touched the counter and the parent resumes without an atomic (the
  // caller has published `resumed` already). Always inline: see worker::push.
  [[gnu::always_inline]] std::coroutine_handle<>
  finish_as_holder(std::size_t count, worker_position::item resumed = {}) noexcept {
    const std::size_t settled = m_settled.load(std::memory_order_relaxed) + count;
    if (settled == m_items) {
      return worker::transfer(m_resume_parent);
    }
    // Handed to the counter, so that a dump does not count them twice (done()).
    m_settled.store(0, std::memory_order_relaxed);
    return finish(settled, resumed);
  }

  // Called as an item other than the last ends: if `spawn` is still the newest job in this
  // thread's deque, nobody has started a later item, so this thread takes the job back (becoming
  // its holder), settles the item and returns its worker, which starts the next item. Otherwise
  // returns null, and the item must be finished through the counter.
  worker* take_back(job& spawn) noexcept {
    worker* self = worker::current();
    if (self == nullptr || !self->pop_if(&spawn)) {
      return nullptr;
    }
    m_settled.store(m_settled.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return self;
  }

  // Any thread, for a dump: the items accounted for so far, approximately (those settled are
  // missed for a moment when the holder hands them to the counter).
  [[nodiscard]] std::size_t done() const noexcept {
    const std::size_t accounted = m_items - m_remaining.load(std::memory_order_relaxed) +
                                  m_settled.load(std::memory_order_relaxed);
    return accounted < m_items ? accounted : m_items;
  }

private:
  std::size_t m_items;
  std::atomic<std::size_t> m_remaining;
  // Written by the holder alone (a relaxed load and store, no read-modify-write); atomic only so
  // that a dump may read it.
  std::atomic<std::size_t> m_settled{0};
  resume_job m_resume_parent;
};

} // namespace yt::detail
