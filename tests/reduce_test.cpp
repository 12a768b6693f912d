#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <list>
#include <memory>
#include <numeric>
#include <ranges>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <support/lifetime_counter.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/reduce.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

namespace {

// The sizes every determinism check runs: one leaf, leaves of one and two items, a power of two,
// leaves of uneven lengths above the 4,096-leaf cap, and a large sum.
constexpr std::array<std::size_t, 8> sizes{1, 2, 3, 1'000, 4'096, 4'097, 100'003, 1'000'000};

// Runs `body` on an inline executor and on pools of 1, 2, 3 and 8 threads.
template <class Body> void on_every_executor(Body body) {
  yt::inline_executor serial;
  body(serial);
  for (const std::size_t threads : {1, 2, 3, 8}) {
    yt::thread_pool pool(threads);
    body(pool);
  }
}

// The bracketing reduce.hpp documents, computed serially: K leaves folded left to right, a
// perfect binary tree over them, then op(init, tree).
template <class T, class Op> T documented_reduce(const std::vector<T>& values, T init, Op op) {
  if (values.empty()) {
    return init;
  }
  const std::size_t n = values.size();
  const std::size_t leaves = std::bit_floor(std::min<std::size_t>(n, 4'096));
  const std::size_t per_leaf = n / leaves;
  const std::size_t longer = n % leaves;
  std::vector<T> level;
  for (std::size_t leaf = 0; leaf < leaves; ++leaf) {
    const std::size_t begin = leaf * per_leaf + std::min(leaf, longer);
    const std::size_t end = begin + per_leaf + (leaf < longer ? 1 : 0);
    T value = values[begin];
    for (std::size_t i = begin + 1; i < end; ++i) {
      value = op(value, values[i]);
    }
    level.push_back(value);
  }
  while (level.size() > 1) {
    std::vector<T> next;
    for (std::size_t i = 0; i < level.size(); i += 2) {
      next.push_back(op(level[i], level[i + 1]));
    }
    level = std::move(next);
  }
  return op(init, level[0]);
}

std::vector<double> doubles(std::size_t count) {
  std::vector<double> values(count);
  for (std::size_t i = 0; i < count; ++i) {
    values[i] = std::sin(static_cast<double>(i)) * 1e3 + 1.0 / static_cast<double>(i + 1);
  }
  return values;
}

std::uint64_t bits(double value) {
  return std::bit_cast<std::uint64_t>(value);
}

yt::task<long> sum_in_task(const std::vector<int>& values) {
  co_return co_await yt::reduce(values, 0L, std::plus<>{});
}

yt::task<long> item_reducing(int x) {
  // Each item reduces a range of its own, awaited inside the map's coroutine item.
  co_return co_await yt::transform_reduce(std::views::iota(0, 1'000 + x), 0L, std::plus<>{},
                                          [x](int y) { return static_cast<long>(x) * y; });
}

} // namespace

TEST_CASE("reduce of ints equals std::accumulate on every executor", "[reduce]") {
  on_every_executor([](auto& executor) {
    for (const std::size_t n : sizes) {
      std::vector<int> values(n);
      std::iota(values.begin(), values.end(), -17);
      const long expected = std::accumulate(values.begin(), values.end(), 5L);
      REQUIRE(executor.reduce(values, 5L, std::plus<>{}) == expected);
      REQUIRE(executor.sync_wait(sum_in_task(values)) == expected - 5);
    }
  });
}

TEST_CASE("a double sum is bit-identical on every executor and follows the documented tree",
          "[reduce]") {
  for (const std::size_t n : sizes) {
    const std::vector<double> values = doubles(n);
    const double documented = documented_reduce(values, 0.25, std::plus<>{});
    const double accumulated = std::accumulate(values.begin(), values.end(), 0.25);
    REQUIRE(std::abs(documented - accumulated) <= 1e-9 * static_cast<double>(n) * 1e3);
    on_every_executor([&](auto& executor) {
      for (int run = 0; run < 3; ++run) {
        REQUIRE(bits(executor.reduce(values, 0.25, std::plus<>{})) == bits(documented));
      }
    });
  }
}

TEST_CASE("a non-commutative reduction keeps input order and uses init once", "[reduce]") {
  const auto letter = [](int x) { return std::string(1, static_cast<char>('a' + x % 26)); };
  const auto concatenate = [](std::string left, const std::string& right) {
    return std::move(left) + right;
  };
  on_every_executor([&](auto& executor) {
    for (const int n : {0, 1, 5, 4'099, 20'000}) {
      std::string expected = "<";
      for (int x = 0; x < n; ++x) {
        expected += letter(x);
      }
      REQUIRE(executor.transform_reduce(std::views::iota(0, n), std::string("<"), concatenate,
                                        letter) == expected);
    }
  });
}

TEST_CASE("transform_reduce calls transform once per element and op N times", "[reduce]") {
  on_every_executor([](auto& executor) {
    constexpr int n = 50'000;
    std::vector<std::atomic<int>> calls(n);
    std::atomic<long> ops{0};
    const long sum = executor.transform_reduce(
        std::views::iota(0, n), 0L,
        [&ops](long a, long b) {
          ops.fetch_add(1, std::memory_order_relaxed);
          return a + b;
        },
        [&calls](int x) {
          calls[static_cast<std::size_t>(x)].fetch_add(1, std::memory_order_relaxed);
          return static_cast<long>(x) * 3;
        });
    REQUIRE(sum == 3L * n * (n - 1) / 2);
    REQUIRE(ops.load() == n);
    for (const std::atomic<int>& count : calls) {
      REQUIRE(count.load() == 1);
    }
  });
}

TEST_CASE("an empty reduction yields init without calling op", "[reduce]") {
  const std::vector<int> none;
  auto reduction = yt::reduce(none, 42, [](int, int) -> int { throw std::logic_error("called"); });
  REQUIRE(reduction.await_ready()); // no executor is needed: nothing suspends
  REQUIRE(reduction.await_resume() == 42);
  const std::vector<std::string> no_strings;
  on_every_executor([&](auto& executor) {
    REQUIRE(executor.reduce(no_strings, std::string("init"), std::plus<>{}) == "init");
  });
}

TEST_CASE("the first exception of op or transform is rethrown and the pool stays usable",
          "[reduce]") {
  on_every_executor([](auto& executor) {
    const auto inputs = std::views::iota(0, 100'000);
    CHECK_THROWS_WITH(executor.transform_reduce(inputs, 0L, std::plus<>{},
                                                [](int x) -> long {
                                                  if (x == 77'777) {
                                                    throw std::runtime_error("transform");
                                                  }
                                                  return x;
                                                }),
                      "transform");
    CHECK_THROWS_WITH(executor.reduce(inputs, 0L,
                                      [](long a, long b) -> long {
                                        if (b == 3 || a == 3) {
                                          throw std::runtime_error("op");
                                        }
                                        return a + b;
                                      }),
                      "op");
    CHECK(executor.reduce(inputs, 0L, std::plus<>{}) == 99'999L * 100'000 / 2);
  });
}

TEST_CASE("reductions of move-only values move them", "[reduce]") {
  const auto add = [](std::unique_ptr<long> a, std::unique_ptr<long> b) {
    *a += *b;
    return a;
  };
  on_every_executor([&](auto& executor) {
    const std::unique_ptr<long> sum =
        executor.transform_reduce(std::views::iota(0, 10'000), std::make_unique<long>(1), add,
                                  [](int x) { return std::make_unique<long>(x); });
    REQUIRE(*sum == 1 + 9'999L * 10'000 / 2);
    // Elements moved out of the range by the transform.
    std::vector<std::unique_ptr<long>> boxes;
    for (int x = 0; x < 5'000; ++x) {
      boxes.push_back(std::make_unique<long>(x));
    }
    const std::unique_ptr<long> total =
        executor.transform_reduce(boxes, std::make_unique<long>(0), add,
                                  [](std::unique_ptr<long>& box) { return std::move(box); });
    REQUIRE(*total == 4'999L * 5'000 / 2);
    REQUIRE(std::ranges::all_of(boxes, [](const auto& box) { return box == nullptr; }));
  });
}

TEST_CASE("every value a reduction creates is destroyed exactly once", "[reduce]") {
  yt_test::lifetime_counter::reset();
  const auto add = [](const yt_test::lifetime_counter& a, const yt_test::lifetime_counter& b) {
    return yt_test::lifetime_counter(a.value() + b.value());
  };
  const auto make = [](int x) { return yt_test::lifetime_counter(x % 7); };
  on_every_executor([&](auto& executor) {
    const auto inputs = std::views::iota(0, 30'000);
    {
      const yt_test::lifetime_counter sum =
          executor.transform_reduce(inputs, yt_test::lifetime_counter(0), add, make);
      long expected = 0;
      for (int x = 0; x < 30'000; ++x) {
        expected += x % 7;
      }
      CHECK(sum.value() == expected);
    }
    CHECK_THROWS(executor.transform_reduce(inputs, yt_test::lifetime_counter(0), add, [](int x) {
      if (x == 20'000) {
        throw std::runtime_error("stop");
      }
      return yt_test::lifetime_counter(x);
    }));
    CHECK(yt_test::lifetime_counter::alive() == 0);
  });
}

TEST_CASE("reductions nest inside taskmap items", "[reduce]") {
  on_every_executor([](auto& executor) {
    const std::vector<long> sums = executor.map(item_reducing, std::views::iota(0, 64));
    for (int x = 0; x < 64; ++x) {
      const long n = 1'000 + x;
      REQUIRE(sums[static_cast<std::size_t>(x)] == x * n * (n - 1) / 2);
    }
  });
}

TEST_CASE("reduce accepts forward and single-pass input ranges", "[reduce]") {
  on_every_executor([](auto& executor) {
    std::list<int> list;
    std::string numbers;
    for (int x = 0; x < 10'000; ++x) {
      list.push_back(x);
      numbers.append(std::to_string(x)).append(" ");
    }
    CHECK(executor.reduce(list, 0L, std::plus<>{}) == 9'999L * 10'000 / 2);
    std::istringstream text(numbers);
    CHECK(executor.reduce(std::views::istream<int>(text), 0L, std::plus<>{}) ==
          9'999L * 10'000 / 2);
  });
}

TEST_CASE("a reduction can be awaited only once", "[reduce]") {
  yt::inline_executor serial;
  auto twice = []() -> yt::task<int> {
    const std::vector<int> inputs{1, 2};
    auto reduction = yt::reduce(inputs, 0, std::plus<>{});
    static_cast<void>(co_await reduction);
    static_cast<void>(co_await reduction);
    co_return 0;
  };
  CHECK_THROWS_AS(serial.sync_wait(twice()), yt::usage_error);
}
