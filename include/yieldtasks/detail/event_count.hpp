#pragma once

#include <atomic>
#include <cstdint>

// An event count: lets idle workers sleep on a futex without missing work published meanwhile.
//
// Protocol. A waiter calls prepare_wait() (registers, then reads the epoch), re-checks every place
// work can appear, and then either cancel_wait()s or wait(key)s. A notifier first publishes work
// with a seq_cst store and then calls notify_one()/notify_all(), whose first step is a seq_cst load
// of the waiter count. Both sides are Dekker-style: in the single total order of seq_cst
// operations either the waiter's registration precedes the notifier's load (the notifier sees the
// waiter and bumps the epoch, so wait(key) returns at once or is woken) or the notifier's publish
// precedes the waiter's re-check (the waiter finds the work). No wake-up is lost.
namespace yt::detail {

class event_count {
public:
  std::uint32_t prepare_wait() noexcept {
    m_waiters.fetch_add(1, std::memory_order_seq_cst);
    return m_epoch.load(std::memory_order_seq_cst);
  }

  void cancel_wait() noexcept { m_waiters.fetch_sub(1, std::memory_order_relaxed); }

  void wait(std::uint32_t key) noexcept {
    m_epoch.wait(key, std::memory_order_seq_cst);
    m_waiters.fetch_sub(1, std::memory_order_relaxed);
  }

  void notify_one() noexcept {
    if (m_waiters.load(std::memory_order_seq_cst) != 0) {
      m_epoch.fetch_add(1, std::memory_order_seq_cst);
      m_epoch.notify_one();
    }
  }

  void notify_all() noexcept {
    if (m_waiters.load(std::memory_order_seq_cst) != 0) {
      m_epoch.fetch_add(1, std::memory_order_seq_cst);
      m_epoch.notify_all();
    }
  }

private:
  std::atomic<std::uint32_t> m_epoch{0};
  std::atomic<std::uint32_t> m_waiters{0};
};

} // namespace yt::detail
