#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/detail/event_count.hpp>

// A lost wake-up would leave a consumer asleep with work pending: the test would hang and hit
// its ctest timeout instead of passing.
TEST_CASE("event_count loses no wake-up between publish and sleep", "[event_count][stress]") {
  constexpr int rounds = 20'000;
  yt::detail::event_count event;
  std::atomic<int> published{0};
  std::atomic<int> consumed{0};
  std::vector<std::thread> consumers;
  for (int c = 0; c < 2; ++c) {
    consumers.emplace_back([&] {
      while (true) {
        int seen = consumed.load();
        if (seen >= rounds) {
          return;
        }
        if (seen < published.load() && consumed.compare_exchange_strong(seen, seen + 1)) {
          continue;
        }
        const auto key = event.prepare_wait();
        if (consumed.load() < published.load() || consumed.load() >= rounds) {
          event.cancel_wait();
          continue;
        }
        event.wait(key);
      }
    });
  }
  for (int i = 0; i < rounds; ++i) {
    published.fetch_add(1);
    event.notify_one();
    while (consumed.load() <= i) { // one item in flight at a time: maximal sleep/wake churn
      std::this_thread::yield();
    }
  }
  event.notify_all();
  for (std::thread& consumer : consumers) {
    consumer.join();
  }
  CHECK(consumed.load() == rounds);
}
