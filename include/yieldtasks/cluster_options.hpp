#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>

#include <yieldtasks/available_concurrency.hpp>
// The cluster's errors were declared here first; code that includes only this header still gets
// them.
#include <yieldtasks/cluster_error.hpp>
#include <yieldtasks/remote_error.hpp>

namespace yt {

/// How a cluster backend (`yt::mpi_cluster`) runs on each rank.
struct cluster_options {
  /// Worker threads of each rank's pool.
  std::size_t threads = available_concurrency();
  /// If not empty, rank 0 records every distributed item's result in this file and takes the
  /// results it finds there instead of running the items again (see `yt::mpi_cluster`).
  std::filesystem::path journal{};
  /// How long rank 0 waits to hear from another rank before it takes that rank as lost (stopped,
  /// hung or cut off): every rank sends rank 0 a heartbeat eight times per timeout. A lost rank's
  /// items in flight are run again on the other ranks and its late answers are ignored (see
  /// `yt::mpi_cluster`). Rank 0's value holds for every rank; it must be positive.
  std::chrono::milliseconds rank_timeout{std::chrono::seconds(30)};
};

/// Where the items of a cluster's distributed maps ran: counts since the cluster started.
struct cluster_stats {
  std::size_t local = 0;           ///< run on rank 0
  std::size_t remote = 0;          ///< run on other ranks
  std::size_t journaled = 0;       ///< taken from the journal, not run
  std::size_t resent = 0;          ///< sent again because the rank running them was lost
  std::size_t lost_ranks = 0;      ///< ranks taken as lost (see `cluster_options::rank_timeout`)
  std::size_t journal_dropped = 0; ///< damaged journal records dropped (their items run again)
};

} // namespace yt
