#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

// The threads inside a pool's blocking entries, counted so that the pool's destructor can wait
// for them to leave before it stops the workers: a caller works in the place of a sleeping worker
// whose thread stays off the sleeper list until the caller gives it back, so a stop that ran
// meanwhile would not wake that thread and its join would never return (issue 23). Once the
// destructor has begun, new callers are turned away instead.
//
// A mutex and a condition variable rather than an atomic count: the last caller to leave must be
// done with the gate, and with the pool around it, before the destructor goes on. It notifies
// under the mutex, which the destructor must take again before close() returns, so the caller's
// last access is the unlock, which POSIX allows to race with the mutex's destruction.
namespace yt::detail {

class caller_gate {
public:
  caller_gate() = default;
  caller_gate(const caller_gate&) = delete;
  caller_gate& operator=(const caller_gate&) = delete;
  ~caller_gate() = default;

  // Lets a caller in; false once close() has begun, and the caller must not use the pool.
  [[nodiscard]] bool enter() {
    const std::lock_guard lock(m_mutex);
    if (m_closed) {
      return false;
    }
    ++m_inside;
    return true;
  }

  // The caller's last access to the gate and to the pool.
  void leave() {
    const std::lock_guard lock(m_mutex);
    if (--m_inside == 0 && m_closed) {
      m_left.notify_one();
    }
  }

  // The callers inside now, for a dump.
  [[nodiscard]] std::size_t inside() const {
    const std::lock_guard lock(m_mutex);
    return m_inside;
  }

  // Turns new callers away, then waits until every caller inside has left.
  void close() {
    std::unique_lock lock(m_mutex);
    m_closed = true;
    m_left.wait(lock, [this] { return m_inside == 0; });
  }

private:
  mutable std::mutex m_mutex;
  std::condition_variable m_left;
  std::size_t m_inside = 0;
  bool m_closed = false;
};

} // namespace yt::detail
