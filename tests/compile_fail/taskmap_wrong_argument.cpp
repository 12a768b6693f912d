// taskmap checks that the function can be called with the range's elements.
#include <string>
#include <vector>

#include <yieldtasks/taskmap.hpp>

int length(const std::string& s) {
  return static_cast<int>(s.size());
}

yt::task<int> wrong() {
  const std::vector<int> numbers{1, 2, 3};
  auto lengths = co_await yt::taskmap(length, numbers);
  co_return lengths[0];
}

int main() {}
