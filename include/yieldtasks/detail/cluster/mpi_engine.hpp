#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cxxabi.h>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <stdlib.h> // on_exit
#include <string>
#include <thread>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

// The C API only: the deprecated C++ bindings add nothing and do not compile warning-free.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <yieldtasks/cluster_error.hpp>
#include <yieldtasks/cluster_options.hpp>
#include <yieldtasks/codec.hpp>
#include <yieldtasks/detail/cluster/journal.hpp>
#include <yieldtasks/detail/cluster/map_distributor.hpp>
#include <yieldtasks/detail/cpu_relax.hpp>
#include <yieldtasks/detail/executor/root_task.hpp>
#include <yieldtasks/remote.hpp>
#include <yieldtasks/remote_error.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/thread_pool.hpp>
#include <yieldtasks/version.hpp>

namespace yt::detail {

// The machinery of yt::mpi_cluster on one rank.
//
// Threads. One communication thread per rank initializes MPI, makes every MPI call, and
// finalizes MPI; the pool's workers never touch MPI. (MPI_THREAD_SERIALIZED, not FUNNELED: a job
// that lost a rank is ended from an exit handler, on whichever thread ends the process, after
// the communication thread has made its last call.) Workers
// hand it work through `m_mutex`-guarded queues (maps submitted by the root task, items that
// finished) and wake it with `m_wake`. When there is nothing to do it spins briefly, then naps
// on `m_wake` with a timeout that doubles up to a millisecond, so it holds no core while
// waiting for other ranks (a blocking MPI call would spin one).
//
// Protocol. Rank 0 keeps the distributed maps and, for each rank, the items it has in flight;
// it sends an item (header + encoded argument) to any rank below its window (twice its pool
// size) and each rank answers with a result (header + encoded result, or the exception's type
// name and message, or "skipped"). When an item fails, rank 0 stops sending that map's items and
// tells every rank to skip the ones it has not started; the map finishes when every item sent
// has been answered. Rank 0 runs its own share through the same path without MPI. Sends are
// MPI_Isend with the buffer kept until the request completes, so no two ranks can deadlock on
// large messages. At shutdown rank 0 sends every rank a shutdown message and all finalize.
//
// Liveness. Every other rank sends rank 0 a heartbeat eight times per rank timeout; any message
// counts as one. A rank rank 0 has not heard from for a timeout is lost: its items in flight go
// back to their maps, to be sent to other ranks first, and whatever it sends later is ignored
// (its sends pending at rank 0 are abandoned, their buffers kept, since MPI may still read them).
// Such a job cannot end with MPI_Finalize, which waits for every rank, so its end is MPI_Abort
// with rank 0's exit status, from an exit handler once rank 0's process exits: the other ranks
// get a shutdown message that tells them to wait for that instead of finalizing.
class mpi_engine final : public map_distributor {
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
      : m_pool(pool), m_functions(remote_registry::instance().sorted()) {
    remote_registry::instance().freeze();
    std::promise<void> started;
    std::future<void> handshake = started.get_future();
    m_thread = std::thread(
        [this, &argc, &argv, &options, &started] { communicate(argc, argv, options, started); });
    try {
      handshake.get();
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
  enum class message_kind : std::uint32_t { item, result, cancel, shutdown, heartbeat };
  // The code of a shutdown message.
  enum class ending : std::uint32_t { finalize, abort_at_exit };
  using clock = std::chrono::steady_clock;
  using item_ref = std::pair<std::uint64_t, std::size_t>; // map id, item index
  enum class item_status : std::uint32_t { ok, failed, skipped };

  struct message_header {
    message_kind kind;
    std::uint32_t code; // item: the function's index; result: its item_status
    std::uint64_t map;
    std::uint64_t index;
  };

  // An item this rank runs on its pool; `origin` is the rank that sent it.
  struct local_item {
    struct finished_signal {
      local_item* item;
      void set() const { item->engine->item_finished(*item); }
    };

    local_item(mpi_engine& owner, int from, std::uint64_t map_id, std::uint64_t item_index,
               const remote_entry& item_function, bytes item_argument) noexcept
        : engine(&owner), origin(from), map(map_id), index(item_index), function(&item_function),
          argument(std::move(item_argument)) {}

    mpi_engine* engine;
    int origin;
    std::uint64_t map;
    std::uint64_t index;
    const remote_entry* function;
    bytes argument;
    bool skipped = false;
    result_box<bytes> outcome;
    finished_signal done{this};
    resume_job start;
  };

  struct map_state {
    map_state(distributed_map& distributed, std::uint32_t function_index) noexcept
        : map(&distributed), function(function_index), size(distributed.size()), unfinished(size) {}

    distributed_map* map;
    std::uint32_t function;
    std::size_t size;
    std::size_t next = 0;               // the next item to dispatch
    std::size_t unfinished = 0;         // items not answered, skipped or taken from the journal
    std::optional<bytes> next_argument; // encoded, waiting for a free rank
    // In flight: on other ranks (to send again if a rank is lost), and on any rank with a
    // journal (to record the result under).
    std::unordered_map<std::size_t, bytes> arguments;
    std::deque<std::size_t> resend; // items of lost ranks, sent before any new one
    std::exception_ptr error;
  };

  struct pending_send {
    MPI_Request request;
    bytes buffer;
    int destination;
  };

  static constexpr int message_tag = 1;
  static constexpr unsigned spin_rounds = 256;
  static constexpr std::chrono::microseconds first_nap{20};
  static constexpr std::chrono::microseconds longest_nap{1000};

  // ---- start-up and shutdown (communication thread) -------------------------------------------

  void communicate(int& argc, char**& argv, const cluster_options& options,
                   std::promise<void>& started) {
    try {
      int initialized = 0;
      MPI_Initialized(&initialized);
      if (initialized != 0) {
        throw cluster_error(0, "yt::mpi_cluster: MPI is initialized already; let the cluster "
                               "initialize (and finalize) it");
      }
      int provided = 0;
      MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
      MPI_Comm_dup(MPI_COMM_WORLD, &m_comm);
      MPI_Comm_rank(m_comm, &m_rank);
      MPI_Comm_size(m_comm, &m_ranks);
      try {
        handshake(options);
      } catch (...) {
        MPI_Comm_free(&m_comm);
        MPI_Finalize();
        throw;
      }
    } catch (...) {
      started.set_exception(std::current_exception());
      return;
    }
    started.set_value();
    loop();
    if (!m_abort_at_exit) {
      MPI_Comm_free(&m_comm);
      MPI_Finalize();
    } else if (m_rank == 0) {
      register_abort_at_exit();
    } else {
      // Rank 0's MPI_Abort ends this process; MPI_Finalize would wait for the lost rank.
      while (true) {
        std::this_thread::sleep_for(std::chrono::hours(1));
      }
    }
  }

  // Ends a job that lost a rank once this process exits, with its exit status; output written
  // so far is flushed first, since MPI_Abort ends the process before exit() would flush it.
  static void register_abort_at_exit() {
#ifdef __GLIBC__
    on_exit(
        [](int status, void*) {
          std::fflush(nullptr);
          MPI_Abort(MPI_COMM_WORLD, status);
        },
        nullptr);
#else
    std::atexit([] {
      std::fflush(nullptr);
      MPI_Abort(MPI_COMM_WORLD, EXIT_SUCCESS);
    });
#endif
  }

  // Every rank learns every rank's pool size and checks that all registered the same functions.
  void handshake(const cluster_options& options) {
    const std::uint64_t threads = options.threads;
    std::vector<std::uint64_t> all_threads(static_cast<std::size_t>(m_ranks));
    MPI_Allgather(&threads, 1, MPI_UINT64_T, all_threads.data(), 1, MPI_UINT64_T, m_comm);
    for (const std::uint64_t t : all_threads) {
      m_window.push_back(2 * static_cast<std::size_t>(t));
    }
    m_in_flight.assign(static_cast<std::size_t>(m_ranks), 0);

    const std::string mine = description();
    const int length = static_cast<int>(mine.size());
    std::vector<int> lengths(static_cast<std::size_t>(m_ranks));
    MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, m_comm);
    std::vector<int> offsets(static_cast<std::size_t>(m_ranks));
    std::string all;
    if (m_rank == 0) {
      for (std::size_t r = 0; r < lengths.size(); ++r) {
        offsets[r] = static_cast<int>(all.size());
        all.append(static_cast<std::size_t>(lengths[r]), '\0');
      }
    }
    MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR,
                0, m_comm);
    std::string verdict;
    cluster_failure failure = cluster_failure::different_programs;
    if (m_rank == 0) {
      for (std::size_t r = 1; r < lengths.size(); ++r) {
        const std::string theirs =
            all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r]));
        if (theirs != mine) {
          verdict = mismatch(mine, theirs, static_cast<int>(r));
          break;
        }
      }
      if (verdict.empty() && options.rank_timeout.count() <= 0) {
        verdict = "yt::mpi_cluster: rank_timeout must be positive, not " +
                  std::to_string(options.rank_timeout.count()) + " ms";
        failure = cluster_failure::options;
      }
      // Opened before the verdict goes out, so that every rank learns of a failure and none
      // is left waiting for the others to finalize.
      if (verdict.empty() && !options.journal.empty()) {
        try {
          m_journal.emplace(options.journal, mine);
        } catch (const std::exception& error) {
          verdict = error.what();
          failure = cluster_failure::journal;
        }
      }
    }
    std::array<std::int64_t, 3> shared{static_cast<std::int64_t>(verdict.size()),
                                       static_cast<std::int64_t>(failure),
                                       static_cast<std::int64_t>(options.rank_timeout.count())};
    MPI_Bcast(shared.data(), static_cast<int>(shared.size()), MPI_INT64_T, 0, m_comm);
    verdict.resize(static_cast<std::size_t>(shared[0]));
    MPI_Bcast(verdict.data(), static_cast<int>(shared[0]), MPI_CHAR, 0, m_comm);
    if (!verdict.empty()) {
      // Written here, before MPI_Finalize: once the others finalize and exit non-zero, the MPI
      // launcher may kill rank 0 before code catching the exception could print it.
      if (m_rank == 0) {
        std::fprintf(stderr, "%s\n", verdict.c_str());
        std::fflush(stderr);
      }
      throw cluster_error(m_rank, verdict, static_cast<cluster_failure>(shared[1]));
    }
    m_rank_timeout = std::chrono::milliseconds(shared[2]);
    m_last_heard.assign(static_cast<std::size_t>(m_ranks), clock::now());
    m_last_check = m_last_beat = clock::now();
    m_lost.assign(static_cast<std::size_t>(m_ranks), false);
    m_items_at.resize(static_cast<std::size_t>(m_ranks));
    if (m_journal && m_journal->dropped() > 0) {
      m_stats.journal_dropped = m_journal->dropped();
      std::fprintf(stderr, "yt journal %s: dropped %zu damaged record(s); their items run again\n",
                   m_journal->path().c_str(), m_journal->dropped());
      std::fflush(stderr);
    }
    s_rank.store(m_rank, std::memory_order_relaxed);
  }

  // What must be equal on every rank: the library version, the data layout the codec copies,
  // and the remote functions, one line each.
  [[nodiscard]] std::string description() const {
    std::string text =
        "yieldtasks " + std::to_string(YT_VERSION_MAJOR) + "." + std::to_string(YT_VERSION_MINOR) +
        "." + std::to_string(YT_VERSION_PATCH) + ", " + std::to_string(sizeof(void*) * 8) +
        "-bit " + (std::endian::native == std::endian::little ? "little" : "big") + "-endian\n";
    for (const remote_entry* function : m_functions) {
      text += function->name + " " + function->signature + "\n";
    }
    return text;
  }

  static std::string mismatch(const std::string& root, const std::string& other, int rank) {
    const auto lines = [](const std::string& text) {
      std::set<std::string> result;
      std::istringstream in(text);
      for (std::string line; std::getline(in, line);) {
        result.insert(line);
      }
      return result;
    };
    const std::set<std::string> on_root = lines(root);
    const std::set<std::string> on_other = lines(other);
    std::string only_root;
    std::string only_other;
    for (const std::string& line : on_root) {
      if (on_other.count(line) == 0) {
        only_root += (only_root.empty() ? "" : "; ") + line;
      }
    }
    for (const std::string& line : on_other) {
      if (on_root.count(line) == 0) {
        only_other += (only_other.empty() ? "" : "; ") + line;
      }
    }
    const std::string r = std::to_string(rank);
    return "yt::mpi_cluster: rank " + r +
           " does not run the same program as rank 0 (remote functions or build differ): only "
           "on rank 0: " +
           (only_root.empty() ? "nothing" : only_root) + "; only on rank " + r + ": " +
           (only_other.empty() ? "nothing" : only_other);
  }

  // ---- the loop (communication thread) --------------------------------------------------------

  void loop() {
    unsigned idle_rounds = 0;
    while (true) {
      bool progressed = receive();
      progressed = take_finished_items() || progressed;
      if (m_rank == 0) {
        check_ranks();
        progressed = take_submitted_maps() || progressed;
        progressed = dispatch() || progressed;
      } else {
        send_heartbeat();
      }
      progressed = complete_sends() || progressed;
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
        return !m_submitted.empty() || !m_finished.empty() || m_stop_requested;
      });
    }
    while (!m_sends.empty()) {
      complete_sends();
      std::this_thread::sleep_for(first_nap);
    }
  }

  // Rank 0 ends once asked to and no map is left; it then ends the other ranks. They end on that
  // message, once their items are done (rank 0 waits for every answer, so none are).
  bool finished() {
    if (m_rank != 0) {
      return m_shutdown_received && m_running == 0;
    }
    {
      const std::lock_guard lock(m_mutex);
      if (!m_stop_requested || !m_submitted.empty() || !m_finished.empty()) {
        return false;
      }
    }
    if (!m_maps.empty() || m_running != 0) {
      return false;
    }
    m_abort_at_exit = std::find(m_lost.begin(), m_lost.end(), true) != m_lost.end();
    const ending how = m_abort_at_exit ? ending::abort_at_exit : ending::finalize;
    for (int r = 1; r < m_ranks; ++r) {
      if (!m_lost[static_cast<std::size_t>(r)]) {
        send(r, {message_kind::shutdown, static_cast<std::uint32_t>(how), 0, 0}, {});
      }
    }
    return true;
  }

  bool receive() {
    bool any = false;
    m_receive_drained = false;
    for (int batch = 0; batch < 64; ++batch) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, message_tag, m_comm, &flag, &status);
      if (flag == 0) {
        m_receive_drained = true;
        break;
      }
      int count = 0;
      MPI_Get_count(&status, MPI_BYTE, &count);
      bytes buffer(static_cast<std::size_t>(count));
      MPI_Recv(buffer.data(), count, MPI_BYTE, status.MPI_SOURCE, message_tag, m_comm,
               MPI_STATUS_IGNORE);
      handle(status.MPI_SOURCE, buffer);
      any = true;
    }
    return any;
  }

  void handle(int source, const bytes& buffer) {
    message_header header{};
    std::memcpy(&header, buffer.data(), sizeof header);
    if (m_rank == 0) {
      m_last_heard[static_cast<std::size_t>(source)] = clock::now();
    }
    const std::span<const std::byte> payload = std::span(buffer).subspan(sizeof header);
    switch (header.kind) {
    case message_kind::item:
      start(source, header.map, header.index, header.code, bytes(payload.begin(), payload.end()));
      break;
    case message_kind::result:
      answered(source, header.map, header.index, static_cast<item_status>(header.code), payload);
      break;
    case message_kind::cancel: {
      const std::lock_guard lock(m_mutex);
      m_cancelled.insert(header.map);
      break;
    }
    case message_kind::shutdown:
      m_shutdown_received = true;
      m_abort_at_exit = static_cast<ending>(header.code) == ending::abort_at_exit;
      break;
    case message_kind::heartbeat:
      break;
    }
  }

  // ---- liveness --------------------------------------------------------------------------------

  void send_heartbeat() {
    const clock::time_point now = clock::now();
    if (now - m_last_beat >= m_rank_timeout / 8) {
      m_last_beat = now;
      send(0, {message_kind::heartbeat, 0, 0, 0}, {});
    }
  }

  // Rank 0: takes as lost every rank not heard from for a timeout, once the messages that have
  // arrived are read.
  void check_ranks() {
    if (!m_receive_drained) {
      return;
    }
    const clock::time_point now = clock::now();
    // When this thread itself did not run for a while (the machine or this process was
    // suspended), the others' heartbeats may be on their way still: give every rank a new timeout.
    if (now - m_last_check > m_rank_timeout / 4) {
      std::fill(m_last_heard.begin(), m_last_heard.end(), now);
    }
    m_last_check = now;
    for (int r = 1; r < m_ranks; ++r) {
      const auto index = static_cast<std::size_t>(r);
      if (!m_lost[index] && now - m_last_heard[index] > m_rank_timeout) {
        lose(r, now - m_last_heard[index]);
      }
    }
  }

  void lose(int rank, clock::duration silence) {
    const auto index = static_cast<std::size_t>(rank);
    m_lost[index] = true;
    m_in_flight[index] = 0;
    for (const auto& [id, item] : m_items_at[index]) {
      map_state& state = m_maps.at(id);
      if (state.error) {
        // Skipped, as the failed map's unsent items are.
        --state.unfinished;
        state.arguments.erase(item);
      } else {
        state.resend.push_back(item);
      }
    }
    const std::size_t items = m_items_at[index].size();
    m_items_at[index].clear();
    for (auto it = m_sends.begin(); it != m_sends.end();) {
      if (it->destination == rank) {
        MPI_Request_free(&it->request);
        m_abandoned.push_back(std::move(it->buffer));
        it = m_sends.erase(it);
      } else {
        ++it;
      }
    }
    {
      const std::lock_guard lock(m_mutex);
      ++m_stats.lost_ranks;
    }
    std::fprintf(stderr,
                 "yt::mpi_cluster: rank %d has not answered for %.1f s (rank timeout %.1f s): "
                 "taken as lost; its %zu item(s) in flight run again on the other ranks, and the "
                 "job ends with MPI_Abort when this process exits, since MPI_Finalize would wait "
                 "for it\n",
                 rank, std::chrono::duration<double>(silence).count(),
                 std::chrono::duration<double>(m_rank_timeout).count(), items);
    std::fflush(stderr);
    finish_maps();
  }

  void send(int destination, const message_header& header, std::span<const std::byte> payload) {
    if (payload.size() > static_cast<std::size_t>(INT32_MAX) - sizeof header) {
      throw codec_error("yt::mpi_cluster: a message of " + std::to_string(payload.size()) +
                        " bytes exceeds MPI's 2 GiB limit");
    }
    pending_send& sending = m_sends.emplace_back();
    sending.destination = destination;
    sending.buffer.resize(sizeof header + payload.size());
    std::memcpy(sending.buffer.data(), &header, sizeof header);
    std::copy(payload.begin(), payload.end(), sending.buffer.begin() + sizeof header);
    MPI_Isend(sending.buffer.data(), static_cast<int>(sending.buffer.size()), MPI_BYTE, destination,
              message_tag, m_comm, &sending.request);
  }

  bool complete_sends() {
    bool any = false;
    while (!m_sends.empty()) {
      int done = 0;
      MPI_Test(&m_sends.front().request, &done, MPI_STATUS_IGNORE);
      if (done == 0) {
        break;
      }
      m_sends.pop_front();
      any = true;
    }
    return any;
  }

  // ---- items run on this rank ------------------------------------------------------------------

  void start(int origin, std::uint64_t map, std::uint64_t index, std::uint32_t function,
             bytes argument) {
    auto* item =
        new local_item(*this, origin, map, index, *m_functions.at(function), std::move(argument));
    ++m_running;
    item->start.handle = make_root(run(*item), item->outcome, item->done).release();
    pool_access::inject(m_pool, item->start.armed());
  }

  static task<bytes> run(local_item& item) {
    if (item.engine->cancelled(item.map)) {
      item.skipped = true;
      co_return bytes{};
    }
    // Rank 0's journal keeps its own copy of the arguments, so the item's may be given away.
    co_return co_await item.function->invoke(std::move(item.argument));
  }

  [[nodiscard]] bool cancelled(std::uint64_t map) const {
    const std::lock_guard lock(m_mutex);
    return m_cancelled.count(map) != 0;
  }

  // Called on a pool worker when an item's root task has finished and destroyed its frame.
  void item_finished(local_item& item) {
    // Under the lock, as in distribute: this may be the last item before the engine's end.
    const std::lock_guard lock(m_mutex);
    m_finished.push_back(&item);
    m_wake.notify_one();
  }

  bool take_finished_items() {
    std::vector<local_item*> finished;
    {
      const std::lock_guard lock(m_mutex);
      finished.swap(m_finished);
    }
    for (local_item* item : finished) {
      const std::unique_ptr<local_item> owned(item);
      --m_running;
      item_status status = item_status::ok;
      bytes payload;
      if (item->skipped) {
        status = item_status::skipped;
      } else if (item->outcome.error) {
        status = item_status::failed;
        payload = encode(describe(item->outcome.error));
      } else {
        payload = std::move(*item->outcome.value);
      }
      if (item->origin == m_rank) {
        answered(m_rank, item->map, item->index, status, payload);
      } else {
        send(item->origin,
             {message_kind::result, static_cast<std::uint32_t>(status), item->map, item->index},
             payload);
      }
    }
    return !finished.empty();
  }

  static std::pair<std::string, std::string> describe(const std::exception_ptr& error) {
    try {
      std::rethrow_exception(error);
    } catch (const remote_error& e) {
      return {e.type_name(), e.message()};
    } catch (const std::exception& e) {
      return {demangle(typeid(e).name()), e.what()};
    } catch (...) {
      return {"unknown exception", "an exception not derived from std::exception"};
    }
  }

  static std::string demangle(const char* name) {
    int status = 0;
    const std::unique_ptr<char, void (*)(void*)> readable(
        abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
    return status == 0 && readable ? std::string(readable.get()) : std::string(name);
  }

  // ---- distributed maps (rank 0's communication thread) ----------------------------------------

  bool take_submitted_maps() {
    std::vector<distributed_map*> submitted;
    {
      const std::lock_guard lock(m_mutex);
      submitted.swap(m_submitted);
    }
    for (distributed_map* map : submitted) {
      const auto position = std::find(m_functions.begin(), m_functions.end(), &map->function());
      m_maps.try_emplace(m_next_map++, *map,
                         static_cast<std::uint32_t>(position - m_functions.begin()));
    }
    return !submitted.empty();
  }

  // Sends items to ranks with room in their window, those of lost ranks first, taking journaled
  // results on the way.
  bool dispatch() {
    bool any = false;
    for (auto& [id, state] : m_maps) {
      while (!state.resend.empty()) {
        const int rank = free_rank();
        if (rank < 0) {
          break;
        }
        const std::size_t index = state.resend.front();
        state.resend.pop_front();
        send_item(id, state, index, rank, state.arguments.at(index));
        count(&cluster_stats::resent);
        any = true;
      }
      while (state.next < state.size && !state.error) {
        if (!state.next_argument) {
          try {
            state.next_argument = state.map->encode_argument(state.next);
          } catch (...) {
            fail(id, state, std::current_exception());
            break;
          }
          if (m_journal) {
            if (const bytes* result =
                    m_journal->find(state.map->function().name, *state.next_argument)) {
              ++state.next;
              state.next_argument.reset();
              store(id, state, state.next - 1, *result);
              --state.unfinished;
              count(&cluster_stats::journaled);
              any = true;
              continue;
            }
          }
        }
        const int rank = free_rank();
        if (rank < 0) {
          break;
        }
        const std::size_t index = state.next++;
        bytes argument = std::move(*state.next_argument);
        state.next_argument.reset();
        if (rank != 0 || m_journal) {
          state.arguments.emplace(index, argument);
        }
        send_item(id, state, index, rank, std::move(argument));
        any = true;
      }
    }
    finish_maps();
    return any;
  }

  void send_item(std::uint64_t id, const map_state& state, std::size_t index, int rank,
                 bytes argument) {
    ++m_in_flight[static_cast<std::size_t>(rank)];
    if (rank == 0) {
      start(0, id, index, state.function, std::move(argument));
    } else {
      send(rank, {message_kind::item, state.function, id, index}, argument);
      m_items_at[static_cast<std::size_t>(rank)].emplace(id, index);
    }
  }

  // The next rank, round robin, not lost and with fewer items in flight than its window; -1 if
  // none.
  int free_rank() {
    for (int tried = 0; tried < m_ranks; ++tried) {
      const int rank = m_next_rank;
      const auto index = static_cast<std::size_t>(rank);
      m_next_rank = (m_next_rank + 1) % m_ranks;
      if (!m_lost[index] && m_in_flight[index] < m_window[index]) {
        return rank;
      }
    }
    return -1;
  }

  void answered(int source, std::uint64_t id, std::uint64_t index, item_status status,
                std::span<const std::byte> payload) {
    if (source != 0) {
      if (m_lost[static_cast<std::size_t>(source)]) {
        return; // its items were sent again: the map may even be gone
      }
      m_items_at[static_cast<std::size_t>(source)].erase({id, static_cast<std::size_t>(index)});
    }
    --m_in_flight[static_cast<std::size_t>(source)];
    map_state& state = m_maps.at(id);
    --state.unfinished;
    const auto argument = state.arguments.find(static_cast<std::size_t>(index));
    if (status == item_status::ok) {
      count(source == 0 ? &cluster_stats::local : &cluster_stats::remote);
      if (!state.error) {
        store(id, state, static_cast<std::size_t>(index), payload);
        if (m_journal && !state.error) {
          try {
            m_journal->append(state.map->function().name, argument->second, payload);
          } catch (...) {
            fail(id, state, std::current_exception());
          }
        }
      }
    } else if (status == item_status::failed) {
      try {
        auto [type_name, message] = decode<std::pair<std::string, std::string>>(payload);
        fail(id, state,
             std::make_exception_ptr(
                 remote_error(std::move(type_name), std::move(message), source)));
      } catch (const codec_error&) {
        fail(id, state, std::current_exception());
      }
    }
    if (argument != state.arguments.end()) {
      state.arguments.erase(argument);
    }
    finish_maps();
  }

  void store(std::uint64_t id, map_state& state, std::size_t index,
             std::span<const std::byte> result) {
    try {
      state.map->store_result(index, result);
    } catch (...) {
      fail(id, state, std::current_exception());
    }
  }

  // The first failure wins: the map's unsent items are skipped, and every rank is told to skip
  // the ones it has not started.
  void fail(std::uint64_t id, map_state& state, std::exception_ptr error) {
    if (state.error) {
      return;
    }
    state.error = std::move(error);
    state.unfinished -= state.size - state.next + state.resend.size();
    state.next = state.size;
    state.next_argument.reset();
    state.resend.clear();
    {
      const std::lock_guard lock(m_mutex);
      m_cancelled.insert(id);
    }
    for (int r = 1; r < m_ranks; ++r) {
      if (!m_lost[static_cast<std::size_t>(r)]) {
        send(r, {message_kind::cancel, 0, id, 0}, {});
      }
    }
  }

  void finish_maps() {
    for (auto it = m_maps.begin(); it != m_maps.end();) {
      if (it->second.unfinished == 0) {
        resume_job& resume = it->second.map->finish(it->second.error);
        it = m_maps.erase(it);
        pool_access::inject(m_pool, resume.armed());
      } else {
        ++it;
      }
    }
  }

  void count(std::size_t cluster_stats::*field) {
    const std::lock_guard lock(m_mutex);
    ++(m_stats.*field);
  }

  [[nodiscard]] bool takes_maps_of(void* frame) const noexcept override {
    const std::lock_guard lock(m_mutex);
    return std::find(m_root_frames.begin(), m_root_frames.end(), frame) != m_root_frames.end();
  }

  thread_pool& m_pool;
  const std::vector<const remote_entry*> m_functions; // the index an item message names
  std::thread m_thread;
  int m_rank = 0;
  int m_ranks = 1;

  // Shared with the pool's workers and the callers of the blocking entries.
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::vector<distributed_map*> m_submitted;
  std::vector<local_item*> m_finished;
  std::unordered_set<std::uint64_t> m_cancelled;
  std::vector<void*> m_root_frames;
  cluster_stats m_stats;
  bool m_stop_requested = false;

  // The communication thread's own.
  MPI_Comm m_comm = MPI_COMM_NULL;
  std::deque<pending_send> m_sends;
  std::vector<bytes> m_abandoned; // buffers of sends to lost ranks, which MPI may still read
  std::size_t m_running = 0;
  bool m_shutdown_received = false;
  std::map<std::uint64_t, map_state> m_maps;
  std::uint64_t m_next_map = 0;
  std::vector<std::size_t> m_window;
  std::vector<std::size_t> m_in_flight;
  int m_next_rank = 0;
  std::optional<journal> m_journal;
  std::chrono::milliseconds m_rank_timeout{0}; // rank 0's, on every rank
  clock::time_point m_last_beat{};             // ranks but 0: the last heartbeat sent
  bool m_receive_drained = false;              // the last receive() read every message there was
  bool m_abort_at_exit = false;                // a rank was lost: the job ends with MPI_Abort
  // Rank 0's view of the others, indexed by rank.
  std::vector<clock::time_point> m_last_heard;
  clock::time_point m_last_check{};
  std::vector<bool> m_lost;
  std::vector<std::set<item_ref>> m_items_at; // their items in flight

  static inline std::atomic<int> s_rank{0};
};

} // namespace yt::detail
