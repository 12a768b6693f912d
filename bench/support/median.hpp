#pragma once

// The statistic every benchmark reports over its repeats.

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <vector>

namespace yt_bench {

/// Returns the median of `values` (the mean of the middle two for an even count).
/// **Exceptions.** `std::invalid_argument` if `values` is empty.
inline double median(std::vector<double> values) {
  if (values.empty()) {
    throw std::invalid_argument("median of no values");
  }
  std::ranges::sort(values);
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

} // namespace yt_bench
