#pragma once

// The task tree of the subscription benchmark's jobs, recorded from a serial run for
// bench/scaling_model.py to replay on machines we cannot test on.

#include <vector>

#include <nlohmann/json.hpp>

#include "strategy.hpp"

namespace subscription {

/// Runs `jobs` serially, as one map of the jobs whose inner levels are maps too, and returns the
/// task tree: every item's compute segments (steady-clock ns) in order, with the maps it awaits
/// between them.
///
/// The tree is `{"wall_ns", "leaves", "maps", "root"}`, `root` being an item. An item is a number
/// (a leaf: one compute segment, in ns) or an array of segments, each a number (compute, ns) or a
/// map `{"items": [item, ...]}`; a map whose items returned an empty optional (an optimizer start
/// made moot by a lower start's or an earlier candidate's success) lists their indices in `"moot"`.
/// The compute segments sum to the recorded wall time less the recorder's own clock reads.
nlohmann::json record_tree(const std::vector<job>& jobs);

} // namespace subscription
