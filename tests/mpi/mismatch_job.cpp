// Built twice, once registering one more remote function: the two builds started as one job
// must refuse to run, on every rank, with a message that names the difference.
#include <cstdio>

#include <yieldtasks/mpi.hpp>

namespace {

int shared(int x) {
  return x;
}
[[maybe_unused]] int extra(int x) {
  return -x;
}

} // namespace

YT_REMOTE(shared);
#ifdef YT_TEST_EXTRA_REMOTE
YT_REMOTE(extra);
#endif

int main(int argc, char** argv) {
  try {
    yt::mpi_cluster cluster(argc, argv, {.threads = 1});
    std::puts("mismatch_job: started although the ranks differ");
    return 0;
  } catch (const yt::cluster_error& /*error: rank 0 has reported it*/) {
    return 3;
  }
}
