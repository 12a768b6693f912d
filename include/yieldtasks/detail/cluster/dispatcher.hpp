#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yieldtasks/cluster_options.hpp>
#include <yieldtasks/codec.hpp>
#include <yieldtasks/detail/cluster/journal.hpp>
#include <yieldtasks/detail/cluster/map_distributor.hpp>
#include <yieldtasks/detail/cluster/protocol.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/remote.hpp>
#include <yieldtasks/remote_error.hpp>

namespace yt::detail {

// What a dispatcher has done for it: the engine carries items and cancellations to the ranks and
// resumes finished maps on the pool.
class dispatch_outbox {
public:
  // Runs item `index` of map `id` on `rank` (0: this rank's own pool); `function` is the index of
  // the map's function in the sorted registry.
  virtual void send_item(int rank, std::uint64_t id, std::size_t index, std::uint32_t function,
                         std::vector<std::byte> argument) = 0;
  // Map `id` failed: every rank not lost, this one included, skips its items not yet started.
  virtual void cancel(std::uint64_t id) = 0;
  // Schedules the job that resumes a finished map's awaiting coroutine.
  virtual void resume(resume_job& job) = 0;
  virtual void count(std::size_t cluster_stats::*field) = 0;

protected:
  dispatch_outbox() = default;
  dispatch_outbox(const dispatch_outbox&) = default;
  dispatch_outbox& operator=(const dispatch_outbox&) = default;
  ~dispatch_outbox() = default;
};

// Rank 0's bookkeeping of the distributed maps: which item goes to which rank, what each rank
// has in flight, the answers, the journal, and the items of lost ranks. No MPI and no threads:
// the engine's communication thread makes every call, and the outbox does the rest.
//
// Windows. Each rank has at most its window of items in flight (twice its pool size, so it has
// the next item before its workers run dry). dispatch() hands out items round robin to ranks
// with room, rank 0 included, in the order the maps were submitted; each answer frees a slot.
//
// Completion. A map finishes when `unfinished` (items not answered, skipped or taken from the
// journal) reaches 0; the dispatcher then records its outcome and forgets it before it schedules
// the resume job, since the map's awaitable may be gone as soon as that job runs.
//
// Failure. The first failure of a map (an item's exception, a codec's, the journal's) wins: its
// unsent items are skipped, the outbox cancels it on every rank, and the items in flight still
// count until answered (an answer after the failure is dropped).
//
// Loss. A lost rank's items in flight go to the front of their maps, to be sent before any new
// item; its later answers are ignored. Each item sent to another rank keeps its encoded argument
// until answered, for this and for the journal, which needs it to record the result under.
class dispatcher {
  using bytes = std::vector<std::byte>;

public:
  // `windows`: each rank's; `functions`: the sorted registry; `record`: the journal, or null.
  dispatcher(std::vector<std::size_t> windows, const std::vector<const remote_entry*>& functions,
             journal* record, dispatch_outbox& outbox)
      : m_functions(functions), m_journal(record), m_outbox(outbox), m_window(std::move(windows)),
        m_in_flight(m_window.size(), 0), m_lost(m_window.size(), false),
        m_items_at(m_window.size()) {}

  dispatcher(const dispatcher&) = delete;
  dispatcher& operator=(const dispatcher&) = delete;
  ~dispatcher() = default;

  void submit(distributed_map& map) {
    const auto position = std::find(m_functions.begin(), m_functions.end(), &map.function());
    m_maps.try_emplace(m_next_map++, map,
                       static_cast<std::uint32_t>(position - m_functions.begin()));
  }

  // Sends items to ranks with room in their window, those of lost ranks first, taking journaled
  // results on the way; whether it did anything.
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
        m_outbox.count(&cluster_stats::resent);
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
          if (m_journal != nullptr) {
            if (const bytes* result =
                    m_journal->find(state.map->function().name, *state.next_argument)) {
              ++state.next;
              state.next_argument.reset();
              store(id, state, state.next - 1, *result);
              --state.unfinished;
              m_outbox.count(&cluster_stats::journaled);
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
        if (rank != 0 || m_journal != nullptr) {
          state.arguments.emplace(index, argument);
        }
        send_item(id, state, index, rank, std::move(argument));
        any = true;
      }
    }
    finish_maps();
    return any;
  }

  // Rank `source` answered item `index` of map `id`.
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
      m_outbox.count(source == 0 ? &cluster_stats::local : &cluster_stats::remote);
      if (!state.error) {
        store(id, state, static_cast<std::size_t>(index), payload);
        if (m_journal != nullptr && !state.error) {
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

  // Takes `rank` as lost and returns how many items it had in flight. Maps this finishes are
  // left to finish_maps(), so the caller can report the loss first.
  std::size_t lose(int rank) {
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
    return items;
  }

  // Resumes, through the outbox, every map with no item left.
  void finish_maps() {
    for (auto it = m_maps.begin(); it != m_maps.end();) {
      if (it->second.unfinished == 0) {
        resume_job& resume = it->second.map->finish(it->second.error);
        it = m_maps.erase(it);
        m_outbox.resume(resume);
      } else {
        ++it;
      }
    }
  }

  [[nodiscard]] bool lost(int rank) const { return m_lost[static_cast<std::size_t>(rank)]; }
  [[nodiscard]] bool any_lost() const {
    return std::find(m_lost.begin(), m_lost.end(), true) != m_lost.end();
  }
  // No map is left.
  [[nodiscard]] bool idle() const noexcept { return m_maps.empty(); }

private:
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

  void send_item(std::uint64_t id, const map_state& state, std::size_t index, int rank,
                 bytes argument) {
    ++m_in_flight[static_cast<std::size_t>(rank)];
    if (rank != 0) {
      m_items_at[static_cast<std::size_t>(rank)].emplace(id, index);
    }
    m_outbox.send_item(rank, id, index, state.function, std::move(argument));
  }

  // The next rank, round robin, not lost and with fewer items in flight than its window; -1 if
  // none.
  int free_rank() {
    const auto ranks = static_cast<int>(m_window.size());
    for (int tried = 0; tried < ranks; ++tried) {
      const int rank = m_next_rank;
      const auto index = static_cast<std::size_t>(rank);
      m_next_rank = (m_next_rank + 1) % ranks;
      if (!m_lost[index] && m_in_flight[index] < m_window[index]) {
        return rank;
      }
    }
    return -1;
  }

  void store(std::uint64_t id, map_state& state, std::size_t index,
             std::span<const std::byte> result) {
    try {
      state.map->store_result(index, result);
    } catch (...) {
      fail(id, state, std::current_exception());
    }
  }

  void fail(std::uint64_t id, map_state& state, std::exception_ptr error) {
    if (state.error) {
      return;
    }
    state.error = std::move(error);
    state.unfinished -= state.size - state.next + state.resend.size();
    state.next = state.size;
    state.next_argument.reset();
    state.resend.clear();
    m_outbox.cancel(id);
  }

  const std::vector<const remote_entry*>& m_functions;
  journal* m_journal;
  dispatch_outbox& m_outbox;
  std::map<std::uint64_t, map_state> m_maps; // in submission order
  std::uint64_t m_next_map = 0;
  std::vector<std::size_t> m_window;
  std::vector<std::size_t> m_in_flight;
  int m_next_rank = 0;
  std::vector<bool> m_lost;
  std::vector<std::set<item_ref>> m_items_at; // other ranks' items in flight
};

} // namespace yt::detail
