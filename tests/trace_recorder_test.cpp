#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <ranges>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <support/temp_dir.hpp>

#include <yieldtasks/sync_wait.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/taskmap.hpp>
#include <yieldtasks/thread_pool.hpp>
#include <yieldtasks/trace_recorder.hpp>
#include <yieldtasks/usage_error.hpp>

namespace {

yt::task<int> inner_sum(int n) {
  const std::vector<int> ones =
      co_await yt::taskmap([](int) { return 1; }, std::views::iota(0, n)).named("leaves");
  co_return static_cast<int>(ones.size());
}

yt::task<int> nested(int outer, int inner) {
  auto item = [inner](int) { return inner_sum(inner); };
  const std::vector<int> sums =
      co_await yt::taskmap(item, std::views::iota(0, outer)).named("outer \"items\"");
  int total = 0;
  for (const int sum : sums) {
    total += sum;
  }
  co_return total;
}

yt::task<int> unnamed(int n) {
  const std::vector<int> values =
      co_await yt::taskmap([](int x) { return x; }, std::views::iota(0, n));
  co_return values.back();
}

std::uint64_t items_named(const std::vector<yt::trace_span>& spans, std::string_view name) {
  std::uint64_t items = 0;
  for (const yt::trace_span& span : spans) {
    if (span.name == name) {
      items += span.items;
    }
  }
  return items;
}

} // namespace

TEST_CASE("trace_recorder's spans count every plain item once, under the map's name",
          "[trace_recorder]") {
  yt::thread_pool pool(2);
  yt::trace_recorder trace(pool);
  REQUIRE(yt::sync_wait(pool, nested(16, 200)) == 16 * 200);
  REQUIRE(yt::sync_wait(pool, unnamed(1000)) == 999);
  const std::vector<yt::trace_span>& spans = trace.spans();
  CHECK(items_named(spans, "leaves") == 16 * 200);
  CHECK(items_named(spans, "taskmap") == 1000);
  CHECK(trace.dropped() == 0);
  CHECK(std::any_of(spans.begin(), spans.end(),
                    [](const yt::trace_span& s) { return s.name == "task"; }));
  for (const yt::trace_span& span : spans) {
    CHECK(span.worker < pool.size());
    CHECK(span.begin <= span.end);
    CHECK(span.begin.count() >= 0);
  }
}

TEST_CASE("trace_recorder's spans on one worker nest or follow each other", "[trace_recorder]") {
  yt::thread_pool pool(2);
  yt::trace_recorder trace(pool);
  REQUIRE(yt::sync_wait(pool, nested(32, 100)) == 32 * 100);
  std::map<std::size_t, std::vector<yt::trace_span>> by_worker;
  for (const yt::trace_span& span : trace.spans()) {
    by_worker[span.worker].push_back(span);
  }
  for (auto& [worker, spans] : by_worker) {
    for (std::size_t i = 0; i < spans.size(); ++i) {
      for (std::size_t j = i + 1; j < spans.size(); ++j) {
        const yt::trace_span& a = spans[i];
        const yt::trace_span& b = spans[j];
        const bool disjoint = a.end <= b.begin || b.end <= a.begin;
        const bool a_in_b = b.begin <= a.begin && a.end <= b.end;
        const bool b_in_a = a.begin <= b.begin && b.end <= a.end;
        CHECK((disjoint || a_in_b || b_in_a));
      }
    }
  }
}

TEST_CASE("trace_recorder records nothing before it starts or after it stops", "[trace_recorder]") {
  yt::thread_pool pool(2);
  REQUIRE(yt::sync_wait(pool, unnamed(500)) == 499);
  yt::trace_recorder trace(pool);
  trace.stop();
  REQUIRE(yt::sync_wait(pool, unnamed(500)) == 499);
  CHECK(trace.spans().empty());
}

TEST_CASE("a second trace_recorder on a pool is refused until the first stops",
          "[trace_recorder]") {
  yt::thread_pool pool(2);
  std::optional<yt::trace_recorder> first(std::in_place, pool);
  CHECK_THROWS_AS(yt::trace_recorder(pool), yt::usage_error);
  first.reset();
  yt::trace_recorder second(pool);
  REQUIRE(yt::sync_wait(pool, unnamed(100)) == 99);
  CHECK(items_named(second.spans(), "taskmap") == 100);
}

TEST_CASE("trace_recorder writes Chrome trace-event JSON that parses", "[trace_recorder]") {
  yt::thread_pool pool(2);
  yt::trace_recorder trace(pool);
  REQUIRE(yt::sync_wait(pool, nested(4, 50)) == 200);
  std::ostringstream json;
  trace.write_json(json);
  const std::string text = json.str();
  CHECK(text.rfind("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", 0) == 0);
  CHECK(text.find(R"("name":"thread_name","ph":"M","pid":1,"tid":1)") != std::string::npos);
  const bool outer_traced =
      std::any_of(trace.spans().begin(), trace.spans().end(),
                  [](const yt::trace_span& s) { return s.name == "outer \"items\""; });
  const bool outer_escaped = text.find(R"("name":"outer \"items\"")") != std::string::npos;
  CHECK(outer_escaped == outer_traced);
  std::size_t complete = 0;
  for (std::size_t at = text.find("\"ph\":\"X\""); at != std::string::npos;
       at = text.find("\"ph\":\"X\"", at + 1)) {
    ++complete;
  }
  CHECK(complete == trace.spans().size());
  // The authority on JSON: Python's parser, where the machine has one.
  if (std::system("python3 -c pass") == 0) {
    const yt_test::temp_dir dir("yt_trace_test");
    const std::string path = (dir / "trace.json").string();
    trace.write_json(path);
    const std::string check = "python3 -c \"import json,sys; d=json.load(open(sys.argv[1])); "
                              "sys.exit(0 if len([e for e in d['traceEvents'] if e['ph']=='X'])==" +
                              std::to_string(complete) + " else 1)\" " + path;
    CHECK(std::system(check.c_str()) == 0);
  } else {
    WARN("python3 not found: the JSON was not parsed");
  }
}

TEST_CASE("trace_recorder starts and stops while other threads run work on the pool",
          "[trace_recorder]") {
  yt::thread_pool pool(2);
  std::atomic<bool> done{false};
  std::vector<std::thread> callers;
  for (int c = 0; c < 2; ++c) {
    callers.emplace_back([&] {
      while (!done.load()) {
        CHECK(yt::sync_wait(pool, nested(4, 30)) == 120);
      }
    });
  }
  std::vector<yt::trace_span> collected;
  for (int round = 0; round < 50; ++round) {
    yt::trace_recorder trace(pool);
    std::this_thread::yield();
    const std::vector<yt::trace_span>& spans = trace.spans();
    collected.insert(collected.end(), spans.begin(), spans.end());
  }
  done.store(true);
  for (std::thread& caller : callers) {
    caller.join();
  }
  // Whatever was caught: whole spans, of the maps and tasks that ran.
  for (const yt::trace_span& span : collected) {
    CHECK(span.worker < pool.size());
    CHECK(span.begin.count() >= 0);
    CHECK(span.begin <= span.end);
    CHECK((span.name == "leaves" || span.name == "outer \"items\"" || span.name == "task"));
  }
}
