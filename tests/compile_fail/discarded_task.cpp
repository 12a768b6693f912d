// A task that is created and dropped never runs: the library marks it [[nodiscard]].
#include <yieldtasks/task.hpp>

yt::task<int> answer() {
  co_return 42;
}

int main() {
  answer();
}
