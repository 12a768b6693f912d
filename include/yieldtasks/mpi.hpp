#pragma once

// The cluster backend: yt::mpi_cluster, an executor that spreads the maps of its root task over
// the processes of an MPI job. Not in the umbrella header: only this header needs MPI.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ranges>
#include <stdexcept>
#include <string>
#include <utility>

#include <yieldtasks/available_concurrency.hpp>
#include <yieldtasks/cluster_options.hpp>
#include <yieldtasks/detail/cluster/mpi_engine.hpp>
#include <yieldtasks/detail/executor/root_task.hpp>
#include <yieldtasks/remote.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt {

/// Runs tasks on the processes (ranks) of an MPI job: the same `map`/`sync_wait` surface as
/// `yt::thread_pool`, so a program switches to a cluster by changing the line that makes its
/// executor.
///
/// **Model (SPMD).** Every rank runs the same program and constructs the cluster with the same
/// arguments; each rank gets its own `yt::thread_pool` of `options.threads` workers and one thread
/// that talks to MPI. On rank 0 the constructor returns and the program goes on: its blocking
/// entries run the root task on rank 0's pool. On every other rank **the constructor does not
/// return**: the rank serves items until rank 0's cluster is destroyed, then ends the process
/// with `std::exit(EXIT_SUCCESS)` (so code after the constructor runs on rank 0 only, and
/// locals constructed before the cluster are not destroyed on the other ranks).
///
/// **What is distributed.** A `yt::taskmap` awaited directly by the root task (the task given to
/// `sync_wait`, or the map given to `map`) whose function is registered with `YT_REMOTE` or
/// `yt::remote` has its items spread over all ranks, rank 0 included, with dynamic load
/// balancing: each rank has up to twice its pool size items in flight, and gets the next one as
/// soon as one comes back. Arguments and results travel through `yt::codec`. Each item runs on
/// its rank's pool, so the maps it awaits stay there. Other maps — nested ones, or maps of
/// unregistered functions awaited by the root task — run on rank 0's pool. Results come back in
/// input order. A `yt::reduce` or `yt::transform_reduce` always runs on rank 0's pool. With one
/// rank and no journal, the cluster is exactly its `thread_pool`.
///
/// **Exceptions.** An item that throws on any rank fails the map like a local item: its
/// exception comes back as a `yt::remote_error` (type name, message, rank), rethrown from the
/// `co_await` once the items already started have finished; the items not yet started on any
/// rank are skipped. `map` throws `yt::usage_error` for a function that is not registered.
/// The constructor throws `yt::cluster_error`, on every rank, when the ranks' registries differ;
/// rank 0 has then written the message to `stderr` already (the MPI launcher may end it as soon
/// as another rank exits).
///
/// **Journal.** With `options.journal` set, rank 0 appends each distributed item's result to that
/// file as it arrives, and looks every item up there before sending it anywhere: a rerun after a
/// crash (an MPI job ends whole when one rank dies) skips the work already done and produces the
/// same results, provided the functions are deterministic. The journal is stamped with the
/// program's fingerprint (library version, data layout, remote functions): another program's or
/// build's journal is refused with a `yt::cluster_error` (`cluster_failure::journal`) naming the
/// file. A damaged record is dropped (its item runs again) and the records after it are kept;
/// rank 0 says how many on `stderr`, and `stats().journal_dropped` counts them.
///
/// **Lost ranks.** A rank that rank 0 has not heard from for `options.rank_timeout` (stopped,
/// hung, cut off; every rank sends heartbeats) is taken as lost: its items in flight are sent to
/// the other ranks (rank 0 included), its late answers are ignored, and the results are the same
/// as without the loss. rank 0 says so on `stderr`. Such a job cannot end with `MPI_Finalize`,
/// which would wait for the lost rank, so when rank 0's process exits (after its output is
/// flushed) it ends the job with `MPI_Abort` and the process's exit status: the MPI launcher
/// then exits with that status too, after printing its abort notice. A lost rank 0 cannot be
/// replaced: the job waits for it.
///
/// **Thread safety.** As `yt::thread_pool`: the blocking entries may be called from several
/// non-worker threads of rank 0; calling them on a worker thread throws `yt::usage_error`.
/// Only one cluster may exist in a process (MPI is initialized once); it initializes and
/// finalizes MPI itself, on its communication thread.
///
/// **Example.**
/// ```cpp
/// double simulate(std::vector<double> parameters);   // a plain function, or a yt::task
/// YT_REMOTE(simulate);
/// int main(int argc, char** argv) {
///   yt::mpi_cluster executor(argc, argv);             // was: yt::thread_pool executor;
///   std::vector<double> costs = executor.map(simulate, inputs);
/// }
/// ```
class mpi_cluster {
public:
  /// Initializes MPI, starts this rank's pool and communication thread, and checks that every
  /// rank registered the same remote functions. Collective: every rank must call it. On ranks
  /// other than 0 it serves until rank 0's cluster is destroyed and then exits the process.
  /// **Exceptions.** `yt::cluster_error` (every rank) if the registries differ, MPI was
  /// initialized already, the journal cannot be used (another program's, a directory, unreadable)
  /// or `options.rank_timeout` is not positive; `std::invalid_argument` if `options.threads` is 0.
  mpi_cluster(int& argc, char**& argv, const cluster_options& options = {})
      : m_pool(std::make_unique<thread_pool>(options.threads)),
        m_engine(std::make_unique<detail::mpi_engine>(argc, argv, options, *m_pool)) {
    if (m_engine->rank() != 0) {
      m_engine->serve();
      m_engine.reset();
      m_pool.reset();
      // Deliberate: the code after the constructor is rank 0's (see above). The pool and the
      // communication thread are joined by now, so no thread of ours races the exit handlers.
      std::exit(EXIT_SUCCESS); // NOLINT(concurrency-mt-unsafe)
    }
  }

  mpi_cluster(const mpi_cluster&) = delete;
  mpi_cluster& operator=(const mpi_cluster&) = delete;
  mpi_cluster(mpi_cluster&&) = delete;
  mpi_cluster& operator=(mpi_cluster&&) = delete;

  /// Ends the other ranks, finalizes MPI (or, if a rank was lost, arranges for `MPI_Abort` at
  /// process exit) and stops the pool. Must not run while a blocking entry is still running.
  ~mpi_cluster() = default;

  /// This process's rank (always 0 where user code runs after the constructor).
  [[nodiscard]] int rank() const noexcept { return m_engine->rank(); }
  /// The number of ranks in the job.
  [[nodiscard]] int ranks() const noexcept { return m_engine->ranks(); }
  /// The rank of the calling process, from any thread (an item uses it to know where it runs);
  /// 0 when no cluster has started.
  [[nodiscard]] static int current_rank() noexcept { return detail::mpi_engine::current_rank(); }
  /// This rank's pool.
  [[nodiscard]] thread_pool& pool() noexcept { return *m_pool; }
  /// Where the items of the distributed maps ran so far.
  [[nodiscard]] cluster_stats stats() const { return m_engine->stats(); }

  /// Runs `work` as the root task on rank 0's pool, its maps of registered functions spread over
  /// the ranks, and blocks until it finishes. **Exceptions.** What the task throws;
  /// `yt::usage_error` if called from a worker thread.
  template <class T> T sync_wait(task<T> work) {
    if (!m_engine->distributing()) {
      return m_pool->sync_wait(std::move(work));
    }
    const detail::mpi_engine::root_scope root(*m_engine,
                                              detail::task_access::frame(work).address());
    return m_pool->sync_wait(std::move(work));
  }

  /// Applies the registered function `fn` to every element of `range` on all ranks; results in
  /// input order, exceptions as for `sync_wait`. **Exceptions.** `yt::usage_error` if `fn` is not
  /// a function registered with `YT_REMOTE` (or `yt::remote`) and there is more than one rank or
  /// a journal.
  template <class F, std::ranges::input_range Range>
  taskmap_result_t<F, Range> map(F&& fn, Range&& range) {
    if (m_engine->distributing()) {
      refuse_unregistered(fn);
    }
    return sync_wait(detail::map_root(std::forward<F>(fn), std::forward<Range>(range)));
  }

  /// Reduces `range` on rank 0's pool, as `yt::thread_pool::reduce`: a reduction is never
  /// distributed (nor is a `co_await yt::reduce` in the root task), and its result is the same,
  /// bit for bit, as on any executor. **Exceptions.** As for `sync_wait`.
  template <std::ranges::input_range Range, class T, class Op>
  T reduce(Range&& range, T init, Op&& op) {
    return m_pool->reduce(std::forward<Range>(range), std::move(init), std::forward<Op>(op));
  }

  /// `yt::thread_pool::transform_reduce` on rank 0's pool, as `reduce`.
  template <std::ranges::input_range Range, class T, class Op, class Transform>
  T transform_reduce(Range&& range, T init, Op&& reduce_op, Transform&& transform) {
    return m_pool->transform_reduce(std::forward<Range>(range), std::move(init),
                                    std::forward<Op>(reduce_op),
                                    std::forward<Transform>(transform));
  }

private:
  template <class F> static void refuse_unregistered(const F& fn) {
    if (detail::find_remote(fn) == nullptr) {
      throw usage_error("yt::mpi_cluster::map: the function is not registered for remote "
                        "execution; register a plain function with YT_REMOTE(fn) (a lambda "
                        "cannot be sent to other ranks)");
    }
  }

  std::unique_ptr<thread_pool> m_pool;
  std::unique_ptr<detail::mpi_engine> m_engine;
};

} // namespace yt
