#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace yt::detail {

// One future a coroutine waits on, as the future_waiter sees it: type-erased, and living in the
// coroutine's awaiter (so in its frame) until the waiter resumes it.
struct pending_future {
  // Waits up to `slice` for `future`; true once it is ready.
  bool (*ready_within)(void* future, std::chrono::milliseconds slice);
  void* future;
  std::coroutine_handle<> waiter;
};

// The process's future waiters: std::future and its kind offer no completion callback, so a
// thread must block on each future a coroutine awaits. A future handed over goes to an idle
// waiter thread, or to a new one when none is idle; the thread blocks on it in slices (so that
// the process can exit while a future never completes), then resumes the coroutine (a trampoline
// that puts a task back on its executor, see foreign_awaiter.hpp, so no user code runs here) and
// goes back to idle. The service thus holds as many threads as futures were pending at the same
// moment, at most; idle ones stay parked for the next future. Started by the first await_future
// that suspends; at exit its threads stop within a slice, and coroutines still waiting are never
// resumed.
class future_waiter {
public:
  static constexpr std::chrono::milliseconds slice{50};

  static future_waiter& instance() {
    static future_waiter waiter;
    return waiter;
  }

  future_waiter(const future_waiter&) = delete;
  future_waiter& operator=(const future_waiter&) = delete;

  ~future_waiter() {
    {
      const std::lock_guard lock(m_mutex);
      m_stopping.store(true, std::memory_order_relaxed);
    }
    m_handed.notify_all();
    for (std::thread& thread : m_threads) {
      thread.join();
    }
  }

  // Hands `future` to a waiter thread; throws std::system_error if a needed thread cannot start
  // (the future is then not taken).
  void wait(pending_future& future) {
    const std::lock_guard lock(m_mutex);
    if (m_idle == m_queue.size()) {
      m_threads.emplace_back([this] { run(); });
    }
    m_queue.push_back(&future);
    m_handed.notify_one();
  }

  // Threads started so far, and those parked waiting for a future: for tests.
  [[nodiscard]] std::size_t thread_count() {
    const std::lock_guard lock(m_mutex);
    return m_threads.size();
  }
  [[nodiscard]] std::size_t idle_count() {
    const std::lock_guard lock(m_mutex);
    return m_idle;
  }

private:
  future_waiter() = default;

  void run() {
    std::unique_lock lock(m_mutex);
    while (true) {
      ++m_idle;
      m_handed.wait(
          lock, [this] { return m_stopping.load(std::memory_order_relaxed) || !m_queue.empty(); });
      --m_idle;
      if (m_stopping.load(std::memory_order_relaxed)) {
        return;
      }
      pending_future& next = *m_queue.front();
      m_queue.pop_front();
      lock.unlock();
      bool ready = false;
      while (!(ready = next.ready_within(next.future, slice)) &&
             !m_stopping.load(std::memory_order_relaxed)) {
      }
      if (!ready) {
        return; // exiting: the coroutine is never resumed
      }
      next.waiter.resume(); // `next` is gone once the coroutine runs on
      lock.lock();
    }
  }

  std::mutex m_mutex;
  std::condition_variable m_handed;
  std::deque<pending_future*> m_queue;
  std::size_t m_idle = 0; // threads parked in run(), guarded by m_mutex
  // Written under m_mutex; read without it between slices, where a late read costs one slice.
  std::atomic<bool> m_stopping{false};
  std::vector<std::thread> m_threads;
};

} // namespace yt::detail
