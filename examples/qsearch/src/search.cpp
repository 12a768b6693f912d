#include <algorithm>

#include <qsearch/search.hpp>
#include <qsearch/search_impl.hpp>

namespace qs {

double distance(const matrix& u, const matrix& v) {
  // Rounding can make |Tr(U†V)| exceed N by a few ulps when V equals U: that is d = 0, not less.
  return std::max(0.0, 1.0 - std::abs((u.adjoint() * v).trace()) / static_cast<double>(u.rows()));
}

yt::task<search_result> synthesize(matrix target, search_options options) {
  return synthesize_with(taskmap_mapper{}, std::move(target), std::move(options));
}

} // namespace qs
