#pragma once

#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace yt::detail {

// The process's timer: one thread, started by the first sleep_for that suspends, that resumes
// each waiting coroutine at its deadline (a trampoline that puts a task back on its executor,
// see foreign_awaiter.hpp, so the thread never runs user code). Coroutines still waiting at exit
// are never resumed.
class timer_thread {
public:
  using clock = std::chrono::steady_clock;

  static timer_thread& instance() {
    static timer_thread timer;
    return timer;
  }

  timer_thread(const timer_thread&) = delete;
  timer_thread& operator=(const timer_thread&) = delete;

  ~timer_thread() {
    {
      const std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_changed.notify_one();
    m_thread.join();
  }

  void resume_at(clock::time_point deadline, std::coroutine_handle<> waiter) {
    const std::lock_guard lock(m_mutex);
    // The sequence number keeps equal deadlines in the order they were asked for.
    m_waiting.push({deadline, m_next_sequence++, waiter});
    if (m_waiting.top().sequence + 1 == m_next_sequence) {
      m_changed.notify_one(); // a new earliest deadline
    }
  }

private:
  struct entry {
    clock::time_point deadline;
    std::uint64_t sequence;
    std::coroutine_handle<> waiter;

    bool operator>(const entry& other) const noexcept {
      return deadline != other.deadline ? deadline > other.deadline : sequence > other.sequence;
    }
  };

  timer_thread() : m_thread([this] { run(); }) {}

  void run() {
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
      if (m_waiting.empty()) {
        m_changed.wait(lock);
        continue;
      }
      const clock::time_point next = m_waiting.top().deadline;
      if (clock::now() < next) {
        m_changed.wait_until(lock, next);
        continue;
      }
      const std::coroutine_handle<> due = m_waiting.top().waiter;
      m_waiting.pop();
      lock.unlock(); // the resumption may schedule another sleep
      due.resume();
      lock.lock();
    }
  }

  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::priority_queue<entry, std::vector<entry>, std::greater<>> m_waiting;
  std::uint64_t m_next_sequence = 0;
  bool m_stopping = false;
  std::thread m_thread; // last: started once the members it uses exist
};

} // namespace yt::detail
