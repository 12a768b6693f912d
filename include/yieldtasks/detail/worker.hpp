#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>

#include <yieldtasks/config.hpp>
#include <yieldtasks/detail/asymmetric_fence.hpp>
#include <yieldtasks/detail/chase_lev_deque.hpp>
#include <yieldtasks/detail/injector.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/sleeper_list.hpp>
#include <yieldtasks/detail/trace_buffer.hpp>
#include <yieldtasks/detail/worker_counters.hpp>
#include <yieldtasks/detail/worker_position.hpp>

namespace yt::detail {

// The scheduling context of one thread: its deque, and the stack bound for symmetric transfer. A
// thread_pool gives one to each worker thread; an inline_executor makes one on the calling thread
// for the duration of a run. Awaitables find it through worker::current().
class worker {
public:
  // `wake` is the pool's list of sleeping workers (null when nobody can steal); `pool` identifies
  // the owning pool (null for an inline executor); `from_outside` takes the jobs of tasks that
  // foreign awaitables resume on other threads.
  worker(sleeper_list* wake, const void* pool, injector& from_outside, std::uint64_t seed) noexcept
      : m_wake(wake), m_pool(pool), m_from_outside(&from_outside), m_rng_state(seed | 1U) {}

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
        : m_previous(current()), m_previous_pool(current_thread_pool()),
          m_previous_stack_limit(stack_limit()) {
      install(&w, w.m_pool != nullptr ? w.m_pool : m_previous_pool, m_previous_stack_limit);
    }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope() { install(m_previous, m_previous_pool, m_previous_stack_limit); }

  private:
    worker* m_previous;
    const void* m_previous_pool;
    std::uintptr_t m_previous_stack_limit;
  };

  // The executor's entry for jobs from other threads (foreign_awaiter.hpp).
  [[nodiscard]] injector& from_outside() const noexcept { return *m_from_outside; }

  // Owner only. The deque's store and the sleeper list's load in notify_one are the
  // publish-then-check half of the no-lost-wake-up protocol (see sleeper_list.hpp): a release
  // store and a compiler barrier where sleepers pay with asymmetric fences, else a seq_cst store.
  // Always inline, like the other pieces of a spawn's hot path marked so: in a translation unit
  // that instantiates many maps, g++ 12 reaches its unit-growth limit and outlines them, which
  // cost bench_fib's two-item taskmap 10 % (docs/benchmarks.md, "Inlining the spawn path").
  [[gnu::always_inline]] void push(job& j) {
    if (m_wake == nullptr) {
      m_deque.push(&j); // nobody to wake
      return;
    }
    if (m_wake->asymmetric()) [[likely]] {
      m_deque.push(&j);
      asymmetric_fence::light();
    } else {
      m_deque.push<std::memory_order_seq_cst>(&j);
    }
    m_wake->notify_one();
  }

  [[nodiscard]] job* pop() noexcept { return m_deque.pop(nullptr); }
  // Pops `j` if it is the newest job in this worker's deque and no thief takes it first. `j` is
  // compared by address only: it may have been stolen, run and freed already.
  [[nodiscard]] bool pop_if(job* j) noexcept { return m_deque.pop_if(j); }
  [[nodiscard]] job* steal() noexcept { return m_deque.steal(nullptr); }
  [[nodiscard]] bool may_steal() const noexcept { return m_deque.may_steal(); }
  [[nodiscard]] bool deque_empty() const noexcept { return m_deque.empty(); }

  // Lazy binary splitting: a range is split when this worker has nothing left for thieves, and
  // further while idle workers outnumber the jobs it has left them, so that a map of long items
  // reaches every idle worker at its start instead of one item length per halving
  // (docs/design.md, "Maps of plain items").
  [[nodiscard]] bool wants_split() const noexcept {
    return m_wake != nullptr && (m_deque.empty() || m_deque.size() < m_wake->idle_workers());
  }

  // Runs `j`, whose transfers may use YT_TRANSFER_STACK_BYTES of stack below this call.
  void run(job& j) noexcept {
    const std::uintptr_t sp = stack_pointer();
    set_stack_limit(sp > YT_TRANSFER_STACK_BYTES ? sp - YT_TRANSFER_STACK_BYTES : 0);
    if (resume_job::is_resume(j)) {
      m_counters.add_resumed();
      if (m_trace.on()) [[unlikely]] {
        run_traced(j);
        return;
      }
    }
    j.run(j, *this);
  }

  // The handle to resume by symmetric transfer or, once the stack has grown below the limit the
  // current job started with (transfers that are real calls), a push of `j` and a return to the
  // loop, which pops `j` next with the stack unwound. Outside any executor the limit is 0.
  [[nodiscard]] static std::coroutine_handle<> transfer(resume_job& j) noexcept {
    if (stack_pointer() < stack_limit()) [[unlikely]] {
      return current()->bounce(j);
    }
    return j.handle;
  }

  // What this worker has done, for thread_pool::stats(); written only by whoever runs as it.
  [[nodiscard]] worker_counters& counters() noexcept { return m_counters; }
  [[nodiscard]] const worker_counters& counters() const noexcept { return m_counters; }

  // The map item this worker runs, for thread_pool::dump(); written only by whoever runs as it.
  [[nodiscard]] worker_position& position() noexcept { return m_position; }
  [[nodiscard]] const worker_position& position() const noexcept { return m_position; }

  // Approximate from another thread: the jobs in this worker's deque.
  [[nodiscard]] std::size_t queued() const noexcept { return m_deque.size(); }

  // The spans this worker records while a yt::trace_recorder is attached to its pool.
  [[nodiscard]] trace_buffer& trace() noexcept { return m_trace; }

  // xorshift64: victim selection needs speed, not quality.
  std::uint64_t next_random() noexcept {
    m_rng_state ^= m_rng_state << 13U;
    m_rng_state ^= m_rng_state >> 7U;
    m_rng_state ^= m_rng_state << 17U;
    return m_rng_state;
  }

private:
  // A task segment resumed from the loop, as one span of a trace.
  [[gnu::noinline]] void run_traced(job& j) noexcept {
    const trace_span_guard span(m_trace, "task", nullptr);
    j.run(j, *this);
  }

  // Out of line, so that transfer() stays small enough to inline into every awaiter.
  // Clears the position first: a thief may resume `j`, and end its map, before this thread is
  // back in its loop (worker_position.hpp).
  [[gnu::noinline]] std::coroutine_handle<> bounce(resume_job& j) noexcept {
    m_position.clear();
    push(j.armed());
    return std::noop_coroutine();
  }

  // The current stack pointer. Unlike __builtin_frame_address(0), it does not force a frame
  // pointer on every coroutine that transfers; volatile, so that clang cannot reuse a value read
  // before a suspension after the coroutine resumed on another thread's stack.
  static std::uintptr_t stack_pointer() noexcept {
    std::uintptr_t sp = 0;
#if defined(__x86_64__)
    asm volatile("movq %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
    asm volatile("mov %0, sp" : "=r"(sp));
#else
    sp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
#endif
    return sp;
  }

  YT_DETAIL_THREAD_LOCAL_ACCESS static std::uintptr_t stack_limit() noexcept {
    return s_stack_limit;
  }
  YT_DETAIL_THREAD_LOCAL_ACCESS static void set_stack_limit(std::uintptr_t limit) noexcept {
    s_stack_limit = limit;
  }

  YT_DETAIL_THREAD_LOCAL_ACCESS static void install(worker* w, const void* pool,
                                                    std::uintptr_t limit) noexcept {
    s_current = w;
    s_thread_pool = pool;
    s_stack_limit = limit;
  }

  static inline thread_local worker* s_current = nullptr;
  static inline thread_local const void* s_thread_pool = nullptr;
  static inline thread_local std::uintptr_t s_stack_limit = 0;

  chase_lev_deque<job*> m_deque;
  sleeper_list* m_wake;
  const void* m_pool;
  injector* m_from_outside;
  std::uint64_t m_rng_state;
  worker_counters m_counters;
  worker_position m_position;
  trace_buffer m_trace;
};

} // namespace yt::detail
