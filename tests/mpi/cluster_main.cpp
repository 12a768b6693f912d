// Catch's runner, in a file of its own so that its implementation compiles beside the tests.
#define CATCH_CONFIG_RUNNER
#include "cluster_main.hpp"

#include <cstdio>
#include <cstdlib>

#include <catch2/catch.hpp>

namespace {

yt::mpi_cluster* g_cluster = nullptr;

} // namespace

yt::mpi_cluster& yt_test::cluster() {
  return *g_cluster;
}

int main(int argc, char** argv) {
  yt::mpi_cluster executor(argc, argv, {.threads = 2});
  // A launcher from another MPI than the one linked starts lone processes that would pass every
  // test as one rank each: ctest says how many ranks it launched.
  if (const char* expected = std::getenv("YT_TEST_RANKS");
      expected != nullptr && std::atoi(expected) != executor.ranks()) {
    std::fprintf(stderr, "mpi_cluster_test: started as %d rank(s), expected %s\n", executor.ranks(),
                 expected);
    return EXIT_FAILURE;
  }
  g_cluster = &executor;
  return Catch::Session().run(argc, argv);
}
