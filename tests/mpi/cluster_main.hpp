#pragma once

#include <yieldtasks/mpi.hpp>

namespace yt_test {

// The cluster that cluster_main.cpp starts before Catch runs: every rank must construct it,
// and only rank 0 returns from its constructor to run the test cases.
yt::mpi_cluster& cluster();

} // namespace yt_test
