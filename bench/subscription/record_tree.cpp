// The recording mapper: every map runs serially on the calling thread, like serial_for_each, and
// the time between two maps becomes a compute segment of the item that awaits them.
#include "record_tree.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>

#include <yieldtasks/inline_executor.hpp>

namespace subscription {
namespace {

using steady = std::chrono::steady_clock;

template <class T> constexpr bool is_optional = false;
template <class T> constexpr bool is_optional<std::optional<T>> = true;

// An item being run: its segments so far and when its current compute segment began.
struct open_item {
  nlohmann::json segments = nlohmann::json::array();
  steady::time_point segment_start = steady::now();

  void close_segment() {
    const auto now = steady::now();
    const std::int64_t ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - segment_start).count();
    // Back-to-back maps leave an empty segment; the replay needs none.
    if (ns > 0) {
      segments.push_back(ns);
    }
    segment_start = now;
  }

  // A lone compute segment is written as its number: most items are leaves.
  nlohmann::json finish() && {
    if (segments.size() == 1 && segments[0].is_number()) {
      return segments[0];
    }
    return std::move(segments);
  }
};

class tree_recorder {
public:
  tree_recorder() { m_items.emplace_back(); }

  void begin_map() {
    m_items.back().close_segment();
    m_open_maps.push_back(nlohmann::json::object({{"items", nlohmann::json::array()}}));
  }

  void begin_item() { m_items.emplace_back(); }

  void end_item(std::size_t index, bool moot) {
    open_item item = std::move(m_items.back());
    m_items.pop_back();
    item.close_segment();
    nlohmann::json recorded = std::move(item).finish();
    m_leaves += recorded.is_number() ? 1 : 0;
    nlohmann::json& map = m_open_maps.back();
    map["items"].push_back(std::move(recorded));
    if (moot) {
      map["moot"].push_back(index);
    }
  }

  void end_map() {
    ++m_maps;
    m_items.back().segments.push_back(std::move(m_open_maps.back()));
    m_open_maps.pop_back();
    m_items.back().segment_start = steady::now();
  }

  nlohmann::json finish(steady::duration wall) && {
    open_item root = std::move(m_items.back());
    root.close_segment();
    return {{"wall_ns", std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count()},
            {"leaves", m_leaves},
            {"maps", m_maps},
            {"root", std::move(root).finish()}};
  }

private:
  std::vector<open_item> m_items;
  std::vector<nlohmann::json> m_open_maps;
  long m_leaves = 0;
  long m_maps = 0;
};

// A mapper for qs::synthesize_with that runs each map serially and records it.
struct recording_mapper {
  tree_recorder* recorder;

  // `name` names a taskmap in a trace; the recorded tree has no names.
  template <class F, class Range> auto map(F&& fn, Range&& range, const char* /*name*/ = nullptr) {
    using call_result = std::invoke_result_t<F&, std::ranges::range_reference_t<Range>>;
    using value_type = typename task_value<call_result>::type;
    const auto n = static_cast<std::size_t>(std::ranges::size(range));
    std::vector<value_type> out(n);
    const auto first = std::ranges::begin(range);
    recorder->begin_map();
    for (std::size_t i = 0; i < n; ++i) {
      recorder->begin_item();
      if constexpr (task_value<call_result>::is_task) {
        out[i] = yt::inline_executor{}.sync_wait(fn(first[static_cast<std::ptrdiff_t>(i)]));
      } else {
        out[i] = fn(first[static_cast<std::ptrdiff_t>(i)]);
      }
      bool moot = false;
      if constexpr (is_optional<value_type>) {
        moot = !out[i].has_value();
      }
      recorder->end_item(i, moot);
    }
    recorder->end_map();
    return ready<std::vector<value_type>>{std::move(out)};
  }
};

} // namespace

nlohmann::json record_tree(const std::vector<job>& jobs) {
  tree_recorder recorder;
  recording_mapper mapper{&recorder};
  const auto start = steady::now();
  mapper.map([&](const job& j) { return run_with(mapper, j); }, jobs);
  return std::move(recorder).finish(steady::now() - start);
}

} // namespace subscription
