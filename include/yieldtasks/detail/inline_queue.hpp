#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>

#include <yieldtasks/detail/injector.hpp>
#include <yieldtasks/detail/job.hpp>

namespace yt::detail {

// Where foreign awaitables hand tasks back to a run on one thread (an inline_executor's run, an
// inline stream's next()), from their own threads; the run takes them when its deque is empty.
class inline_queue final : public injector {
public:
  inline_queue() = default;
  inline_queue(const inline_queue&) = delete;
  inline_queue& operator=(const inline_queue&) = delete;
  ~inline_queue() = default;

  // Notifying under the mutex: the run may end, destroying this, as soon as it takes the job,
  // which it can only do once the mutex is released.
  void inject(job& work) override {
    const std::lock_guard lock(m_mutex);
    m_jobs.push_back(&work);
    m_ready.notify_one();
  }

  job* try_take() override {
    const std::lock_guard lock(m_mutex);
    if (m_jobs.empty()) {
      return nullptr;
    }
    job* work = m_jobs.front();
    m_jobs.pop_front();
    return work;
  }

  job& wait_and_take() {
    std::unique_lock lock(m_mutex);
    m_ready.wait(lock, [this] { return !m_jobs.empty(); });
    job* work = m_jobs.front();
    m_jobs.pop_front();
    return *work;
  }

private:
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<job*> m_jobs;
};

} // namespace yt::detail
