#include <sched.h>
#include <thread>

#include <catch2/catch.hpp>

#include <yieldtasks/available_concurrency.hpp>

TEST_CASE("available_concurrency counts the CPUs this process may use", "[available_concurrency]") {
  const std::size_t count = yt::available_concurrency();
  CHECK(count >= 1);
  cpu_set_t mask;
  CPU_ZERO(&mask);
  REQUIRE(sched_getaffinity(0, sizeof(mask), &mask) == 0);
  CHECK(count <= static_cast<std::size_t>(CPU_COUNT(&mask)));
}

TEST_CASE("available_concurrency follows a narrowed affinity mask", "[available_concurrency]") {
  cpu_set_t original;
  CPU_ZERO(&original);
  REQUIRE(sched_getaffinity(0, sizeof(original), &original) == 0);
  int first_cpu = 0;
  while (!CPU_ISSET(first_cpu, &original)) {
    ++first_cpu;
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first_cpu, &one);
  REQUIRE(sched_setaffinity(0, sizeof(one), &one) == 0);
  const std::size_t narrowed = yt::available_concurrency();
  REQUIRE(sched_setaffinity(0, sizeof(original), &original) == 0);
  CHECK(narrowed == 1);
}
