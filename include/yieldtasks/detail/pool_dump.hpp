#pragma once

#include <cstddef>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <yieldtasks/detail/map_context.hpp>
#include <yieldtasks/detail/worker.hpp>
#include <yieldtasks/detail/worker_position.hpp>

namespace yt::detail {

// What thread_pool::dump() gathers: copied under the dump gate, written out after it opened, so
// that map ends wait on the copy only, never on the caller's stream.
struct worker_dump {
  enum class activity { running, searching, asleep };
  activity state = activity::searching;
  std::size_t queued = 0;
  bool in_item = false;
  std::size_t index = worker_position::no_index;
  std::size_t done_here = 0;   // see worker_position::reading
  std::vector<map_state> maps; // the item's map first, then its ancestors; empty if not followed
};

struct pool_dump {
  std::vector<worker_dump> workers;
  std::size_t injected = 0;
  std::size_t callers = 0;
  bool followed = false; // whether maps were followed (the gate needs membarrier)
};

// Deeper chains are cut: a dump must stay short while map ends wait for it.
inline constexpr std::size_t dump_max_depth = 64;

// Under the gate (worker_position.hpp): copies `self`'s position and, if `follow`, the maps from
// its item's map up to the root. `asleep` comes from the pool's sleeper list.
inline void describe_worker(const worker& self, bool asleep, bool follow, worker_dump& out) {
  out.queued = self.queued();
  if (self.counters().busy()) {
    out.state = worker_dump::activity::running;
  } else {
    out.state = asleep ? worker_dump::activity::asleep : worker_dump::activity::searching;
  }
  const worker_position::reading position = self.position().read();
  out.in_item = position.map != nullptr;
  out.index = position.index;
  out.done_here = position.done_here;
  if (!follow) {
    return;
  }
  for (const map_context* map = position.map; map != nullptr && out.maps.size() < dump_max_depth;
       map = map->parent()) {
    map_state state;
    if (const map_probe* probe = map->probe()) {
      state = probe->describe();
    } else {
      state.depth = map->depth(); // a when_any
    }
    state.id = map;
    out.maps.push_back(state);
  }
}

// After the gate: adds to each map's progress the items that workers running ranges of it have
// done but not yet accounted for.
inline void add_unaccounted(pool_dump& dump) {
  for (const worker_dump& runner : dump.workers) {
    if (runner.done_here == 0 || runner.maps.empty()) {
      continue;
    }
    const void* id = runner.maps.front().id;
    for (worker_dump& other : dump.workers) {
      for (map_state& map : other.maps) {
        if (map.id == id) {
          map.done =
              map.done + runner.done_here < map.size ? map.done + runner.done_here : map.size;
        }
      }
    }
  }
}

inline void write_map(std::ostream& out, std::size_t index, const map_state& map) {
  if (map.name == nullptr) {
    out << "a when_any or as_completed stream (depth " << map.depth << ')';
    return;
  }
  if (index != map_state::npos()) {
    out << "item " << index << " of ";
  }
  out << "map \"" << map.name << "\" (depth " << map.depth << "; " << map.done << " of " << map.size
      << " items done)";
}

inline void write_worker(std::ostream& out, std::size_t number, const worker_dump& self,
                         bool followed) {
  out << "worker " << number << ": ";
  if (self.state == worker_dump::activity::asleep) {
    out << "asleep";
  } else if (self.state == worker_dump::activity::searching) {
    out << "looking for work";
  } else if (!self.in_item) {
    out << "running, outside any map item";
  } else if (!followed) {
    out << "running ";
    if (self.index != map_state::npos()) {
      out << "item " << self.index << " of ";
    }
    out << "a map (maps not followed: membarrier is unavailable)";
  } else {
    out << "running ";
    if (self.maps.empty()) {
      out << "a map item";
    } else {
      write_map(out, self.index, self.maps.front());
    }
  }
  if (self.queued != 0) {
    out << "; " << self.queued << (self.queued == 1 ? " job" : " jobs") << " queued";
  }
  out << '\n';
  if (self.state != worker_dump::activity::running) {
    return;
  }
  for (std::size_t level = 1; level < self.maps.size(); ++level) {
    out << "  in ";
    write_map(out, self.maps[level - 1].index_in_parent, self.maps[level]);
    out << '\n';
  }
}

// Written to a string first and then to `out` in one call, so that a dump's lines stay together
// when other threads write to the same stream.
inline void write_dump(std::ostream& out, const pool_dump& dump) {
  std::ostringstream text;
  text << "yt::thread_pool: " << dump.workers.size()
       << (dump.workers.size() == 1 ? " worker, " : " workers, ") << dump.injected
       << (dump.injected == 1 ? " injected job" : " injected jobs") << " waiting, " << dump.callers
       << (dump.callers == 1 ? " caller" : " callers") << " blocked in map or sync_wait\n";
  for (std::size_t i = 0; i < dump.workers.size(); ++i) {
    write_worker(text, i, dump.workers[i], dump.followed);
  }
  out << text.str();
}

} // namespace yt::detail
