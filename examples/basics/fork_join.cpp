// The idea: `yt::when_all` forks a fixed number of tasks of any types and joins them into a tuple.
// The first child runs on the awaiting worker at once, the others wait in its deque for an idle
// worker to steal them, so a recursion that forks at every level spreads over the pool by itself.

#include <cstdio>
#include <string>

#include <yieldtasks/yieldtasks.hpp>

namespace {

yt::task<long> fib(int n) {
  if (n < 2) {
    co_return n;
  }
  auto [a, b] = co_await yt::when_all(fib(n - 1), fib(n - 2));
  co_return a + b;
}

yt::task<std::string> label(int n) {
  co_return "fib(" + std::to_string(n) + ")";
}

// Children of different types; a task<void> would contribute a std::monostate.
yt::task<std::string> report(int n) {
  auto [name, value] = co_await yt::when_all(label(n), fib(n));
  co_return name + " = " + std::to_string(value);
}

long fib_loop(int n) {
  long a = 0;
  long b = 1;
  for (int i = 0; i < n; ++i) {
    b = a + b;
    a = b - a;
  }
  return a;
}

} // namespace

int main() {
  yt::thread_pool pool;
  const std::string line = pool.sync_wait(report(27));
  const bool ok = line == "fib(27) = " + std::to_string(fib_loop(27));
  std::printf("%s on %zu workers (%s)\n", line.c_str(), pool.size(), ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
