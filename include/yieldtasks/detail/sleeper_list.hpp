#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <yieldtasks/config.hpp>
#include <yieldtasks/detail/asymmetric_fence.hpp>

// The idle workers of a pool, each asleep on a futex word of its own, so that a thread blocked in
// a blocking entry can take an idle worker's place (its deque and its share of the CPUs) without
// waking that worker's thread, and give it back the same way.
//
// Protocol (Dekker-style, as in an event count). A worker about to sleep calls prepare_wait(),
// which lists it and stores the new list size with a seq_cst store; it then calls
// fence_before_recheck(), re-checks, with seq_cst loads, every place work can appear, and either
// cancel_wait()s or wait()s. A notifier first publishes work with a seq_cst store and then calls
// notify_one(), whose first step is a seq_cst load of the list size; in the single total order of
// seq_cst operations, either the sleeper's store precedes the notifier's load, and the notifier
// finds a listed worker to wake (or the list shrank meanwhile: each worker taken off it was woken,
// and re-checks, or was borrowed by a blocking caller, which runs the pool's loop), or the
// notifier's publish precedes the sleeper's re-check, which then finds the work. No wake-up is
// lost.
//
// A push, the hot notifier, publishes with a release store instead where asymmetric fences are
// available: a compiler barrier before its notify_one() and a process-wide barrier in the
// sleeper's fence_before_recheck() give the same either-or (asymmetric_fence.hpp). A sleeper whose
// barrier fails does not sleep: it searches again. A blocking caller handing a borrowed worker back
// lists it and re-checks without that barrier (give_back): a push racing with it may leave the
// worker asleep, and its job to the pusher or to the workers awake; parallelism is lost for that
// job, never progress, as in TBB's spawn.
//
// The re-check may be skipped where no work can have been published before the listing: a pool's
// workers list themselves once at start-up, before its constructor returns (which waits for that),
// so their first sleep needs none; in the total order their listings precede every notifier's
// load. This keeps a pool's start-up linear in its size, where N re-checks of N deques were not.
//
// A worker taken off the list by borrow() keeps sleeping; whoever borrowed it owns its deque until
// it calls give_back() (it sleeps on, listed again) or wake() (its thread resumes, owning its
// deque again). The list's mutex orders each hand-over of a deque between threads.
namespace yt::detail {

class sleeper_list {
public:
  explicit sleeper_list(std::size_t workers)
      : m_words(std::make_unique<std::atomic<std::uint32_t>[]>(workers)),
        m_positions(std::make_unique<std::size_t[]>(workers)),
        m_asymmetric(asymmetric_fence::available()) {
    m_listed.reserve(workers);
  }

  sleeper_list(const sleeper_list&) = delete;
  sleeper_list& operator=(const sleeper_list&) = delete;
  ~sleeper_list() = default;

  // Lists worker `index` as asleep; the caller must re-check for work, then call cancel_wait or
  // wait.
  void prepare_wait(std::size_t index) {
    const std::lock_guard lock(m_mutex);
    m_words[index].store(0, std::memory_order_relaxed);
    list(index);
  }

  // Takes worker `index` off the list if it still is on it and returns true; false means a
  // notifier or a borrower took it off, and the caller must wait(). Constant time: a scan of the
  // list made a pool's N workers stopping at once cost N² under the mutex.
  bool cancel_wait(std::size_t index) {
    const std::lock_guard lock(m_mutex);
    const std::size_t position = m_positions[index];
    if (position >= m_listed.size() || m_listed[position] != index) {
      return false;
    }
    const std::size_t last = m_listed.back();
    m_listed[position] = last;
    m_positions[last] = position;
    m_listed.pop_back();
    m_size.store(m_listed.size(), std::memory_order_seq_cst);
    return true;
  }

  // Sleeps until worker `index` is woken (acquire: the waker's writes, its deque included, are
  // visible afterwards).
  void wait(std::size_t index) noexcept {
    while (m_words[index].load(std::memory_order_acquire) == 0) {
      m_words[index].wait(0, std::memory_order_acquire);
    }
  }

  // Any thread, for a dump: whether worker `index` has gone to sleep (or is about to, or sleeps
  // on while a blocking caller runs in its place) as of a recent moment.
  [[nodiscard]] bool asleep(std::size_t index) const noexcept {
    return m_words[index].load(std::memory_order_relaxed) == 0;
  }

  // A listed sleeper's step between its listing and its re-check for work (prepare_wait,
  // give_back); false if it must not sleep, its barrier having failed.
  [[nodiscard]] bool fence_before_recheck() const noexcept {
    return !m_asymmetric || asymmetric_fence::heavy();
  }

  // Whether sleepers pay for both sides of the protocol with asymmetric fences, so that a push
  // may publish with a release store (worker::push).
  [[nodiscard]] bool asymmetric() const noexcept { return m_asymmetric; }

  // Wakes one listed worker, if any; called after publishing work with a seq_cst store, or, by a
  // push where asymmetric() is true, with a release store and asymmetric_fence::light().
  void notify_one() {
    if (m_size.load(std::memory_order_seq_cst) != 0) {
      wake_listed();
    }
  }

  // The workers awake and looking for work, so that splitting knows how many idle workers want
  // some: a worker counts itself from its first failed pop until it finds a job or lists itself,
  // and a woken one is counted by wake() from the moment it is taken off the list, so that no
  // idle worker goes uncounted while its thread wakes up. A worker that was woken or began a
  // search ends it once. relaxed: the counts are hints (a stale one costs a split too many or
  // too few, never a lost wake-up: that is notify_one's), written once per idle spell.
  void begin_search() noexcept { m_searching.fetch_add(1, std::memory_order_relaxed); }
  void end_search() noexcept { m_searching.fetch_sub(1, std::memory_order_relaxed); }

  // Workers asleep or searching: those a split pushed now could reach.
  [[nodiscard]] std::size_t idle_workers() const noexcept {
    return m_size.load(std::memory_order_relaxed) + m_searching.load(std::memory_order_relaxed);
  }

  // Wakes every listed worker.
  void notify_all() {
    while (const std::optional<std::size_t> index = take()) {
      wake(*index);
    }
  }

  // Takes a listed worker off the list without waking it: the caller now owns that worker's deque
  // and runs in its place. Returns nothing if no worker is listed.
  std::optional<std::size_t> borrow() {
    if (m_size.load(std::memory_order_relaxed) == 0) {
      return std::nullopt;
    }
    return take();
  }

  // Lists a borrowed worker again, still asleep, handing its deque back; the caller must then
  // re-check for work and notify_one() if it finds some, as a worker about to sleep would, but
  // without fence_before_recheck() (see above).
  void give_back(std::size_t index) {
    const std::lock_guard lock(m_mutex);
    list(index);
  }

  // Resumes the thread of worker `index`, which must be off the list (borrowed, or taken by
  // notify), and counts it as searching until it finds work.
  void wake(std::size_t index) noexcept {
    begin_search();
    m_words[index].store(1, std::memory_order_release);
    m_words[index].notify_one();
  }

private:
  // Out of line: a push's notify_one usually finds nobody listed and should inline to a load.
  [[gnu::noinline]] void wake_listed() {
    if (const std::optional<std::size_t> index = take()) {
      wake(*index);
    }
  }

  void list(std::size_t index) {
    m_positions[index] = m_listed.size();
    m_listed.push_back(index);
    // seq_cst (as every store of the size): the sleeper's half of the protocol above.
    m_size.store(m_listed.size(), std::memory_order_seq_cst);
  }

  std::optional<std::size_t> take() {
    const std::lock_guard lock(m_mutex);
    if (m_listed.empty()) {
      return std::nullopt;
    }
    const std::size_t index = m_listed.back();
    m_listed.pop_back();
    m_size.store(m_listed.size(), std::memory_order_seq_cst);
    return index;
  }

  // One futex word per worker: 0 while it sleeps, 1 once woken.
  std::unique_ptr<std::atomic<std::uint32_t>[]> m_words;
  std::mutex m_mutex;
  std::vector<std::size_t> m_listed; // capacity reserved for every worker: list() never throws
  // Where each listed worker is in m_listed; stale for a worker off the list, which is why
  // cancel_wait() checks that the slot it names holds that worker (each is listed at most once).
  std::unique_ptr<std::size_t[]> m_positions;
  std::atomic<std::size_t> m_size{0};
  const bool m_asymmetric; // on the line of m_size, which every push's notify loads
  // Its own line: searchers write it while busy workers' splits read m_size.
  alignas(cache_line) std::atomic<std::size_t> m_searching{0};
};

} // namespace yt::detail
