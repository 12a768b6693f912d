#pragma once

#include <stdexcept>

namespace yt {

/// Thrown from the `co_await` of a map that was stopped before all its items started, when the map
/// cannot report skipped items in its result: a map whose function takes neither a
/// `yt::stop_source` nor a `std::stop_token` yields `std::vector<R>`, which has no room for holes.
///
/// Such a map is stopped from outside its items: through the `std::stop_token` given with
/// `taskmap(fn, range, token)`, or by a stop of an enclosing map (a `yt::stop_source`,
/// an enclosing map's token, a `yt::when_any` whose other task won). A cancellable map whose item
/// ends with this exception after the map itself was stopped counts the item as skipped
/// (`std::nullopt`) instead of failing, so a stop that passes through a nested plain map does not
/// turn into an error further up.
class operation_cancelled : public std::runtime_error {
public:
  operation_cancelled() : std::runtime_error("yt: the operation was stopped before it finished") {}
};

} // namespace yt
