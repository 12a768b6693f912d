#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <list>
#include <memory>
#include <numeric>
#include <optional>
#include <ranges>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <support/lifetime_counter.hpp>

#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>

namespace {

int square(int x) {
  return x * x;
}

yt::task<int> square_task(int x) {
  co_return x* x;
}

double leaf(int x) {
  return std::sin(x) * 1e-3 + std::sqrt(static_cast<double>(x));
}

yt::task<double> middle(int x) {
  std::vector<int> inputs(8);
  std::iota(inputs.begin(), inputs.end(), x * 8);
  std::vector<double> values = co_await yt::taskmap(leaf, inputs);
  co_return std::reduce(values.begin(), values.end());
}

yt::task<double> top(int x) {
  const auto inputs = std::views::iota(x * 4, x * 4 + 4);
  std::vector<double> values = co_await yt::taskmap(middle, inputs);
  double sum = 0;
  for (double v : values) {
    sum = sum * 0.5 + v; // order-sensitive on purpose
  }
  co_return sum;
}

// Runs the same checks on both backends.
template <class Body> void on_each_backend(Body body) {
  SECTION("inline_executor") {
    yt::inline_executor serial;
    body(serial);
  }
  SECTION("thread_pool") {
    yt::thread_pool pool(4);
    body(pool);
  }
}

} // namespace

TEST_CASE("taskmap returns results in input order", "[taskmap]") {
  on_each_backend([](auto& executor) {
    const auto inputs = std::views::iota(0, 10'000);
    std::vector<int> plain = executor.map(square, inputs);
    std::vector<int> coroutine = executor.map(square_task, inputs);
    REQUIRE(plain.size() == 10'000);
    REQUIRE(coroutine.size() == 10'000);
    for (int i = 0; i < 10'000; ++i) {
      REQUIRE(plain[static_cast<std::size_t>(i)] == i * i);
      REQUIRE(coroutine[static_cast<std::size_t>(i)] == i * i);
    }
  });
}

TEST_CASE("taskmap over a void function runs every item exactly once", "[taskmap]") {
  on_each_backend([](auto& executor) {
    std::vector<std::atomic<int>> runs(5'000);
    executor.map([&runs](int i) { runs[static_cast<std::size_t>(i)].fetch_add(1); },
                 std::views::iota(0, 5'000));
    executor.map(
        [&runs](int i) -> yt::task<void> {
          runs[static_cast<std::size_t>(i)].fetch_add(1);
          co_return;
        },
        std::views::iota(0, 5'000));
    for (const auto& count : runs) {
      REQUIRE(count.load() == 2);
    }
  });
}

TEST_CASE("taskmap over an empty range yields an empty vector", "[taskmap]") {
  on_each_backend([](auto& executor) {
    const std::vector<int> none;
    CHECK(executor.map(square, none).empty());
    CHECK(executor.map(square_task, none).empty());
    executor.map([](int) { FAIL("an item of an empty map ran"); }, none);
  });
}

TEST_CASE("taskmap over one item yields that item's result", "[taskmap]") {
  on_each_backend([](auto& executor) {
    const std::array<int, 1> one{7};
    CHECK(executor.map(square, one) == std::array<int, 1>{49});
    CHECK(executor.map(square_task, one) == std::array<int, 1>{49});
  });
}

TEST_CASE("a range whose size is in its type gives a std::array of results", "[taskmap]") {
  struct no_default {
    explicit no_default(int v) : value(v) {}
    int value;
  };
  on_each_backend([](auto& executor) {
    std::array<int, 3> values{1, 2, 3};
    int c_array[3] = {4, 5, 6};
    const std::span<int, 3> fixed_span(values);
    const std::span<int> dynamic_span(values);

    const std::array<int, 3> plain = executor.map(square, values);
    const std::array<int, 3> coroutine = executor.map(square_task, values);
    const std::array<int, 3> from_c_array = executor.map(square_task, c_array);
    const std::array<int, 3> from_span = executor.map(square, fixed_span);
    const std::vector<int> from_dynamic_span = executor.map(square, dynamic_span);
    const std::array<int, 3> from_rvalue = executor.map(square, std::array<int, 3>{7, 8, 9});
    CHECK(plain == std::array<int, 3>{1, 4, 9});
    CHECK(coroutine == plain);
    CHECK(from_c_array == std::array<int, 3>{16, 25, 36});
    CHECK(from_span == plain);
    CHECK(from_dynamic_span == std::vector<int>{1, 4, 9});
    CHECK(from_rvalue == std::array<int, 3>{49, 64, 81});

    const auto [one, four, nine] = executor.map(square_task, values);
    CHECK((one == 1 && four == 4 && nine == 9));

    const std::array<bool, 3> odd = executor.map([](int x) { return x % 2 == 1; }, values);
    CHECK(odd == std::array<bool, 3>{true, false, true});
    const std::array<no_default, 3> wrapped =
        executor.map([](int x) -> yt::task<no_default> { co_return no_default(x); }, values);
    CHECK((wrapped[0].value == 1 && wrapped[2].value == 3));
    const std::array<std::optional<int>, 3> cancellable =
        executor.map([](int x, yt::stop_source) { return x; }, values);
    CHECK(cancellable[2] == 3);

    const std::array<int, 0> none{};
    CHECK(executor.map(square_task, none).empty());
    executor.map([](int) {}, values); // void
  });
}

TEST_CASE("nested maps three levels deep mix plain and coroutine functions", "[taskmap]") {
  on_each_backend([](auto& executor) {
    std::vector<double> results = executor.map(top, std::views::iota(0, 6));
    REQUIRE(results.size() == 6);
    for (int x = 0; x < 6; ++x) {
      double expected = 0;
      for (int m = x * 4; m < x * 4 + 4; ++m) {
        double inner = 0;
        for (int l = m * 8; l < m * 8 + 8; ++l) {
          inner += leaf(l);
        }
        expected = expected * 0.5 + inner;
      }
      CHECK(results[static_cast<std::size_t>(x)] == Approx(expected).epsilon(1e-12));
    }
  });
}

TEST_CASE("results are bit-equal between inline_executor and thread_pool", "[taskmap]") {
  yt::inline_executor serial;
  yt::thread_pool pool(3);
  const auto inputs = std::views::iota(0, 40);
  const std::vector<double> expected = serial.map(top, inputs);
  for (int repeat = 0; repeat < 5; ++repeat) {
    const std::vector<double> parallel = pool.map(top, inputs);
    REQUIRE(parallel.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      REQUIRE(std::memcmp(&parallel[i], &expected[i], sizeof(double)) == 0);
    }
  }
}

TEST_CASE("taskmap references an lvalue range's elements", "[taskmap]") {
  on_each_backend([](auto& executor) {
    std::vector<int> values{1, 2, 3, 4};
    std::vector<const int*> seen = executor.map([](const int& value) { return &value; }, values);
    for (std::size_t i = 0; i < values.size(); ++i) {
      CHECK(seen[i] == &values[i]);
    }
  });
}

TEST_CASE("taskmap keeps an rvalue range alive and destroys it once", "[taskmap]") {
  yt_test::lifetime_counter::reset();
  on_each_backend([](auto& executor) {
    auto make_inputs = [] {
      std::vector<yt_test::lifetime_counter> inputs;
      inputs.reserve(100);
      for (int i = 0; i < 100; ++i) {
        inputs.emplace_back(i);
      }
      return inputs;
    };
    const auto values = executor.map(
        [](const yt_test::lifetime_counter& c) -> yt::task<int> { co_return c.value(); },
        make_inputs());
    CHECK(values[99] == 99);
  });
  CHECK(yt_test::lifetime_counter::alive() == 0);
}

TEST_CASE("taskmap accepts forward and single-pass input ranges", "[taskmap]") {
  on_each_backend([](auto& executor) {
    const std::list<int> list{3, 1, 4, 1, 5};
    CHECK(executor.map(square, list) == std::vector<int>{9, 1, 16, 1, 25});
    std::istringstream text("2 7 1 8");
    CHECK(executor.map(square_task, std::views::istream<int>(text)) ==
          std::vector<int>{4, 49, 1, 64});
    // Plain items over each kind of range, long enough to be split among workers: the loop that
    // writes results walks a position of its own (indexed_range::position).
    std::list<int> long_list;
    std::string numbers;
    std::vector<int> squares;
    for (int x = 0; x < 10'000; ++x) {
      long_list.push_back(x);
      numbers.append(std::to_string(x)).append(" ");
      squares.push_back(x * x);
    }
    CHECK(executor.map(square, long_list) == squares);
    std::istringstream long_text(numbers);
    CHECK(executor.map(square, std::views::istream<int>(long_text)) == squares);
    CHECK(executor.map(square, std::views::iota(0, 10'000)) == squares);
  });
}

TEST_CASE("taskmap results may be bool or lack a default constructor", "[taskmap]") {
  struct no_default {
    explicit no_default(int v) : value(v) {}
    int value;
  };
  on_each_backend([](auto& executor) {
    const auto inputs = std::views::iota(0, 1'000);
    const std::vector<bool> odd = executor.map([](int x) { return x % 2 == 1; }, inputs);
    const std::vector<no_default> wrapped =
        executor.map([](int x) -> yt::task<no_default> { co_return no_default(x); }, inputs);
    for (int x = 0; x < 1'000; ++x) {
      REQUIRE(odd[static_cast<std::size_t>(x)] == (x % 2 == 1));
      REQUIRE(wrapped[static_cast<std::size_t>(x)].value == x);
    }
  });
}

TEST_CASE("taskmap results may be move-only", "[taskmap]") {
  on_each_backend([](auto& executor) {
    const auto boxes =
        executor.map([](int x) { return std::make_unique<int>(x); }, std::views::iota(0, 64));
    CHECK(*boxes[63] == 63);
  });
}

TEST_CASE("every value a map creates is destroyed exactly once", "[taskmap]") {
  yt_test::lifetime_counter::reset();
  on_each_backend([](auto& executor) {
    const auto inputs = std::views::iota(0, 2'000);
    {
      const auto plain = executor.map([](int x) { return yt_test::lifetime_counter(x); }, inputs);
      const auto coroutine = executor.map(
          [](int x) -> yt::task<yt_test::lifetime_counter> {
            co_return yt_test::lifetime_counter(x);
          },
          inputs);
      CHECK(plain[1'999].value() == 1'999);
      CHECK(coroutine[1'999].value() == 1'999);
    }
    CHECK_THROWS(executor.map(
        [](int x) -> yt::task<yt_test::lifetime_counter> {
          if (x == 1'000) {
            throw std::runtime_error("stop");
          }
          co_return yt_test::lifetime_counter(x);
        },
        inputs));
    CHECK(yt_test::lifetime_counter::alive() == 0);
  });
  CHECK(yt_test::lifetime_counter::alive() == 0);
}

TEST_CASE("a taskmap can be awaited only once", "[taskmap]") {
  yt::inline_executor serial;
  auto twice = []() -> yt::task<int> {
    const std::vector<int> inputs{1, 2};
    auto map = yt::taskmap(square, inputs);
    static_cast<void>(co_await map);
    static_cast<void>(co_await map);
    co_return 0;
  };
  CHECK_THROWS_AS(serial.sync_wait(twice()), yt::usage_error);
}

TEST_CASE("a map of a million items completes with every result", "[taskmap]") {
  on_each_backend([](auto& executor) {
    const auto inputs = std::views::iota(0, 1'000'000);
    const std::vector<long> plain =
        executor.map([](int x) { return static_cast<long>(x); }, inputs);
    CHECK(std::reduce(plain.begin(), plain.end()) == 499'999'500'000L);
    const std::vector<long> coroutine =
        executor.map([](int x) -> yt::task<long> { co_return static_cast<long>(x); }, inputs);
    CHECK(std::reduce(coroutine.begin(), coroutine.end()) == 499'999'500'000L);
  });
}

// Plain items run one at a time while they are slow and in growing batches once they are cheap;
// the switch must neither lose, repeat nor reorder an item.
TEST_CASE("a plain map whose items turn cheap after slow ones keeps every result in order",
          "[taskmap]") {
  on_each_backend([](auto& executor) {
    constexpr int slow_items = 40;
    auto item = [](int x) {
      if (x < slow_items || x % 1000 == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
      return 2L * x;
    };
    const std::vector<long> results = executor.map(item, std::views::iota(0, 20'000));
    REQUIRE(results.size() == 20'000);
    for (std::size_t i = 0; i < results.size(); ++i) {
      REQUIRE(results[i] == 2L * static_cast<long>(i));
    }
  });
}
