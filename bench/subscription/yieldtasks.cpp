// yieldtasks: every level a nested co_await yt::taskmap on one yt::thread_pool.
#include <yieldtasks/thread_pool.hpp>

#include "strategy.hpp"

namespace subscription {

std::vector<qs::search_result> run_yieldtasks(const std::vector<job>& jobs, int threads) {
  yt::thread_pool pool(static_cast<std::size_t>(threads));
  return pool.map([](const job& j) { return qs::synthesize(j.target, j.options); }, jobs);
}

} // namespace subscription
