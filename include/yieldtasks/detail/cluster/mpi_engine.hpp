#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include <yieldtasks/cluster_options.hpp>
#include <yieldtasks/detail/cluster/dispatcher.hpp>
#include <yieldtasks/detail/cluster/handshake.hpp>
#include <yieldtasks/detail/cluster/journal.hpp>
#include <yieldtasks/detail/cluster/local_items.hpp>
#include <yieldtasks/detail/cluster/map_distributor.hpp>
#include <yieldtasks/detail/cluster/protocol.hpp>
#include <yieldtasks/detail/cluster/transport.hpp>
#include <yieldtasks/detail/cpu_relax.hpp>
#include <yieldtasks/remote.hpp>
#include <yieldtasks/thread_pool.hpp>

namespace yt::detail {

// The machinery of yt::mpi_cluster on one rank: a communication thread that ties together the
// transport (transport.hpp, handshake.hpp), rank 0's dispatcher (dispatcher.hpp) and the items
// this rank runs (local_items.hpp), and watches the other ranks' liveness.
//
// Threads. The communication thread initializes MPI, makes every MPI call, and finalizes MPI;
// the pool's workers never touch MPI. (MPI_THREAD_SERIALIZED, not FUNNELED: a job that lost a
// rank is ended from an exit handler, on whichever thread ends the process, after the
// communication thread has made its last call.) Workers hand it work through `m_mutex`-guarded
// queues (maps submitted by the root task, items that finished) and wake it with `m_wake`. When
// there is nothing to do it spins briefly, then naps on `m_wake` with a timeout that doubles up
// to a millisecond, so it holds no core while waiting for other ranks (a blocking MPI call would
// spin one).
//
// Protocol (protocol.hpp). Rank 0 keeps the distributed maps; its dispatcher sends each item to
// a rank with room in its window, and each rank answers with the item's result. Rank 0 runs its
// own share through the same path without MPI. At shutdown rank 0 sends every rank a shutdown
// message and all finalize.
//
// Liveness. Every other rank sends rank 0 a heartbeat eight times per rank timeout; any message
// counts as one. A rank rank 0 has not heard from for a timeout is lost: the dispatcher sends its
// items in flight again, whatever it sends later is ignored, and its sends pending at rank 0 are
// abandoned. Such a job cannot end with MPI_Finalize, which waits for every rank, so its end is
// MPI_Abort with rank 0's exit status, from an exit handler once rank 0's process exits: the
// other ranks get a shutdown message that tells them to wait for that instead of finalizing.
class mpi_engine final : public map_distributor, dispatch_outbox {
  using bytes = std::vector<std::byte>;

public:
  // Makes the maps awaited by one root task distributed while it runs.
  class root_scope {
  public:
    root_scope(mpi_engine& engine, void* frame) : m_engine(engine), m_frame(frame) {
      const std::lock_guard lock(m_engine.m_mutex);
      m_engine.m_root_frames.push_back(frame);
    }
    root_scope(const root_scope&) = delete;
    root_scope& operator=(const root_scope&) = delete;
    ~root_scope() {
      const std::lock_guard lock(m_engine.m_mutex);
      std::erase(m_engine.m_root_frames, m_frame);
    }

  private:
    mpi_engine& m_engine;
    void* m_frame;
  };

  mpi_engine(int& argc, char**& argv, const cluster_options& options, thread_pool& pool)
      : m_functions(remote_registry::instance().sorted()),
        m_local(pool, m_functions, m_mutex, m_wake), m_pool(pool) {
    remote_registry::instance().freeze();
    std::promise<void> started;
    std::future<void> handshake_done = started.get_future();
    m_thread = std::thread(
        [this, &argc, &argv, &options, &started] { communicate(argc, argv, options, started); });
    try {
      handshake_done.get();
    } catch (...) {
      m_thread.join();
      throw;
    }
    if (m_rank == 0 && distributing()) {
      activate(this);
    }
  }

  mpi_engine(const mpi_engine&) = delete;
  mpi_engine& operator=(const mpi_engine&) = delete;

  ~mpi_engine() {
    if (m_thread.joinable()) {
      {
        const std::lock_guard lock(m_mutex);
        m_stop_requested = true;
      }
      m_wake.notify_one();
      m_thread.join();
    }
    if (m_rank == 0) {
      activate(nullptr);
    }
  }

  [[nodiscard]] int rank() const noexcept { return m_rank; }
  [[nodiscard]] int ranks() const noexcept { return m_ranks; }

  // This process's rank for code running on any thread; 0 before a cluster starts.
  [[nodiscard]] static int current_rank() noexcept {
    // relaxed: written once at start-up, before any item of this rank can run.
    return s_rank.load(std::memory_order_relaxed);
  }
  [[nodiscard]] bool distributing() const noexcept { return m_ranks > 1 || m_journal.has_value(); }

  [[nodiscard]] cluster_stats stats() const {
    const std::lock_guard lock(m_mutex);
    return m_stats;
  }

  // On ranks other than 0: blocks until rank 0 ends the job and MPI is finalized.
  void serve() { m_thread.join(); }

  void distribute(distributed_map& map) override {
    // Notified under the lock: once it is released the map may finish and the engine be
    // destroyed, condition variable included, before a later notify_one would return.
    const std::lock_guard lock(m_mutex);
    m_submitted.push_back(&map);
    m_wake.notify_one();
  }

private:
  using clock = std::chrono::steady_clock;

  static constexpr unsigned spin_rounds = 256;
  static constexpr std::chrono::microseconds first_nap{20};
  static constexpr std::chrono::microseconds longest_nap{1000};

  // ---- start-up and shutdown (communication thread) -------------------------------------------

  void communicate(int& argc, char**& argv, const cluster_options& options,
                   std::promise<void>& started) {
    try {
      m_link.emplace(argc, argv);
      m_rank = m_link->rank();
      m_ranks = m_link->ranks();
      try {
        start(options);
      } catch (...) {
        m_link->finalize();
        throw;
      }
    } catch (...) {
      started.set_exception(std::current_exception());
      return;
    }
    started.set_value();
    loop();
    if (!m_abort_at_exit) {
      m_link->finalize();
    } else if (m_rank == 0) {
      transport::abort_at_exit();
    } else {
      // Rank 0's MPI_Abort ends this process; MPI_Finalize would wait for the lost rank.
      while (true) {
        std::this_thread::sleep_for(std::chrono::hours(1));
      }
    }
  }

  void start(const cluster_options& options) {
    cluster_agreement agreed = handshake(*m_link, options, m_functions, m_journal);
    m_rank_timeout = agreed.rank_timeout;
    if (m_rank == 0) {
      m_dispatch.emplace(std::move(agreed.windows), m_functions, m_journal ? &*m_journal : nullptr,
                         static_cast<dispatch_outbox&>(*this));
    }
    m_last_heard.assign(static_cast<std::size_t>(m_ranks), clock::now());
    m_last_check = m_last_beat = clock::now();
    if (m_journal && m_journal->dropped() > 0) {
      m_stats.journal_dropped = m_journal->dropped();
      std::fprintf(stderr, "yt journal %s: dropped %zu damaged record(s); their items run again\n",
                   m_journal->path().c_str(), m_journal->dropped());
      std::fflush(stderr);
    }
    s_rank.store(m_rank, std::memory_order_relaxed);
  }

  // ---- the loop (communication thread) --------------------------------------------------------

  void loop() {
    unsigned idle_rounds = 0;
    while (true) {
      const transport::received received = m_link->receive(
          [this](int source, const message_header& header, std::span<const std::byte> payload) {
            handle(source, header, payload);
          });
      bool progressed = received.any;
      progressed = take_finished_items() || progressed;
      if (m_rank == 0) {
        if (received.drained) {
          check_ranks();
        }
        progressed = take_submitted_maps() || progressed;
        progressed = m_dispatch->dispatch() || progressed;
      } else {
        send_heartbeat();
      }
      progressed = m_link->complete_sends() || progressed;
      if (finished()) {
        break;
      }
      if (progressed) {
        idle_rounds = 0;
        continue;
      }
      if (++idle_rounds < spin_rounds) {
        cpu_relax();
        continue;
      }
      const unsigned doublings = std::min(idle_rounds - spin_rounds, 6U);
      const auto nap = std::min(longest_nap, first_nap * (1U << doublings));
      std::unique_lock lock(m_mutex);
      m_wake.wait_for(lock, nap, [this] {
        return !m_submitted.empty() || m_local.has_finished() || m_stop_requested;
      });
    }
    while (m_link->sending()) {
      m_link->complete_sends();
      std::this_thread::sleep_for(first_nap);
    }
  }

  // Rank 0 ends once asked to and no map is left; it then ends the other ranks. They end on that
  // message, once their items are done (rank 0 waits for every answer, so none are).
  bool finished() {
    if (m_rank != 0) {
      return m_shutdown_received && m_local.running() == 0;
    }
    {
      const std::lock_guard lock(m_mutex);
      if (!m_stop_requested || !m_submitted.empty() || m_local.has_finished()) {
        return false;
      }
    }
    if (!m_dispatch->idle() || m_local.running() != 0) {
      return false;
    }
    m_abort_at_exit = m_dispatch->any_lost();
    const ending how = m_abort_at_exit ? ending::abort_at_exit : ending::finalize;
    for (int r = 1; r < m_ranks; ++r) {
      if (!m_dispatch->lost(r)) {
        m_link->send(r, {message_kind::shutdown, static_cast<std::uint32_t>(how), 0, 0}, {});
      }
    }
    return true;
  }

  void handle(int source, const message_header& header, std::span<const std::byte> payload) {
    if (m_rank == 0) {
      m_last_heard[static_cast<std::size_t>(source)] = clock::now();
    }
    switch (header.kind) {
    case message_kind::item:
      m_local.start(source, header.map, header.index, header.code,
                    bytes(payload.begin(), payload.end()));
      break;
    case message_kind::result:
      m_dispatch->answered(source, header.map, header.index, static_cast<item_status>(header.code),
                           payload);
      break;
    case message_kind::cancel:
      m_local.cancel(header.map);
      break;
    case message_kind::shutdown:
      m_shutdown_received = true;
      m_abort_at_exit = static_cast<ending>(header.code) == ending::abort_at_exit;
      break;
    case message_kind::heartbeat:
      break;
    }
  }

  // Answers this rank's finished items: to rank 0's dispatcher directly, to the others by message.
  bool take_finished_items() {
    return m_local.take_finished([this](int origin, std::uint64_t map, std::uint64_t index,
                                        item_status status, std::span<const std::byte> payload) {
      if (origin == m_rank) {
        m_dispatch->answered(m_rank, map, index, status, payload);
      } else {
        m_link->send(origin, {message_kind::result, static_cast<std::uint32_t>(status), map, index},
                     payload);
      }
    });
  }

  bool take_submitted_maps() {
    std::vector<distributed_map*> submitted;
    {
      const std::lock_guard lock(m_mutex);
      submitted.swap(m_submitted);
    }
    for (distributed_map* map : submitted) {
      m_dispatch->submit(*map);
    }
    return !submitted.empty();
  }

  // ---- liveness --------------------------------------------------------------------------------

  void send_heartbeat() {
    const clock::time_point now = clock::now();
    if (now - m_last_beat >= m_rank_timeout / 8) {
      m_last_beat = now;
      m_link->send(0, {message_kind::heartbeat, 0, 0, 0}, {});
    }
  }

  // Rank 0, once the messages that have arrived are read: takes as lost every rank not heard
  // from for a timeout.
  void check_ranks() {
    const clock::time_point now = clock::now();
    // When this thread itself did not run for a while (the machine or this process was
    // suspended), the others' heartbeats may be on their way still: give every rank a new timeout.
    if (now - m_last_check > m_rank_timeout / 4) {
      std::fill(m_last_heard.begin(), m_last_heard.end(), now);
    }
    m_last_check = now;
    for (int r = 1; r < m_ranks; ++r) {
      const auto index = static_cast<std::size_t>(r);
      if (!m_dispatch->lost(r) && now - m_last_heard[index] > m_rank_timeout) {
        lose(r, now - m_last_heard[index]);
      }
    }
  }

  void lose(int rank, clock::duration silence) {
    const std::size_t items = m_dispatch->lose(rank);
    m_link->abandon_sends_to(rank);
    count(&cluster_stats::lost_ranks);
    std::fprintf(stderr,
                 "yt::mpi_cluster: rank %d has not answered for %.1f s (rank timeout %.1f s): "
                 "taken as lost; its %zu item(s) in flight run again on the other ranks, and the "
                 "job ends with MPI_Abort when this process exits, since MPI_Finalize would wait "
                 "for it\n",
                 rank, std::chrono::duration<double>(silence).count(),
                 std::chrono::duration<double>(m_rank_timeout).count(), items);
    std::fflush(stderr);
    m_dispatch->finish_maps();
  }

  // ---- the dispatcher's outbox (rank 0's communication thread) ---------------------------------

  void send_item(int rank, std::uint64_t id, std::size_t index, std::uint32_t function,
                 bytes argument) override {
    if (rank == 0) {
      m_local.start(0, id, index, function, std::move(argument));
    } else {
      m_link->send(rank, {message_kind::item, function, id, index}, argument);
    }
  }

  void cancel(std::uint64_t id) override {
    m_local.cancel(id);
    for (int r = 1; r < m_ranks; ++r) {
      if (!m_dispatch->lost(r)) {
        m_link->send(r, {message_kind::cancel, 0, id, 0}, {});
      }
    }
  }

  void resume(resume_job& job) override { pool_access::inject(m_pool, job.armed()); }

  void count(std::size_t cluster_stats::*field) override {
    const std::lock_guard lock(m_mutex);
    ++(m_stats.*field);
  }

  [[nodiscard]] bool takes_maps_of(void* frame) const noexcept override {
    const std::lock_guard lock(m_mutex);
    return std::find(m_root_frames.begin(), m_root_frames.end(), frame) != m_root_frames.end();
  }

  const std::vector<const remote_entry*> m_functions; // the index an item message names

  // Shared with the pool's workers and the callers of the blocking entries.
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::vector<distributed_map*> m_submitted;
  std::vector<void*> m_root_frames;
  cluster_stats m_stats;
  bool m_stop_requested = false;
  local_items m_local; // its queue and cancelled maps are guarded by m_mutex too

  thread_pool& m_pool;
  std::thread m_thread;
  int m_rank = 0;
  int m_ranks = 1;

  // The communication thread's own.
  std::optional<transport> m_link;
  std::optional<journal> m_journal;            // rank 0's, if any
  std::optional<dispatcher> m_dispatch;        // rank 0's
  std::chrono::milliseconds m_rank_timeout{0}; // rank 0's, on every rank
  bool m_shutdown_received = false;
  bool m_abort_at_exit = false;    // a rank was lost: the job ends with MPI_Abort
  clock::time_point m_last_beat{}; // ranks but 0: the last heartbeat sent
  // Rank 0's view of the others' liveness, indexed by rank.
  std::vector<clock::time_point> m_last_heard;
  clock::time_point m_last_check{};

  static inline std::atomic<int> s_rank{0};
};

} // namespace yt::detail
