// serial: yt::inline_executor runs every level on the calling thread (the efficiency reference).
#include <yieldtasks/inline_executor.hpp>

#include "strategy.hpp"

namespace subscription {

std::vector<outcome> run_serial(const std::vector<job>& jobs, int /*threads*/) {
  yt::inline_executor serial;
  return serial.map([](const job& j) { return run_with(qs::taskmap_mapper{}, j); }, jobs);
}

} // namespace subscription
