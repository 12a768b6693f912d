#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <span>
#include <stdlib.h> // on_exit
#include <string>
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
#include <yieldtasks/codec.hpp>
#include <yieldtasks/detail/cluster/protocol.hpp>

namespace yt::detail {

// Every MPI call of a cluster, made on its communication thread only: MPI's start and end, the
// collectives of the handshake, and the point-to-point messages of protocol.hpp.
//
// Sends are MPI_Isend with the buffer kept until the request completes (complete_sends), so no
// two ranks sending each other large messages can deadlock. Receives poll (MPI_Iprobe): a
// blocking receive would spin a core while the rank waits for work.
class transport {
public:
  using bytes = std::vector<std::byte>;

  // Whether receive() read every message there was, and whether it read any.
  struct received {
    bool any = false;
    bool drained = false;
  };

  // Initializes MPI (MPI_THREAD_SERIALIZED: see mpi_engine) and takes a communicator of its own,
  // so that the application's messages on MPI_COMM_WORLD cannot be mistaken for ours.
  transport(int& argc, char**& argv) {
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
  }

  transport(const transport&) = delete;
  transport& operator=(const transport&) = delete;
  // No MPI call: a job that lost a rank must not finalize (see abort_at_exit).
  ~transport() = default;

  [[nodiscard]] int rank() const noexcept { return m_rank; }
  [[nodiscard]] int ranks() const noexcept { return m_ranks; }

  // Collective: waits for every rank.
  void finalize() {
    MPI_Comm_free(&m_comm);
    MPI_Finalize();
  }

  // Ends the job once this process exits, with its exit status: MPI_Finalize would wait for a
  // lost rank. Output written so far is flushed first, since MPI_Abort ends the process before
  // exit() would flush it.
  static void abort_at_exit() {
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

  // ---- collectives (the handshake) -------------------------------------------------------------

  // Every rank's `value`, indexed by rank.
  [[nodiscard]] std::vector<std::uint64_t> all_gather(std::uint64_t value) {
    std::vector<std::uint64_t> all(static_cast<std::size_t>(m_ranks));
    MPI_Allgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, m_comm);
    return all;
  }

  // On rank 0 every rank's `text`, indexed by rank; elsewhere nothing.
  [[nodiscard]] std::vector<std::string> gather_at_root(const std::string& text) {
    const int length = static_cast<int>(text.size());
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
    MPI_Gatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR,
                0, m_comm);
    std::vector<std::string> texts;
    if (m_rank == 0) {
      for (std::size_t r = 0; r < lengths.size(); ++r) {
        texts.push_back(
            all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r])));
      }
    }
    return texts;
  }

  // Overwrites `values` with rank 0's; every rank passes as many.
  void broadcast(std::span<std::int64_t> values) {
    MPI_Bcast(values.data(), static_cast<int>(values.size()), MPI_INT64_T, 0, m_comm);
  }
  void broadcast(std::span<char> text) {
    MPI_Bcast(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, m_comm);
  }

  // ---- messages
  // ----------------------------------------------------------------------------------

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

  // Releases the buffers of the sends that completed, in order; whether there were any.
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

  [[nodiscard]] bool sending() const noexcept { return !m_sends.empty(); }

  // Gives up the sends to a lost rank. Their buffers are kept to the end, since MPI may still
  // read them.
  void abandon_sends_to(int destination) {
    for (auto it = m_sends.begin(); it != m_sends.end();) {
      if (it->destination == destination) {
        MPI_Request_free(&it->request);
        m_abandoned.push_back(std::move(it->buffer));
        it = m_sends.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Hands the messages that have arrived, up to a batch, to handle(source, header, payload).
  template <class Handler> received receive(Handler&& handle) {
    received result;
    for (int batch = 0; batch < 64; ++batch) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, message_tag, m_comm, &flag, &status);
      if (flag == 0) {
        result.drained = true;
        break;
      }
      int count = 0;
      MPI_Get_count(&status, MPI_BYTE, &count);
      bytes buffer(static_cast<std::size_t>(count));
      MPI_Recv(buffer.data(), count, MPI_BYTE, status.MPI_SOURCE, message_tag, m_comm,
               MPI_STATUS_IGNORE);
      message_header header{};
      std::memcpy(&header, buffer.data(), sizeof header);
      handle(status.MPI_SOURCE, header, std::span<const std::byte>(buffer).subspan(sizeof header));
      result.any = true;
    }
    return result;
  }

private:
  struct pending_send {
    MPI_Request request;
    bytes buffer;
    int destination;
  };

  static constexpr int message_tag = 1;

  MPI_Comm m_comm = MPI_COMM_NULL;
  int m_rank = 0;
  int m_ranks = 1;
  std::deque<pending_send> m_sends;
  std::vector<bytes> m_abandoned;
};

} // namespace yt::detail
