#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <yieldtasks/detail/trace_buffer.hpp>
#include <yieldtasks/thread_pool.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt {

/// One span of a trace: what a worker ran from `begin` to `end` (times since the recording
/// started). **Lifetime.** `name` views the string given to `.named()` (or a literal of the
/// library's), which must outlive the span.
struct trace_span {
  std::string_view name;  ///< the map's name (`.named()`, default "taskmap"), or "task"
  std::size_t worker = 0; ///< the worker that ran it (its track)
  std::chrono::nanoseconds begin{0};
  std::chrono::nanoseconds end{0};
  std::uint32_t depth = 0; ///< the map's depth among nested maps
  std::uint64_t items = 0; ///< plain items run in the span; 0 for other spans
};

/// Records what each worker of a `yt::thread_pool` runs, while it lives or until `stop()`, and
/// writes it as Chrome trace-event JSON, which Perfetto (ui.perfetto.dev) and chrome://tracing
/// open: one track per worker, with a span per range of a map's plain items a worker ran in one
/// go and per coroutine item started from a deque (both named by their map, with the map's depth),
/// and per task resumed from a worker's loop ("task"); spans on a track nest as the calls did. Name
/// a map with `co_await yt::taskmap(fn, range).named("multistarts")`; unnamed maps are "taskmap".
///
/// Recording is a runtime switch: with no recorder attached each job pays one predictable branch;
/// with one, each span two clock reads and an append to its worker's own buffer (under that
/// worker's own lock, contended only when the recorder starts or stops).
///
/// **Exceptions.** The constructor throws `yt::usage_error` if another recorder is attached to
/// the pool; `write_json` throws `yt::usage_error` if the file cannot be written. A span that
/// cannot be stored for lack of memory is dropped (`dropped()` counts them), never failing the
/// work.
///
/// **Lifetime.** The pool must outlive the recorder. The names given to `.named()` must outlive
/// the recorder's `spans()` and `write_json` (string literals do).
///
/// **Thread safety.** The recorder is used from one thread at a time; the pool may run work from
/// any thread meanwhile. Only the spans that begin after the constructor and end before `stop()`
/// are recorded.
///
/// **Example.**
/// ```cpp
/// yt::thread_pool pool(2);
/// yt::trace_recorder trace(pool);
/// pool.sync_wait(work());
/// trace.write_json("trace.json"); // stops recording, then writes
/// ```
class trace_recorder {
public:
  /// Starts recording on `pool`.
  explicit trace_recorder(thread_pool& pool)
      : m_pool(pool), m_start_ns(detail::trace_buffer::now_ns()) {
    if (!detail::pool_access::trace(pool, 0).start()) {
      throw usage_error("yt::trace_recorder: another recorder is already attached to this pool");
    }
    for (std::size_t i = 1; i < pool.size(); ++i) {
      detail::pool_access::trace(pool, i).start();
    }
  }

  trace_recorder(const trace_recorder&) = delete;
  trace_recorder& operator=(const trace_recorder&) = delete;
  /// Stops recording, dropping what was not collected.
  ~trace_recorder() {
    if (!m_stopped) {
      for (std::size_t i = m_pool.size(); i-- > 0;) {
        static_cast<void>(detail::pool_access::trace(m_pool, i).stop()); // moves, never allocates
      }
    }
  }

  /// Stops recording and collects the spans; later calls do nothing.
  void stop() {
    if (m_stopped) {
      return;
    }
    m_stopped = true;
    // Worker 0 last: its switch is what keeps a second recorder out.
    for (std::size_t i = m_pool.size(); i-- > 0;) {
      auto [records, dropped] = detail::pool_access::trace(m_pool, i).stop();
      m_dropped += dropped;
      for (const detail::trace_record& r : records) {
        if (r.begin_ns < m_start_ns) {
          continue; // begun for an earlier recorder, ended after this one started
        }
        m_spans.push_back({r.name, i, std::chrono::nanoseconds(r.begin_ns - m_start_ns),
                           std::chrono::nanoseconds(r.end_ns - m_start_ns), r.depth, r.items});
      }
    }
  }

  /// Stops recording and returns the spans, worker by worker, each worker's in the order they
  /// ended.
  [[nodiscard]] const std::vector<trace_span>& spans() {
    stop();
    return m_spans;
  }

  /// Spans dropped for lack of memory.
  [[nodiscard]] std::uint64_t dropped() {
    stop();
    return m_dropped;
  }

  /// Stops recording and writes the spans as Chrome trace-event JSON (`{"traceEvents": [...]}`:
  /// a `thread_name` record and complete, "X", events per worker; times in microseconds; each
  /// span's `args` hold its `depth` and, for batches of plain items, `items`).
  void write_json(std::ostream& out) {
    stop();
    out << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";
    for (std::size_t i = 0; i < m_pool.size(); ++i) {
      out << (i == 0 ? "\n" : ",\n") << R"({"name":"thread_name","ph":"M","pid":1,"tid":)" << i
          << R"(,"args":{"name":"worker )" << i << "\"}}";
    }
    for (const trace_span& span : m_spans) {
      out << ",\n{\"name\":";
      write_string(out, span.name);
      out << R"(,"ph":"X","pid":1,"tid":)" << span.worker << ",\"ts\":" << micros(span.begin)
          << ",\"dur\":" << micros(span.end - span.begin) << ",\"args\":{\"depth\":" << span.depth;
      if (span.items != 0) {
        out << ",\"items\":" << span.items;
      }
      out << "}}";
    }
    out << "\n]}\n";
  }

  /// Writes the JSON to the file `path`, replacing it.
  void write_json(const std::string& path) {
    std::ofstream file(path);
    write_json(file);
    file.close();
    if (!file) {
      throw usage_error("yt::trace_recorder: cannot write the trace to " + path);
    }
  }

private:
  static std::string micros(std::chrono::nanoseconds time) {
    const std::int64_t ns = time.count();
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(ns / 1000),
                  static_cast<long long>(ns % 1000 < 0 ? -(ns % 1000) : ns % 1000));
    return text;
  }

  static void write_string(std::ostream& out, std::string_view text) {
    out << '"';
    for (const char c : text) {
      if (c == '"' || c == '\\') {
        out << '\\' << c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
        out << escaped;
      } else {
        out << c;
      }
    }
    out << '"';
  }

  thread_pool& m_pool;
  std::int64_t m_start_ns;
  bool m_stopped = false;
  std::vector<trace_span> m_spans;
  std::uint64_t m_dropped = 0;
};

} // namespace yt
