#include <numeric>
#include <ranges>
#include <vector>

#include <catch2/catch.hpp>

#include <support/counted_allocator.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

namespace {

using yt_test::allocations;
using yt_test::live_bytes;
using yt_test::peak_bytes;

constexpr int items = 1'000'000;
constexpr long result_bytes = items * static_cast<long>(sizeof(long));

template <class Executor, class F> void check_bounded(Executor& executor, F fn) {
  const long allocations_before = allocations.load();
  peak_bytes.store(live_bytes.load());
  const long base_bytes = live_bytes.load();
  const std::vector<long> results = executor.map(fn, std::views::iota(0, items));
  CHECK(std::reduce(results.begin(), results.end()) == 499'999'500'000L);
  // The result vector, plus a bounded amount of scheduler memory: nothing per item.
  CHECK(allocations.load() - allocations_before < 10'000);
  CHECK(peak_bytes.load() - base_bytes < result_bytes + (4L << 20));
}

long plain(int x) {
  return x;
}
yt::task<long> coroutine(int x) {
  co_return x;
}

} // namespace

TEST_CASE("a million-item plain map allocates nothing per item", "[taskmap][stress]") {
  yt::thread_pool pool(2);
  check_bounded(pool, plain);
  yt::inline_executor serial;
  check_bounded(serial, plain);
}

TEST_CASE("a million-item coroutine map runs in bounded memory", "[taskmap][stress]") {
  yt::thread_pool pool(2);
  check_bounded(pool, coroutine);
  yt::inline_executor serial;
  check_bounded(serial, coroutine);
}
