#pragma once

#include <stdexcept>
#include <string>

namespace yt {

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

} // namespace yt
