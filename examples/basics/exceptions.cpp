// The idea: an exception thrown by a map item reaches whoever awaits the map, through any number
// of nested levels. The first one thrown is rethrown once every item that had started has
// finished; items that had not started are skipped, later exceptions are dropped, and the pool
// stays usable.

#include <atomic>
#include <cstdio>
#include <ranges>
#include <stdexcept>
#include <string>
#include <vector>

#include <yieldtasks/yieldtasks.hpp>

namespace {

std::atomic<int> started{0};

// Fails for every x that ends in 99 (99, 199, ...), so several items of a map may throw.
int checked(int x) {
  started.fetch_add(1);
  if (x % 100 == 99) {
    throw std::domain_error("no answer for " + std::to_string(x));
  }
  return x;
}

// A coroutine item whose nested map throws: the exception leaves its co_await, then the task.
yt::task<int> group(int g) {
  const auto members = std::views::iota(100 * g, 100 * g + 100);
  const std::vector<int> values = co_await yt::taskmap(checked, members);
  co_return values.back();
}

template <class Executor> std::string failure(Executor& executor) {
  started = 0;
  try {
    executor.map(group, std::views::iota(0, 50));
  } catch (const std::domain_error& error) {
    return error.what();
  }
  return "no exception";
}

} // namespace

int main() {
  yt::inline_executor serial; // in order: item 99 throws first and nothing after it starts
  const std::string serial_error = failure(serial);
  bool ok = serial_error == "no answer for 99" && started == 100;

  yt::thread_pool pool; // any of the throwing items may be the first; only its exception arrives
  const std::string pool_error = failure(pool);
  const int pool_started = started;
  ok = ok && pool_error.find("no answer for ") == 0 && pool_error.ends_with("99");

  const std::vector<int> after = pool.map(checked, std::views::iota(0, 99)); // the pool still works
  ok = ok && after.size() == 99 && after[98] == 98;

  std::printf("serial: \"%s\"; pool: \"%s\" after %d of 5000 items started; pool reusable: %s\n",
              serial_error.c_str(), pool_error.c_str(), pool_started, ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
