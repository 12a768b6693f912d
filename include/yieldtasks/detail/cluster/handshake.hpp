#pragma once

#include <array>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <yieldtasks/cluster_error.hpp>
#include <yieldtasks/cluster_options.hpp>
#include <yieldtasks/detail/cluster/journal.hpp>
#include <yieldtasks/detail/cluster/transport.hpp>
#include <yieldtasks/remote.hpp>
#include <yieldtasks/version.hpp>

namespace yt::detail {

// What every rank knows once the cluster has started.
struct cluster_agreement {
  std::vector<std::size_t> windows;       // per rank: items it may have in flight
  std::chrono::milliseconds rank_timeout; // rank 0's, on every rank
};

// What must be equal on every rank: the library version, the data layout the codec copies, and
// the remote functions, one line each. Also the journal's fingerprint.
inline std::string program_description(const std::vector<const remote_entry*>& functions) {
  std::string text = "yieldtasks " + std::to_string(YT_VERSION_MAJOR) + "." +
                     std::to_string(YT_VERSION_MINOR) + "." + std::to_string(YT_VERSION_PATCH) +
                     ", " + std::to_string(sizeof(void*) * 8) + "-bit " +
                     (std::endian::native == std::endian::little ? "little" : "big") + "-endian\n";
  for (const remote_entry* function : functions) {
    text += function->name + " " + function->signature + "\n";
  }
  return text;
}

// The lines of two descriptions that differ, as rank 0 reports them.
inline std::string describe_mismatch(const std::string& root, const std::string& other, int rank) {
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

// The collective start of a cluster. Every rank learns every rank's pool size (its window is
// twice that); rank 0 compares each rank's description with its own, checks the options and
// opens the journal into `opened`, then broadcasts its verdict, so that either every rank goes on
// or every rank throws the same cluster_error and none is left waiting for the others.
inline cluster_agreement handshake(transport& link, const cluster_options& options,
                                   const std::vector<const remote_entry*>& functions,
                                   std::optional<journal>& opened) {
  cluster_agreement agreed;
  for (const std::uint64_t threads : link.all_gather(options.threads)) {
    agreed.windows.push_back(2 * static_cast<std::size_t>(threads));
  }
  const std::string mine = program_description(functions);
  const std::vector<std::string> all = link.gather_at_root(mine);
  std::string verdict;
  cluster_failure failure = cluster_failure::different_programs;
  if (link.rank() == 0) {
    for (std::size_t r = 1; r < all.size(); ++r) {
      if (all[r] != mine) {
        verdict = describe_mismatch(mine, all[r], static_cast<int>(r));
        break;
      }
    }
    if (verdict.empty() && options.rank_timeout.count() <= 0) {
      verdict = "yt::mpi_cluster: rank_timeout must be positive, not " +
                std::to_string(options.rank_timeout.count()) + " ms";
      failure = cluster_failure::options;
    }
    // Opened before the verdict goes out, so that every rank learns of a failure.
    if (verdict.empty() && !options.journal.empty()) {
      try {
        opened.emplace(options.journal, mine);
      } catch (const std::exception& error) {
        verdict = error.what();
        failure = cluster_failure::journal;
      }
    }
  }
  std::array<std::int64_t, 3> shared{static_cast<std::int64_t>(verdict.size()),
                                     static_cast<std::int64_t>(failure),
                                     static_cast<std::int64_t>(options.rank_timeout.count())};
  link.broadcast(shared);
  verdict.resize(static_cast<std::size_t>(shared[0]));
  link.broadcast(verdict);
  if (!verdict.empty()) {
    // Written here, before MPI_Finalize: once the others finalize and exit non-zero, the MPI
    // launcher may kill rank 0 before code catching the exception could print it.
    if (link.rank() == 0) {
      std::fprintf(stderr, "%s\n", verdict.c_str());
      std::fflush(stderr);
    }
    throw cluster_error(link.rank(), verdict, static_cast<cluster_failure>(shared[1]));
  }
  agreed.rank_timeout = std::chrono::milliseconds(shared[2]);
  return agreed;
}

} // namespace yt::detail
