// yieldtasks: every level a nested co_await yt::taskmap on one yt::thread_pool.
#include <yieldtasks/thread_pool.hpp>

#include "strategy.hpp"

namespace subscription {

std::vector<outcome> run_yieldtasks(const std::vector<job>& jobs, int threads) {
  yt::thread_pool pool(static_cast<std::size_t>(threads));
  return pool.map([](const job& j) { return run_with(qs::taskmap_mapper{}, j); }, jobs);
}

} // namespace subscription
