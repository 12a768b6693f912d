// The cluster backend, run by ctest under mpirun with 3 ranks and as one process. One cluster
// serves every test case of the process (MPI starts once; see cluster_main.cpp).
#include <algorithm>
#include <chrono>
#include <functional>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <yieldtasks/mpi.hpp>
#include <yieldtasks/yieldtasks.hpp>

#include "cluster_main.hpp"

using yt_test::cluster;

namespace {

long uneven_square(int x) {
  std::this_thread::sleep_for(std::chrono::microseconds(x * 7919 % 3000));
  return static_cast<long>(x) * x;
}

int where(int /*x*/) {
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return yt::mpi_cluster::current_rank();
}

// An item that awaits a nested map of its own; the nested map runs on the item's rank.
yt::task<double> nested_sum(int n) {
  const std::vector<double> halves =
      co_await yt::taskmap([](int i) { return i * 0.5; }, std::views::iota(0, n));
  co_return std::accumulate(halves.begin(), halves.end(), 0.0);
}

int fail_on_five(int x) {
  if (x == 5) {
    throw std::invalid_argument("five is bad");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return x;
}

void touch(int /*x*/) {}

std::string shout(std::string s) {
  return s + "!";
}

Eigen::MatrixXcd adjoint_of(Eigen::MatrixXcd m) {
  return m.adjoint();
}

struct record {
  std::string name;
  std::vector<int> values;
  friend bool operator==(const record&, const record&) = default;
};
auto codec_fields(record& r) {
  return std::tie(r.name, r.values);
}

record grow(record r) {
  r.values.push_back(static_cast<int>(r.name.size()));
  return r;
}

std::vector<double> reversed(std::vector<double> v) {
  std::reverse(v.begin(), v.end());
  return v;
}

} // namespace

YT_REMOTE(uneven_square);
YT_REMOTE(where);
YT_REMOTE(nested_sum);
YT_REMOTE(fail_on_five);
YT_REMOTE(touch);
YT_REMOTE(shout);
YT_REMOTE(adjoint_of);
YT_REMOTE(grow);
YT_REMOTE(reversed);

namespace {

std::vector<int> iota_vector(int n) {
  std::vector<int> xs(static_cast<std::size_t>(n));
  std::iota(xs.begin(), xs.end(), 0);
  return xs;
}

} // namespace

TEST_CASE("cluster: results come in input order and equal the local pool's") {
  static_assert(yt::executor<yt::mpi_cluster>);
  const std::vector<int> xs = iota_vector(64);
  const yt::cluster_stats before = cluster().stats();
  const std::vector<long> distributed = cluster().map(uneven_square, xs);
  yt::thread_pool pool(2);
  CHECK(distributed == pool.map(uneven_square, xs));
  // Reductions run on rank 0's pool, with the same bits as on any executor.
  const auto half = [](int x) { return x * 0.1; };
  const std::vector<double> tenths = pool.map(half, iota_vector(10'000));
  CHECK(cluster().reduce(tenths, 0.0, std::plus<>{}) == pool.reduce(tenths, 0.0, std::plus<>{}));
  CHECK(cluster().transform_reduce(xs, 0L, std::plus<>{}, [](int x) { return x * 2L; }) ==
        64L * 63);
  CHECK(cluster().sync_wait([](const std::vector<double>& values) -> yt::task<double> {
    co_return co_await yt::reduce(values, 0.0, std::plus<>{});
  }(tenths)) == yt::inline_executor{}.reduce(tenths, 0.0, std::plus<>{}));
  const yt::cluster_stats after = cluster().stats();
  if (cluster().ranks() > 1) {
    CHECK(after.local + after.remote - before.local - before.remote == 64);
    CHECK(after.remote > before.remote);
  }
}

TEST_CASE("cluster: every rank computes a share") {
  const std::vector<int> ranks = cluster().map(where, iota_vector(90));
  const std::set<int> seen(ranks.begin(), ranks.end());
  CHECK(static_cast<int>(seen.size()) == cluster().ranks());
  CHECK(*seen.rbegin() == cluster().ranks() - 1);
}

TEST_CASE("cluster: items run nested maps on their own rank") {
  const std::vector<int> sizes{1, 10, 100, 1000, 7, 0, 333};
  const std::vector<double> sums = cluster().map(nested_sum, sizes);
  CHECK(sums == yt::inline_executor{}.map(nested_sum, sizes));
}

TEST_CASE("cluster: the root task's maps of registered functions are distributed") {
  const auto root = []() -> yt::task<std::tuple<long, std::size_t, double>> {
    const std::vector<int> xs = iota_vector(24);
    const yt::cluster_stats before = cluster().stats();
    const std::vector<long> squares = co_await yt::taskmap(uneven_square, xs);
    // A lambda cannot travel: this map runs on rank 0's pool.
    const std::vector<int> doubled = co_await yt::taskmap([](int x) { return 2 * x; }, xs);
    const std::vector<double> sums = co_await yt::taskmap(nested_sum, xs);
    const yt::cluster_stats after = cluster().stats();
    co_return std::tuple{std::accumulate(squares.begin(), squares.end(), 0L) + doubled[23],
                         after.local + after.remote - before.local - before.remote,
                         std::accumulate(sums.begin(), sums.end(), 0.0)};
  };
  const auto [total, distributed, sums] = cluster().sync_wait(root());
  CHECK(total == 4324 + 46);
  CHECK(sums == 1012.0);
  CHECK(distributed == (cluster().ranks() > 1 ? 48U : 0U));
}

TEST_CASE("cluster: an item's exception comes back with its type, message and rank") {
  const std::vector<int> xs = iota_vector(40);
  if (cluster().ranks() > 1) {
    try {
      static_cast<void>(cluster().map(fail_on_five, xs));
      FAIL("no exception");
    } catch (const yt::remote_error& error) {
      CHECK(error.type_name() == "std::invalid_argument");
      CHECK(error.message() == "five is bad");
      CHECK(error.rank() >= 0);
      CHECK(error.rank() < cluster().ranks());
      CHECK_THAT(error.what(), Catch::Contains("five is bad") &&
                                   Catch::Contains("std::invalid_argument on rank"));
    }
  } else {
    CHECK_THROWS_AS(cluster().map(fail_on_five, xs), std::invalid_argument);
  }
  // The cluster stays usable.
  CHECK(cluster().map(shout, std::vector<std::string>{"still", "fine"}) ==
        std::vector<std::string>{"still!", "fine!"});
}

TEST_CASE("cluster: void and empty maps") {
  cluster().map(touch, iota_vector(10));
  CHECK(cluster().map(uneven_square, std::vector<int>{}).empty());
  CHECK(cluster().map(uneven_square, std::vector<int>{3}) == std::vector<long>{9});
}

TEST_CASE("cluster: strings, Eigen matrices and user types cross ranks intact") {
  const std::vector<std::string> words{"", "a", std::string(100000, 'x')};
  CHECK(cluster().map(shout, words) ==
        std::vector<std::string>{"!", "a!", std::string(100000, 'x') + "!"});
  std::vector<Eigen::MatrixXcd> matrices;
  for (int n : {1, 2, 8, 16}) {
    matrices.push_back(Eigen::MatrixXcd::Random(n, n));
  }
  const std::vector<Eigen::MatrixXcd> adjoints = cluster().map(adjoint_of, matrices);
  for (std::size_t i = 0; i < matrices.size(); ++i) {
    CHECK(adjoints[i] == matrices[i].adjoint());
  }
  const std::vector<record> records{{"ab", {1}}, {"", {}}, {"xyz", {4, 5}}};
  CHECK(cluster().map(grow, records) ==
        std::vector<record>{{"ab", {1, 2}}, {"", {0}}, {"xyz", {4, 5, 3}}});
}

TEST_CASE("cluster: large messages in both directions do not deadlock") {
  std::vector<std::vector<double>> blocks(12);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    blocks[i].resize(std::size_t{1} << 20U);
    std::iota(blocks[i].begin(), blocks[i].end(), static_cast<double>(i));
  }
  const std::vector<std::vector<double>> back = cluster().map(reversed, blocks);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    CHECK(std::equal(back[i].rbegin(), back[i].rend(), blocks[i].begin(), blocks[i].end()));
  }
}

TEST_CASE("cluster: maps of unregistered functions are refused, not run on one rank") {
  const std::vector<int> xs{1, 2};
  const auto lambda = [](int x) { return x; };
  if (cluster().ranks() > 1) {
    CHECK_THROWS_WITH(cluster().map(lambda, xs), Catch::Contains("YT_REMOTE"));
  } else {
    CHECK(cluster().map(lambda, xs) == xs);
  }
}

TEST_CASE("cluster: blocking entries refuse worker threads") {
  const auto nested_block = []() -> yt::task<int> {
    co_return cluster().map(uneven_square, std::vector<int>{1}).size();
  };
  CHECK_THROWS_AS(cluster().sync_wait(nested_block()), yt::usage_error);
}
