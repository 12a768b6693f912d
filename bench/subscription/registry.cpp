#include "strategy.hpp"

namespace subscription {

std::vector<strategy> available_strategies() {
  std::vector<strategy> all{{"serial", run_serial},
                            {"undersubscribe", run_undersubscribe},
                            {"oversubscribe", run_oversubscribe},
                            {"yieldtasks", run_yieldtasks}};
#ifdef SUBSCRIPTION_HAS_TBB
  all.push_back({"tbb", run_tbb});
#endif
#ifdef SUBSCRIPTION_HAS_OPENMP
  all.push_back({"openmp", run_openmp});
#endif
  return all;
}

} // namespace subscription
