#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <support/temp_dir.hpp>

#include <yieldtasks/detail/cluster/dispatcher.hpp>

namespace {

using bytes = std::vector<std::byte>;
using yt::detail::item_status;

// A map of `size` items whose argument is the index; the dispatcher stores results into it.
class counted_map final : public yt::detail::distributed_map {
public:
  counted_map(std::size_t size, const yt::detail::remote_entry& function)
      : results(size), stores(size, 0), m_function(function) {}

  [[nodiscard]] std::size_t size() const noexcept override { return results.size(); }
  [[nodiscard]] const yt::detail::remote_entry& function() const noexcept override {
    return m_function;
  }
  [[nodiscard]] bytes encode_argument(std::size_t index) override {
    return yt::encode(static_cast<int>(index));
  }
  void store_result(std::size_t index, std::span<const std::byte> result) override {
    results[index] = yt::decode<int>(result);
    ++stores[index];
  }
  [[nodiscard]] yt::detail::resume_job& finish(std::exception_ptr failure) noexcept override {
    ++finishes;
    error = std::move(failure);
    return resume;
  }

  std::vector<std::optional<int>> results;
  std::vector<int> stores;
  int finishes = 0;
  std::exception_ptr error;
  yt::detail::resume_job resume;

private:
  const yt::detail::remote_entry& m_function;
};

struct sent_item {
  int rank;
  std::uint64_t map;
  std::size_t index;
  bytes argument;
};

// Records what the dispatcher asks for, and the items each rank has in flight.
class recording_outbox final : public yt::detail::dispatch_outbox {
public:
  explicit recording_outbox(std::size_t ranks) : in_flight(ranks) {}

  void send_item(int rank, std::uint64_t id, std::size_t index, std::uint32_t function,
                 bytes argument) override {
    CHECK(function == 0);
    sent.push_back({rank, id, index, argument});
    in_flight[static_cast<std::size_t>(rank)].push_back(sent.back());
  }
  void cancel(std::uint64_t id) override { cancelled.push_back(id); }
  void resume(yt::detail::resume_job& job) override { resumed.push_back(&job); }
  void count(std::size_t yt::cluster_stats::*field) override { ++(stats.*field); }

  // Answers the oldest item rank `rank` has in flight with ten times its argument.
  void answer_oldest(yt::detail::dispatcher& dispatch, int rank,
                     item_status status = item_status::ok) {
    auto& items = in_flight[static_cast<std::size_t>(rank)];
    REQUIRE(!items.empty());
    const sent_item item = items.front();
    items.erase(items.begin());
    const bytes result =
        status == item_status::ok ? yt::encode(yt::decode<int>(item.argument) * 10) : bytes{};
    dispatch.answered(rank, item.map, item.index, status, result);
  }

  std::vector<sent_item> sent;
  std::vector<std::vector<sent_item>> in_flight; // per rank, oldest first
  std::vector<std::uint64_t> cancelled;
  std::vector<yt::detail::resume_job*> resumed;
  yt::cluster_stats stats;
};

const yt::detail::remote_entry times_ten{"times_ten", "i(i)", nullptr, nullptr};
const std::vector<const yt::detail::remote_entry*> registry{&times_ten};

// Answers the oldest item of each of `ranks` that has one, then dispatches, until `map` is done.
void answer_until_finished(recording_outbox& outbox, yt::detail::dispatcher& dispatch,
                           const counted_map& map, std::initializer_list<int> ranks) {
  for (int turn = 0; map.finishes == 0; ++turn) {
    REQUIRE(turn < 100);
    for (const int rank : ranks) {
      if (!outbox.in_flight[static_cast<std::size_t>(rank)].empty()) {
        outbox.answer_oldest(dispatch, rank);
      }
    }
    dispatch.dispatch();
  }
}

void require_each_item_once(const recording_outbox& outbox, std::size_t size) {
  std::multiset<std::size_t> indices;
  for (const sent_item& item : outbox.sent) {
    indices.insert(item.index);
  }
  for (std::size_t i = 0; i < size; ++i) {
    REQUIRE(indices.count(i) == 1);
  }
}

} // namespace

TEST_CASE("dispatcher keeps each rank within its window, round robin, and finishes a map once",
          "[dispatcher]") {
  const std::vector<std::size_t> windows{1, 2, 1};
  recording_outbox outbox(windows.size());
  yt::detail::dispatcher dispatch(windows, registry, nullptr, outbox);
  counted_map map(10, times_ten);
  dispatch.submit(map);

  REQUIRE(dispatch.dispatch());
  std::vector<int> ranks;
  for (const sent_item& item : outbox.sent) {
    ranks.push_back(item.rank);
  }
  REQUIRE(ranks == std::vector<int>{0, 1, 2, 1});
  REQUIRE_FALSE(dispatch.dispatch()); // every window is full

  // Answer round robin until the map is done; no rank ever exceeds its window.
  for (int turn = 0; map.finishes == 0; ++turn) {
    REQUIRE(turn < 100);
    const int rank = turn % 3;
    if (!outbox.in_flight[static_cast<std::size_t>(rank)].empty()) {
      outbox.answer_oldest(dispatch, rank);
    }
    dispatch.dispatch();
    for (std::size_t r = 0; r < windows.size(); ++r) {
      REQUIRE(outbox.in_flight[r].size() <= windows[r]);
    }
  }

  require_each_item_once(outbox, 10);
  for (std::size_t i = 0; i < 10; ++i) {
    REQUIRE(map.results[i] == static_cast<int>(i) * 10);
    REQUIRE(map.stores[i] == 1);
  }
  REQUIRE(map.finishes == 1);
  REQUIRE_FALSE(map.error);
  REQUIRE(outbox.resumed == std::vector<yt::detail::resume_job*>{&map.resume});
  REQUIRE(outbox.stats.local + outbox.stats.remote == 10);
  REQUIRE(outbox.cancelled.empty());
  REQUIRE(dispatch.idle());
}

TEST_CASE("dispatcher sends a lost rank's items to the others first and ignores its late answers",
          "[dispatcher]") {
  recording_outbox outbox(3);
  yt::detail::dispatcher dispatch({1, 1, 1}, registry, nullptr, outbox);
  counted_map map(6, times_ten);
  dispatch.submit(map);
  dispatch.dispatch();
  REQUIRE(outbox.sent.size() == 3);
  REQUIRE(outbox.sent[1].rank == 1);
  const sent_item on_lost_rank = outbox.sent[1];

  REQUIRE(dispatch.lose(1) == 1);
  REQUIRE(dispatch.lost(1));
  REQUIRE(dispatch.any_lost());
  dispatch.finish_maps();
  REQUIRE(map.finishes == 0);

  outbox.answer_oldest(dispatch, 0);
  dispatch.dispatch();
  REQUIRE(outbox.sent.size() == 4);
  REQUIRE(outbox.sent.back().index == on_lost_rank.index); // before any new item
  REQUIRE(outbox.sent.back().rank != 1);
  REQUIRE(outbox.stats.resent == 1);

  // The lost rank answers after all, with a wrong result: ignored.
  dispatch.answered(1, on_lost_rank.map, on_lost_rank.index, item_status::ok, yt::encode(-1));
  outbox.in_flight[1].clear();

  answer_until_finished(outbox, dispatch, map, {0, 2});

  for (std::size_t i = 0; i < 6; ++i) {
    REQUIRE(map.results[i] == static_cast<int>(i) * 10);
    REQUIRE(map.stores[i] == 1);
  }
  for (std::size_t s = 3; s < outbox.sent.size(); ++s) {
    REQUIRE(outbox.sent[s].rank != 1);
  }
  REQUIRE(outbox.sent.size() == 7); // six items, one of them twice
  REQUIRE(map.finishes == 1);
}

TEST_CASE("dispatcher fails a map on an item's exception: cancels it once, sends nothing more, "
          "finishes after the answers in flight",
          "[dispatcher]") {
  recording_outbox outbox(2);
  yt::detail::dispatcher dispatch({2, 2}, registry, nullptr, outbox);
  counted_map map(10, times_ten);
  dispatch.submit(map);
  dispatch.dispatch();
  REQUIRE(outbox.sent.size() == 4);

  const sent_item failing = outbox.in_flight[1].front();
  outbox.in_flight[1].erase(outbox.in_flight[1].begin());
  dispatch.answered(1, failing.map, failing.index, item_status::failed,
                    yt::encode(std::pair<std::string, std::string>{"std::domain_error", "boom"}));
  REQUIRE(outbox.cancelled == std::vector<std::uint64_t>{failing.map});
  REQUIRE_FALSE(dispatch.dispatch());
  REQUIRE(map.finishes == 0); // three items are still in flight

  outbox.answer_oldest(dispatch, 0);
  outbox.answer_oldest(dispatch, 0, item_status::skipped);
  REQUIRE(map.finishes == 0);
  outbox.answer_oldest(dispatch, 1);
  REQUIRE(map.finishes == 1);

  REQUIRE(outbox.sent.size() == 4);
  REQUIRE(outbox.cancelled.size() == 1);
  REQUIRE(dispatch.idle());
  REQUIRE(map.error);
  try {
    std::rethrow_exception(map.error);
  } catch (const yt::remote_error& error) {
    REQUIRE(error.type_name() == "std::domain_error");
    REQUIRE(error.message() == "boom");
    REQUIRE(error.rank() == 1);
  }
  // The answers after the failure are dropped, and the items never sent are skipped.
  for (std::size_t i = 0; i < 10; ++i) {
    REQUIRE(map.stores[i] == 0);
  }
}

TEST_CASE("dispatcher takes journaled results instead of sending their items", "[dispatcher]") {
  const yt_test::temp_dir dir("yt_dispatcher_test");
  {
    recording_outbox outbox(2);
    yt::detail::journal record(dir / "run.journal", "fingerprint");
    yt::detail::dispatcher dispatch({1, 1}, registry, &record, outbox);
    counted_map map(5, times_ten);
    dispatch.submit(map);
    dispatch.dispatch();
    // The first run is cut short after two answers; both are recorded.
    outbox.answer_oldest(dispatch, 0);
    outbox.answer_oldest(dispatch, 1);
  }
  recording_outbox outbox(2);
  yt::detail::journal record(dir / "run.journal", "fingerprint");
  yt::detail::dispatcher dispatch({1, 1}, registry, &record, outbox);
  counted_map map(5, times_ten);
  dispatch.submit(map);
  dispatch.dispatch();
  REQUIRE(outbox.stats.journaled == 2);
  for (const sent_item& item : outbox.sent) {
    REQUIRE(item.index >= 2);
  }
  answer_until_finished(outbox, dispatch, map, {0, 1});
  for (std::size_t i = 0; i < 5; ++i) {
    REQUIRE(map.results[i] == static_cast<int>(i) * 10);
  }
  REQUIRE(outbox.sent.size() == 3);
}
