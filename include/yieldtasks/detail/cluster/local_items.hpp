#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cxxabi.h>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <typeinfo>
#include <unordered_set>
#include <utility>
#include <vector>

#include <yieldtasks/codec.hpp>
#include <yieldtasks/detail/cluster/protocol.hpp>
#include <yieldtasks/detail/executor/root_task.hpp>
#include <yieldtasks/remote.hpp>
#include <yieldtasks/remote_error.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/thread_pool.hpp>

namespace yt::detail {

// The items this rank runs on its own pool, whichever rank sent them (rank 0 sends itself its
// share this way, without MPI).
//
// Threads. start() and take_finished() run on the communication thread. Each item runs as the
// root task of a blocking entry would, on a pool worker; when it has finished and destroyed its
// frame, the worker queues it and wakes the communication thread. The queue, the cancelled maps
// and the wake-up are guarded by the engine's mutex and signalled on its condition variable,
// which the communication thread waits on for all its queues at once.
class local_items {
  using bytes = std::vector<std::byte>;

public:
  local_items(thread_pool& pool, const std::vector<const remote_entry*>& functions,
              std::mutex& mutex, std::condition_variable& wake)
      : m_pool(pool), m_functions(functions), m_mutex(mutex), m_wake(wake) {}

  local_items(const local_items&) = delete;
  local_items& operator=(const local_items&) = delete;
  ~local_items() = default;

  // Starts item `index` of map `map`, sent by rank `origin`, on the pool.
  void start(int origin, std::uint64_t map, std::uint64_t index, std::uint32_t function,
             bytes argument) {
    auto* item =
        new local_item(*this, origin, map, index, *m_functions.at(function), std::move(argument));
    ++m_running;
    item->start.handle = make_root(run(*item), item->outcome, item->done).release();
    pool_access::inject(m_pool, item->start.armed());
  }

  // The items of `map` not started yet are skipped. Any thread.
  void cancel(std::uint64_t map) {
    const std::lock_guard lock(m_mutex);
    m_cancelled.insert(map);
  }

  // Whether an item waits for take_finished(); the caller holds the engine's mutex.
  [[nodiscard]] bool has_finished() const noexcept { return !m_finished.empty(); }

  // Hands each finished item's answer to answer(origin, map, index, status, payload) and frees
  // the item; whether there were any.
  template <class Answer> bool take_finished(Answer&& answer) {
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
      answer(item->origin, item->map, item->index, status, std::span<const std::byte>(payload));
    }
    return !finished.empty();
  }

  // Items started and not yet taken back by take_finished().
  [[nodiscard]] std::size_t running() const noexcept { return m_running; }

private:
  struct local_item {
    struct finished_signal {
      local_item* item;
      void set() const { item->owner->finished(*item); }
    };

    local_item(local_items& items, int from, std::uint64_t map_id, std::uint64_t item_index,
               const remote_entry& item_function, bytes item_argument) noexcept
        : owner(&items), origin(from), map(map_id), index(item_index), function(&item_function),
          argument(std::move(item_argument)) {}

    local_items* owner;
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

  static task<bytes> run(local_item& item) {
    if (item.owner->cancelled(item.map)) {
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
  void finished(local_item& item) {
    // Notified under the lock: this may be the last item before the engine's end, and once the
    // lock is released the engine, condition variable included, may be destroyed.
    const std::lock_guard lock(m_mutex);
    m_finished.push_back(&item);
    m_wake.notify_one();
  }

  // An item's exception as it travels: its type name and message.
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

  thread_pool& m_pool;
  const std::vector<const remote_entry*>& m_functions;
  std::mutex& m_mutex;
  std::condition_variable& m_wake;
  std::vector<local_item*> m_finished;           // guarded by m_mutex
  std::unordered_set<std::uint64_t> m_cancelled; // guarded by m_mutex
  std::size_t m_running = 0;                     // the communication thread's
};

} // namespace yt::detail
