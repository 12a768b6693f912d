#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <yieldtasks/available_concurrency.hpp>

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

/// Why a cluster backend could not start.
enum class cluster_failure {
  different_programs, ///< the ranks registered different remote functions or run other builds
  mpi_initialized,    ///< MPI was initialized by someone else
  journal,            ///< the journal cannot be used (damaged header, another program's, ...)
  options,            ///< an option is out of range
};

/// Thrown by a cluster backend that cannot start, on every rank: its ranks registered different
/// remote functions (or run different builds), MPI was initialized by someone else, the journal
/// cannot be used, or an option is out of range.
class cluster_error : public std::runtime_error {
public:
  cluster_error(int rank, const std::string& what,
                cluster_failure failure = cluster_failure::different_programs)
      : std::runtime_error(what), m_rank(rank), m_failure(failure) {}

  /// The rank of the process that throws.
  [[nodiscard]] int rank() const noexcept { return m_rank; }
  /// What went wrong; `journal` and `options` are bad input, the others a broken job.
  [[nodiscard]] cluster_failure failure() const noexcept { return m_failure; }

private:
  int m_rank;
  cluster_failure m_failure;
};

/// An exception thrown by an item that a cluster backend ran (on any rank), as it is rethrown
/// where the map is awaited: the original exception's type name and message, and the rank.
class remote_error : public std::runtime_error {
public:
  remote_error(std::string type_name, std::string message, int rank)
      : std::runtime_error(message + " (" + type_name + " on rank " + std::to_string(rank) + ")"),
        m_type_name(std::move(type_name)), m_message(std::move(message)), m_rank(rank) {}

  /// The demangled type of the original exception, e.g. `std::invalid_argument`.
  [[nodiscard]] const std::string& type_name() const noexcept { return m_type_name; }
  /// The original exception's `what()`.
  [[nodiscard]] const std::string& message() const noexcept { return m_message; }
  /// The rank where the item ran.
  [[nodiscard]] int rank() const noexcept { return m_rank; }

private:
  std::string m_type_name;
  std::string m_message;
  int m_rank;
};

} // namespace yt
