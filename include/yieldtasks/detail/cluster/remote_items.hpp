#pragma once

#include <cstddef>
#include <exception>
#include <span>
#include <tuple>
#include <type_traits>
#include <vector>

#include <yieldtasks/codec.hpp>
#include <yieldtasks/detail/cluster/map_distributor.hpp>
#include <yieldtasks/remote.hpp>

namespace yt::detail {

// A taskmap awaitable seen by a map_distributor: encodes its items' arguments, decodes their
// results into its results and records its outcome. The awaitable makes this a friend and
// constructs it in its own frame when a distributor takes the map, so the adapter costs nothing
// to maps that stay local and lives exactly as long as the map.
template <class Map> class remote_items final : public distributed_map {
public:
  remote_items(Map& map, const remote_entry& function) noexcept
      : m_map(map), m_function(function) {}

  [[nodiscard]] std::size_t size() const noexcept override { return m_map.m_range.size(); }
  [[nodiscard]] const remote_entry& function() const noexcept override { return m_function; }

  [[nodiscard]] std::vector<std::byte> encode_argument(std::size_t index) override {
    using argument = typename remote_signature<typename Map::function_type>::argument;
    if constexpr (std::is_same_v<std::remove_cvref_t<typename Map::reference>, argument>) {
      return encode(m_map.m_range[index]);
    } else {
      return encode(static_cast<argument>(m_map.m_range[index]));
    }
  }

  void store_result(std::size_t index, std::span<const std::byte> result) override {
    if constexpr (!Map::returns_void) {
      m_map.store(index, decode<typename Map::value_type>(result));
    } else {
      static_cast<void>(decode<std::tuple<>>(result));
    }
  }

  [[nodiscard]] resume_job& finish(std::exception_ptr error) noexcept override {
    if (error) {
      m_map.m_outcome.store(Map::failed, std::memory_order_relaxed);
      m_map.m_error = std::move(error);
    }
    return m_map.m_join.parent();
  }

private:
  Map& m_map;
  const remote_entry& m_function;
};

} // namespace yt::detail
