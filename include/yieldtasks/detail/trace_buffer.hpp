#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include <yieldtasks/detail/map_context.hpp>

namespace yt::detail {

// One span of a trace: what a worker ran from `begin_ns` to `end_ns` (steady_clock).
struct trace_record {
  const char* name;
  std::int64_t begin_ns;
  std::int64_t end_ns;
  std::uint64_t items; // the items a batch of plain items ran; 0 for other spans
  std::uint32_t depth;
};

// The spans one worker recorded for a yt::trace_recorder.
//
// Protocol. `m_on` is the runtime switch: whoever runs as the worker reads it (relaxed) once when
// a span begins, a branch that is always false unless a recorder is attached; nothing else is
// read or written while it is off. A span is appended when it ends, under this worker's own
// mutex, which only the recorder ever contends for (when it starts and when it stops); the
// mutex, not `m_on`, orders the spans with the recorder's reads, so a relaxed switch suffices: a
// span that began just before the switch went off is either collected or dropped at the next
// start. Starting and stopping happen under the mutex too.
class trace_buffer {
public:
  [[nodiscard]] bool on() const noexcept { return m_on.load(std::memory_order_relaxed); }

  static std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  // A span that cannot be stored (out of memory) is dropped: tracing must not fail the work.
  void record(const trace_record& span) noexcept {
    const std::lock_guard lock(m_mutex);
    if (!m_on.load(std::memory_order_relaxed)) {
      return;
    }
    try {
      m_spans.push_back(span);
    } catch (const std::bad_alloc&) {
      ++m_dropped;
    }
  }

  // Turns recording on with an empty buffer; false if it already was on.
  bool start() {
    const std::lock_guard lock(m_mutex);
    if (m_on.load(std::memory_order_relaxed)) {
      return false;
    }
    m_spans.clear();
    m_dropped = 0;
    m_on.store(true, std::memory_order_relaxed);
    return true;
  }

  // Turns recording off and hands over what was recorded, and how many spans were dropped.
  std::pair<std::vector<trace_record>, std::uint64_t> stop() {
    const std::lock_guard lock(m_mutex);
    m_on.store(false, std::memory_order_relaxed);
    return {std::exchange(m_spans, {}), std::exchange(m_dropped, 0)};
  }

private:
  std::atomic<bool> m_on{false};
  std::mutex m_mutex;
  std::vector<trace_record> m_spans;
  std::uint64_t m_dropped = 0;
};

// Records one span on `buffer` if it was on when the span began; begin/end around a call.
class trace_span_guard {
public:
  // `map`: the map the span runs items of, whose depth the span records (a walk up its parents,
  // made only while tracing); null for a task outside any map (depth 0).
  trace_span_guard(trace_buffer& buffer, const char* name, const map_context* map) noexcept
      : m_buffer(buffer.on() ? &buffer : nullptr), m_name(name),
        m_depth(m_buffer != nullptr && map != nullptr ? map->depth() : 0),
        m_begin(m_buffer != nullptr ? trace_buffer::now_ns() : 0) {}
  trace_span_guard(const trace_span_guard&) = delete;
  trace_span_guard& operator=(const trace_span_guard&) = delete;
  ~trace_span_guard() {
    if (m_buffer != nullptr) [[unlikely]] {
      m_buffer->record({m_name, m_begin, trace_buffer::now_ns(), m_items, m_depth});
    }
  }

  void set_items(std::uint64_t items) noexcept { m_items = items; }

private:
  trace_buffer* m_buffer;
  const char* m_name;
  std::uint32_t m_depth;
  std::int64_t m_begin;
  std::uint64_t m_items = 0;
};

} // namespace yt::detail
