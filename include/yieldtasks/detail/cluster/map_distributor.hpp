#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <span>
#include <vector>

#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/remote.hpp>

namespace yt::detail {

// A map whose items a distributor runs elsewhere, seen through bytes: the taskmap awaitable
// adapts itself to this when its function is registered for remote execution.
class distributed_map {
public:
  [[nodiscard]] virtual std::size_t size() const noexcept = 0;
  [[nodiscard]] virtual const remote_entry& function() const noexcept = 0;
  // The encoded argument of item `index`. May throw (a codec's exception fails the map).
  [[nodiscard]] virtual std::vector<std::byte> encode_argument(std::size_t index) = 0;
  // Decodes item `index`'s result into the map's results. May throw, as encode_argument.
  virtual void store_result(std::size_t index, std::span<const std::byte> result) = 0;
  // Records the map's outcome (null: every item succeeded) and returns the job that resumes the
  // awaiting coroutine. The distributor must not touch the map after scheduling that job.
  [[nodiscard]] virtual resume_job& finish(std::exception_ptr error) noexcept = 0;

protected:
  distributed_map() = default;
  distributed_map(const distributed_map&) = default;
  distributed_map& operator=(const distributed_map&) = default;
  ~distributed_map() = default;
};

// A backend that runs the maps awaited directly by its root tasks elsewhere (the MPI cluster).
// At most one is active per process; taskmap asks it only for maps of registered functions.
class map_distributor {
public:
  map_distributor(const map_distributor&) = delete;
  map_distributor& operator=(const map_distributor&) = delete;

  // The active distributor if it takes the maps awaited by the coroutine `frame`, else null.
  [[nodiscard]] static map_distributor* for_frame(void* frame) noexcept {
    // acquire: pairs with the release in activate, so the distributor is fully built.
    map_distributor* active = s_active.load(std::memory_order_acquire);
    return active != nullptr && active->takes_maps_of(frame) ? active : nullptr;
  }

  // Takes over `map`: runs its items and eventually schedules map.finish(...)'s job.
  virtual void distribute(distributed_map& map) = 0;

protected:
  map_distributor() = default;
  ~map_distributor() = default;

  [[nodiscard]] virtual bool takes_maps_of(void* frame) const noexcept = 0;

  static void activate(map_distributor* distributor) noexcept {
    s_active.store(distributor, std::memory_order_release);
  }

private:
  static inline std::atomic<map_distributor*> s_active{nullptr};
};

} // namespace yt::detail
