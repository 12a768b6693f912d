// A task is awaited at most once, so awaiting an lvalue must not compile: use std::move.
#include <yieldtasks/task.hpp>

yt::task<int> answer() {
  co_return 42;
}

yt::task<int> twice() {
  auto t = answer();
  co_return co_await t;
}

int main() {}
