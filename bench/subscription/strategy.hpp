#pragma once

// The subscription benchmark's strategies: each runs the same jobs with the same search code
// (qs::synthesize_with, or qs::resynthesize_block_with for a circuit's blocks) and differs only in
// how the three levels of maps run — targets or blocks, an expansion's candidate circuits, a
// candidate's optimizer starts.

#include <atomic>
#include <cstddef>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/task.hpp>

#include <qsearch/optimize.hpp>
#include <qsearch/optimize_impl.hpp>
#include <qsearch/search.hpp>
#include <qsearch/search_impl.hpp>

namespace subscription {

/// A target of the `synthesis` workload.
struct synthesis_job {
  std::string name;
  qs::matrix target;
  qs::search_options options;
};

/// One top-level item: a target to synthesize, or (the `optimize` workload) a circuit's block to
/// resynthesize.
using job = std::variant<synthesis_job, qs::block_job>;

/// What a job gives: a `synthesis_job` a search result, a block job a block outcome.
using outcome = std::variant<qs::search_result, qs::block_outcome>;

/// Runs every job with `threads` threads' worth of parallelism; outcomes in job order.
using strategy_fn = std::vector<outcome> (*)(const std::vector<job>&, int threads);

struct strategy {
  const char* name;
  strategy_fn run;
};

/// The strategies this build has (TBB and OpenMP only when CMake found them).
std::vector<strategy> available_strategies();

std::vector<outcome> run_serial(const std::vector<job>&, int threads);
std::vector<outcome> run_yieldtasks(const std::vector<job>&, int threads);
std::vector<outcome> run_undersubscribe(const std::vector<job>&, int threads);
std::vector<outcome> run_oversubscribe(const std::vector<job>&, int threads);
std::vector<outcome> run_tbb(const std::vector<job>&, int threads);
std::vector<outcome> run_openmp(const std::vector<job>&, int threads);

/// Runs one job, its search's two inner levels driven by `mapper`: with `qs::taskmap_mapper`,
/// this is `qs::synthesize` or `qs::resynthesize_block` itself.
template <class Mapper> yt::task<outcome> run_with(Mapper mapper, const job& j) {
  if (const auto* s = std::get_if<synthesis_job>(&j)) {
    co_return co_await qs::synthesize_with(mapper, s->target, s->options);
  }
  co_return co_await qs::resynthesize_block_with(mapper, std::get<qs::block_job>(j));
}

template <class T> struct task_value {
  using type = T;
  static constexpr bool is_task = false;
};
template <class T> struct task_value<yt::task<T>> {
  using type = T;
  static constexpr bool is_task = true;
};

/// An awaitable whose value is already there: the blocking strategies finish a map before the
/// search's `co_await` sees it.
template <class T> struct ready {
  T value;
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  T await_resume() { return std::move(value); }
};

/// A mapper for qs::synthesize_with that runs each map to completion with `for_each(n, body)`,
/// a blocking parallel (or serial) loop over the indices 0..n−1. A coroutine item runs on the
/// thread that picks it, driven by an inline executor, and its own nested map blocks there.
template <class ForEach> struct blocking_mapper {
  ForEach for_each;

  // `name` names a taskmap in a trace; these maps are not traced.
  template <class F, class Range> auto map(F&& fn, Range&& range, const char* /*name*/ = nullptr) {
    using call_result = std::invoke_result_t<F&, std::ranges::range_reference_t<Range>>;
    using value_type = typename task_value<call_result>::type;
    const auto n = static_cast<std::size_t>(std::ranges::size(range));
    std::vector<value_type> out(n);
    const auto first = std::ranges::begin(range);
    for_each(n, [&](std::size_t i) {
      if constexpr (task_value<call_result>::is_task) {
        out[i] = yt::inline_executor{}.sync_wait(fn(first[static_cast<std::ptrdiff_t>(i)]));
      } else {
        out[i] = fn(first[static_cast<std::ptrdiff_t>(i)]);
      }
    });
    return ready<std::vector<value_type>>{std::move(out)};
  }
};

/// Runs one job with `mapper` driving the two inner levels, on the calling thread.
template <class Mapper> outcome run_blocking(Mapper mapper, const job& j) {
  return yt::inline_executor{}.sync_wait(run_with(mapper, j));
}

/// The inner levels run serially on the calling thread.
struct serial_for_each {
  template <class Body> void operator()(std::size_t n, Body&& body) const {
    for (std::size_t i = 0; i < n; ++i) {
      body(i);
    }
  }
};

} // namespace subscription
