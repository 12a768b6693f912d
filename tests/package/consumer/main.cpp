#include <cstdio>
#include <ranges>
#include <vector>

#include <yieldtasks/yieldtasks.hpp>

yt::task<int> square(int x) {
  co_return x* x;
}

int main() {
  yt::thread_pool pool(2);
  const std::vector<int> squares = pool.map(square, std::views::iota(0, 10));
  const bool ok = squares[9] == 81 && YT_VERSION_MAJOR >= 0;
  std::printf("consumer: %s\n", ok ? "ok" : "wrong result");
  return ok ? 0 : 1;
}
