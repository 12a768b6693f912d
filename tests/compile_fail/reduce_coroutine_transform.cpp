// reduce takes plain functions only: a transform that returns a yt::task does not compile.
#include <functional>
#include <vector>

#include <yieldtasks/reduce.hpp>

yt::task<long> slow_square(int x) {
  co_return static_cast<long>(x) * x;
}

yt::task<long> wrong() {
  const std::vector<int> numbers{1, 2, 3};
  co_return co_await yt::transform_reduce(numbers, 0L, std::plus<>{}, slow_square);
}

int main() {}
