#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ranges>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <support/lifetime_counter.hpp>

#include <yieldtasks/as_completed.hpp>
#include <yieldtasks/inline_executor.hpp>
#include <yieldtasks/stop_source.hpp>
#include <yieldtasks/thread_pool.hpp>

// The streaming map under load: 10^5 items in streams of 2,500 (on a pool and inline, consumed in a
// task and by a blocking caller), each stream stopped at a random place in one of four ways (an
// item's stop_source, the consumer's request_stop then a drain, another thread's request_stop then
// a drain, the consumer dropping the stream). Every item runs at most once, every delivered result
// is its item's and is delivered once, a drained stream delivers every item that ran (none lost), a
// dropped one returns only once its running items have finished, the window is never exceeded, and
// no value leaks.

namespace {

using yt_test::lifetime_counter;

constexpr int streams = 40;
constexpr int items = 2'500;
constexpr std::size_t window = 16;

std::uint64_t mix(std::uint64_t z) { // splitmix64
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

enum class ending { item_stop, consumer_stop, outside_stop, drop };

struct round_state {
  explicit round_state(std::uint64_t round_seed)
      : seed(round_seed), how(static_cast<ending>(mix(round_seed) % 4)),
        stop_after(static_cast<int>(mix(round_seed + 1) % items)), runs(items), delivered(items) {}

  std::uint64_t seed;
  ending how;
  int stop_after; // the delivery after which the consumer stops or drops the stream
  std::vector<std::atomic<int>> runs;
  std::vector<int> delivered;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  int taken = 0;
  int worst_window = 0; // the most items started and not taken, seen between two next()s
  bool wrong_value = false;

  lifetime_counter item(int id, const yt::stop_source& stop) {
    runs[static_cast<std::size_t>(id)].fetch_add(1);
    started.fetch_add(1);
    if (how == ending::item_stop && mix(seed ^ static_cast<std::uint64_t>(id)) % items == 0) {
      stop.request_stop();
    }
    finished.fetch_add(1);
    return lifetime_counter(id * 7);
  }

  // Takes one result; false when the stream is done.
  template <class Item> bool take(const Item& got) {
    if (!got) {
      return false;
    }
    ++taken;
    ++delivered[got->index];
    wrong_value = wrong_value || got->value.value() != static_cast<int>(got->index) * 7;
    worst_window = std::max(worst_window, started.load() - taken);
    return true;
  }

  // The invariants; `drained`: the consumer took every result.
  void check(bool drained) const {
    int ran = 0;
    for (int id = 0; id < items; ++id) {
      const int run = runs[static_cast<std::size_t>(id)].load();
      REQUIRE(run <= 1);
      REQUIRE(delivered[static_cast<std::size_t>(id)] <= run);
      if (drained) {
        REQUIRE(delivered[static_cast<std::size_t>(id)] == run);
      }
      ran += run;
    }
    REQUIRE(!wrong_value);
    REQUIRE(started.load() == finished.load()); // nothing ran on after the stream was gone
    REQUIRE(worst_window <= static_cast<int>(window));
    REQUIRE(taken <= ran);
  }
};

auto item_fn(round_state& state) {
  return [&state](int id, yt::stop_source stop) { return state.item(id, stop); };
}

auto coroutine_item_fn(round_state& state) {
  return [&state](int id, yt::stop_source stop) -> yt::task<lifetime_counter> {
    co_return state.item(id, stop);
  };
}

// After each result: at the round's stop_after-th, ends the stream the round's way (a stop by
// the consumer, or by another thread started into `outside`). False: the consumer drops it now.
template <class Stream>
bool go_on(const round_state& s, Stream& stream, std::optional<std::jthread>& outside) {
  if (s.taken != s.stop_after) {
    return true;
  }
  if (s.how == ending::drop) {
    return false;
  }
  if (s.how == ending::consumer_stop) {
    stream.request_stop();
  } else if (s.how == ending::outside_stop) {
    outside.emplace([&stream] { stream.request_stop(); });
  }
  return true;
}

// One stream consumed in a task; returns whether it was drained.
template <class Executor, class MakeFn>
bool consume_in_task(Executor& executor, round_state& state, MakeFn make_fn) {
  return executor.sync_wait([](round_state& s, MakeFn make) -> yt::task<bool> {
    auto stream = yt::as_completed(make(s), std::views::iota(0, items), window);
    std::optional<std::jthread> other; // joined before the stream is destroyed
    while (s.take(co_await stream.next())) {
      if (!go_on(s, stream, other)) {
        co_return false;
      }
    }
    co_return true;
  }(state, make_fn));
}

// One stream consumed by a blocking caller.
template <class Executor, class MakeFn>
bool consume_blocking(Executor& executor, round_state& state, MakeFn make_fn) {
  auto stream = executor.as_completed(make_fn(state), std::views::iota(0, items), window);
  std::optional<std::jthread> outside;
  while (state.take(stream.next())) {
    if (!go_on(state, stream, outside)) {
      return false;
    }
  }
  return true;
}

template <class Consume> void stress(Consume consume) {
  lifetime_counter::reset();
  for (int round = 0; round < streams; ++round) {
    round_state state(mix(static_cast<std::uint64_t>(round) + 977));
    const bool drained = consume(state, round % 2 == 0);
    REQUIRE(drained == (state.how != ending::drop || state.stop_after == 0));
    state.check(drained);
  }
  REQUIRE(lifetime_counter::alive() == 0);
}

} // namespace

TEST_CASE("as_completed stress: random stops lose and duplicate no result on a thread_pool",
          "[as_completed][stress]") {
  yt::thread_pool pool(4);
  stress([&pool](round_state& state, bool coroutines) {
    return coroutines ? consume_in_task(pool, state, coroutine_item_fn)
                      : consume_in_task(pool, state, item_fn);
  });
}

TEST_CASE("as_completed stress: random stops lose and duplicate no result for a blocking caller",
          "[as_completed][stress]") {
  yt::thread_pool pool(4);
  stress([&pool](round_state& state, bool coroutines) {
    return coroutines ? consume_blocking(pool, state, coroutine_item_fn)
                      : consume_blocking(pool, state, item_fn);
  });
}

TEST_CASE("as_completed stress: random stops lose and duplicate no result on inline_executor",
          "[as_completed][stress]") {
  yt::inline_executor serial;
  stress([&serial](round_state& state, bool coroutines) {
    return coroutines ? consume_in_task(serial, state, coroutine_item_fn)
                      : consume_in_task(serial, state, item_fn);
  });
}

TEST_CASE("as_completed stress: random stops lose and duplicate no result for a blocking caller "
          "on inline_executor",
          "[as_completed][stress]") {
  const yt::inline_executor serial;
  stress([&serial](round_state& state, bool coroutines) {
    return coroutines ? consume_blocking(serial, state, coroutine_item_fn)
                      : consume_blocking(serial, state, item_fn);
  });
}
