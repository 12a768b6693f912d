#pragma once

#include <coroutine>
#include <cstdint>

#include <yieldtasks/config.hpp>
#include <yieldtasks/detail/chase_lev_deque.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/sleeper_list.hpp>

namespace yt::detail {

// The scheduling context of one thread: its deque and the bookkeeping for bounded symmetric
// transfer. A thread_pool gives one to each worker thread; an inline_executor makes one on the
// calling thread for the duration of a run. Awaitables find it through worker::current().
class worker {
public:
  // `wake` is the pool's list of sleeping workers (null when nobody can steal); `pool` identifies
  // the owning pool (null for an inline executor).
  worker(sleeper_list* wake, const void* pool, std::uint64_t seed) noexcept
      : m_wake(wake), m_pool(pool), m_rng_state(seed | 1U) {}

  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;
  ~worker() = default;

  [[nodiscard]] YT_DETAIL_THREAD_LOCAL_ACCESS static worker* current() noexcept {
    return s_current;
  }

  // The pool whose worker thread this is, or null; unlike current(), not changed by an inline
  // executor running on that thread, which still must not block.
  [[nodiscard]] YT_DETAIL_THREAD_LOCAL_ACCESS static const void* current_thread_pool() noexcept {
    return s_thread_pool;
  }

  // Makes `w` the current thread's worker until destroyed; nests (an inline executor may run
  // inside a pool task, and a thread blocked in a pool's blocking entry runs as one of its
  // workers meanwhile).
  class scope {
  public:
    explicit scope(worker& w) noexcept
        : m_previous(current()), m_previous_pool(current_thread_pool()) {
      install(&w, w.m_pool != nullptr ? w.m_pool : m_previous_pool);
    }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope() { install(m_previous, m_previous_pool); }

  private:
    worker* m_previous;
    const void* m_previous_pool;
  };

  // Owner only. The deque's seq_cst push followed by the sleeper list's seq_cst load is the
  // publish-then-check half of the no-lost-wake-up protocol (see sleeper_list.hpp).
  void push(job& j) {
    m_deque.push(&j);
    if (m_wake != nullptr) {
      m_wake->notify_one();
    }
  }

  [[nodiscard]] job* pop() noexcept { return m_deque.pop(nullptr); }
  // Pops `j` if it is the newest job in this worker's deque and no thief takes it first.
  [[nodiscard]] bool pop_if(job& j) noexcept {
    return m_deque.newest_is(&j) && m_deque.pop(nullptr) == &j;
  }
  [[nodiscard]] job* steal() noexcept { return m_deque.steal(nullptr); }
  [[nodiscard]] bool may_steal() const noexcept { return m_deque.may_steal(); }
  [[nodiscard]] bool deque_empty() const noexcept { return m_deque.empty(); }

  // Lazy binary splitting: a range is split only when this worker has nothing left for thieves.
  [[nodiscard]] bool wants_split() const noexcept { return m_wake != nullptr && m_deque.empty(); }

  void run(job& j) noexcept {
    m_transfer_depth = 0;
    j.run(j, *this);
  }

  // The handle to resume by symmetric transfer, or, once this thread has transferred
  // YT_MAX_TRANSFER_DEPTH times since it last returned to its loop, a push of `j` and a return to
  // the loop, which pops `j` next (see YT_MAX_TRANSFER_DEPTH).
  [[nodiscard]] static std::coroutine_handle<> transfer(resume_job& j) noexcept {
    worker* self = current();
    if (self != nullptr && ++self->m_transfer_depth > YT_MAX_TRANSFER_DEPTH) [[unlikely]] {
      return self->bounce(j);
    }
    return j.handle;
  }

  // Resumes `h` as a nested call (the caller's frame stays on the stack), charging the transfers
  // made inside it to the depth the caller has already used.
  void resume_nested(std::coroutine_handle<> h) noexcept {
    const unsigned depth = m_transfer_depth;
    h.resume();
    m_transfer_depth = depth;
  }

  // xorshift64: victim selection needs speed, not quality.
  std::uint64_t next_random() noexcept {
    m_rng_state ^= m_rng_state << 13U;
    m_rng_state ^= m_rng_state >> 7U;
    m_rng_state ^= m_rng_state << 17U;
    return m_rng_state;
  }

private:
  // Out of line, so that transfer() stays small enough to inline into every awaiter.
  [[gnu::noinline]] std::coroutine_handle<> bounce(resume_job& j) noexcept {
    push(j);
    return std::noop_coroutine();
  }

  YT_DETAIL_THREAD_LOCAL_ACCESS static void install(worker* w, const void* pool) noexcept {
    s_current = w;
    s_thread_pool = pool;
  }

  static inline thread_local worker* s_current = nullptr;
  static inline thread_local const void* s_thread_pool = nullptr;

  chase_lev_deque<job*> m_deque;
  sleeper_list* m_wake;
  const void* m_pool;
  unsigned m_transfer_depth = 0;
  std::uint64_t m_rng_state;
};

} // namespace yt::detail
