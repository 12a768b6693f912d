#pragma once

#include <array>
#include <atomic>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <ranges>
#include <span>
#include <stop_token>
#include <type_traits>
#include <utility>
#include <vector>

#include <yieldtasks/detail/cluster/map_distributor.hpp>
#include <yieldtasks/detail/cluster/remote_items.hpp>
#include <yieldtasks/detail/indexed_range.hpp>
#include <yieldtasks/detail/job.hpp>
#include <yieldtasks/detail/join_counter.hpp>
#include <yieldtasks/detail/map_context.hpp>
#include <yieldtasks/detail/split_loop.hpp>
#include <yieldtasks/detail/trace_buffer.hpp>
#include <yieldtasks/detail/worker.hpp>
#include <yieldtasks/detail/worker_position.hpp>
#include <yieldtasks/operation_cancelled.hpp>
#include <yieldtasks/remote.hpp>
#include <yieldtasks/stop_source.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt::detail {

template <class T> struct task_traits {
  static constexpr bool is_task = false;
  using value_type = std::remove_cvref_t<T>;
};

template <class T> struct task_traits<task<T>> {
  static constexpr bool is_task = true;
  using value_type = T;
};

template <class F, class Reference>
concept takes_stop_source = std::invocable<F&, Reference, stop_source>;

// Only when the function does not take a yt::stop_source, which wins when it accepts both.
template <class F, class Reference>
concept takes_stop_token =
    !takes_stop_source<F, Reference> && std::invocable<F&, Reference, std::stop_token>;

template <class F, class Reference>
using item_result_t = typename std::conditional_t<
    takes_stop_source<F, Reference>, std::invoke_result<F&, Reference, stop_source>,
    std::conditional_t<takes_stop_token<F, Reference>,
                       std::invoke_result<F&, Reference, std::stop_token>,
                       std::invoke_result<F&, Reference>>>::type;

// The number of elements a range type fixes at compile time (std::array, a C array, a
// fixed-extent std::span, and views of them), or std::dynamic_extent.
template <class Range> inline constexpr std::size_t static_extent_v = std::dynamic_extent;
template <class T, std::size_t N>
inline constexpr std::size_t static_extent_v<std::array<T, N>> = N;
template <class T, std::size_t N> inline constexpr std::size_t static_extent_v<T[N]> = N;
template <class T, std::size_t N> inline constexpr std::size_t static_extent_v<std::span<T, N>> = N;
template <class Range>
inline constexpr std::size_t static_extent_v<std::ranges::ref_view<Range>> =
    static_extent_v<std::remove_cv_t<Range>>;
template <class Range>
inline constexpr std::size_t static_extent_v<std::ranges::owning_view<Range>> =
    static_extent_v<Range>;

template <class F, class Reference>
concept taskmap_function = std::invocable<F&, Reference> || takes_stop_source<F, Reference> ||
                           takes_stop_token<F, Reference>;

// Whether `error` is a yt::operation_cancelled. Only on failure paths: it rethrows.
[[nodiscard]] inline bool is_cancellation(const std::exception_ptr& error) noexcept {
  try {
    std::rethrow_exception(error);
  } catch (const operation_cancelled&) {
    return true;
  } catch (...) {
    return false;
  }
}

// What a map given a std::stop_token keeps: the token, and the callback through which the token's
// stop reaches the map's context. Allocated only for such maps, so others carry one null pointer.
struct outside_stop {
  struct forwarder {
    map_context* context;
    void operator()() const noexcept { context->request_stop(); }
  };

  explicit outside_stop(std::stop_token given) noexcept : token(std::move(given)) {}

  std::stop_token token;
  std::optional<std::stop_callback<forwarder>> callback;
};

// A map a cluster backend may run in other processes: its function is a plain function whose
// argument and result have a codec (whether it is registered is known only at run time).
template <class F, class Reference>
concept remote_capable =
    std::is_pointer_v<std::decay_t<F>> &&
    std::is_function_v<std::remove_pointer_t<std::decay_t<F>>> &&
    remote_callable<std::decay_t<F>> &&
    std::convertible_to<Reference, typename remote_signature<std::decay_t<F>>::argument>;

// Both the awaitable and the state of one map: it lives in the awaiting coroutine's frame from
// the co_await until the parent resumes, so running a map allocates no state of its own.
//
// Protocol. `m_join` counts the items not yet finished; whoever finishes or skips items
// accounts for them, and the thread that accounts for the last resumes the parent. Nothing may
// touch the map after an accounting that did not resume it, so every path makes it its last
// access. Plain items are run in
// ranges that split lazily: a worker splits its range in half only when its own deque is empty,
// so a map of N items costs O(log N) pushes when nobody steals. Coroutine items are started one
// at a time by a single spawn job that re-pushes itself with the next index before it transfers
// into the item (work-first): the worker runs the item, and thieves take the rest of the map.
template <class F, class View>
class [[nodiscard]] taskmap_awaitable final : public item_sink,
                                              public native_awaitable,
                                              public map_probe {
  using function_type = std::decay_t<F>;
  using reference = typename indexed_range<View>::reference;
  using call_result = item_result_t<F, reference>;
  using value_type = typename task_traits<call_result>::value_type;

  static constexpr bool coroutine_items = task_traits<call_result>::is_task;
  static constexpr bool takes_token = takes_stop_token<F, reference>;
  static constexpr bool cancellable = takes_stop_source<F, reference> || takes_token;
  static constexpr bool distributable = !cancellable && remote_capable<F, reference>;
  static constexpr bool returns_void = std::is_void_v<value_type>;
  // A range whose size is part of its type gives a std::array of results: no allocation.
  static constexpr std::size_t fixed_size = static_extent_v<View>;
  static constexpr bool fixed = fixed_size != std::dynamic_extent;
  // Writing results straight into the returned container needs default-constructible values, and
  // not vector<bool>, whose elements share bytes and so cannot be written concurrently.
  static constexpr bool direct_results =
      !cancellable && !returns_void && std::default_initializable<value_type> &&
      std::is_move_assignable_v<value_type> && (fixed || !std::is_same_v<value_type, bool>);

  template <class Element>
  using container =
      std::conditional_t<fixed, std::array<Element, fixed ? fixed_size : 0>, std::vector<Element>>;
  struct no_results {};
  using result_vector = std::conditional_t<direct_results, container<value_type>,
                                           container<std::optional<value_type>>>;

public:
  using result_type = std::conditional_t<
      returns_void, void,
      std::conditional_t<cancellable, container<std::optional<value_type>>, container<value_type>>>;

  template <class Fn>
  taskmap_awaitable(Fn&& fn, View view)
      : m_fn(std::forward<Fn>(fn)), m_range(std::move(view)), m_join(m_range.size()),
        m_context(cancellable) {
    m_context.set_probe(this);
  }

  // A map stopped through `token` too (see taskmap.hpp). A token that can never be stopped is
  // ignored.
  template <class Fn>
  taskmap_awaitable(Fn&& fn, View view, std::stop_token token)
      : taskmap_awaitable(std::forward<Fn>(fn), std::move(view)) {
    if (token.stop_possible()) {
      m_outside = std::make_unique<outside_stop>(std::move(token));
      m_context.make_stoppable();
    }
  }

  taskmap_awaitable(const taskmap_awaitable&) = delete;
  taskmap_awaitable& operator=(const taskmap_awaitable&) = delete;
  [[gnu::always_inline]] ~taskmap_awaitable() = default; // see worker::push

  // Names the map in a trace (yt::trace_recorder); see taskmap.hpp. A task awaits the map in
  // place, whatever the reference (task_promise_base::await_transform).
  [[nodiscard]] taskmap_awaitable& named(const char* name) & noexcept {
    m_name = name;
    return *this;
  }
  [[nodiscard]] taskmap_awaitable&& named(const char* name) && noexcept {
    m_name = name;
    return std::move(*this);
  }

  [[nodiscard, gnu::always_inline]] bool await_ready() { // see worker::push
    if (m_awaited) {
      throw_awaited_twice();
    }
    m_awaited = true;
    if constexpr (!returns_void && !fixed) {
      m_results.resize(m_range.size());
    }
    if (m_range.size() == 0) {
      m_context.enter({}); // links nowhere: await_resume's leave() has nothing to undo
      return true;
    }
    return false;
  }

  // A template on the awaiting promise: the map links below the map that task runs under.
  template <class Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> parent) {
    worker* self = worker::current();
    if (self == nullptr) {
      throw usage_error("yt::taskmap: awaited outside a yieldtasks executor; run the task with "
                        "an executor's sync_wait or map");
    }
    m_join.parent().handle = parent;
    if constexpr (takes_token) {
      m_token_source = std::stop_source{};
      m_context.forward_to(m_token_source);
    }
    enter_below(m_context, context_of(parent));
    m_index_in_parent = self->position().index_in(m_context.parent());
    if (m_outside != nullptr) [[unlikely]] {
      listen_outside();
    }
    if constexpr (distributable) {
      if (map_distributor* distributor = map_distributor::for_frame(parent.address())) {
        if (const remote_entry* entry = find_remote(m_fn)) {
          self->position().clear(); // the parent may resume elsewhere (worker_position.hpp)
          distributor->distribute(m_remote.emplace(*this, *entry));
          return std::noop_coroutine(); // the distributor resumes the parent, maybe already
        }
      }
    }
    if constexpr (coroutine_items) {
      m_spawn.end = m_range.size();
      return spawn_next(*self, 0);
    } else {
      return run_plain(0, m_range.size(), *self);
    }
  }

  result_type await_resume() {
    dump_gate::pass(); // this map may be freed from here on (worker_position.hpp)
    if (m_outside != nullptr) [[unlikely]] {
      stop_listening_outside();
    }
    m_context.leave();
    if (m_outcome.load(std::memory_order_relaxed) != 0) [[unlikely]] {
      throw_outcome();
    }
    if constexpr (!returns_void) {
      if constexpr (fixed) {
        return [this]<std::size_t... Index>(std::index_sequence<Index...>) {
          return result_type{this->template take_fixed<Index>()...};
        }(std::make_index_sequence<fixed_size>{});
      } else if constexpr (direct_results || cancellable) {
        return std::move(m_results);
      } else {
        std::vector<value_type> values;
        values.reserve(m_results.size());
        for (std::optional<value_type>& slot : m_results) {
          values.push_back(std::move(*slot));
        }
        return values;
      }
    }
  }

  // Result `Index` of a fixed-size map, moved out with a compiler barrier after it. The items
  // stored their results one at a time, the last one just before the parent resumed, and g++ 12
  // merged the loads of a std::array<long, 2>'s move into one 16-byte load, which cannot be
  // forwarded from two 8-byte stores still in the store buffer: the parent stalled until they
  // reached the cache (bench_fib's two-item taskmap, 1 thread: 8 % of its time). As in
  // when_all_awaitable::take_apart.
  template <std::size_t Index> auto take_fixed() {
    typename result_type::value_type taken = [this]() -> decltype(auto) {
      if constexpr (direct_results || cancellable) {
        return std::move(m_results[Index]);
      } else {
        return std::move(*m_results[Index]);
      }
    }();
#if defined(__GNUC__)
    asm volatile("" ::: "memory");
#endif
    return taken;
  }

  // For a dump, under its gate (worker_position.hpp).
  [[nodiscard]] map_state describe() const noexcept override {
    map_state state;
    state.name = m_name;
    state.size = m_range.size();
    state.done = m_join.done();
    state.index_in_parent = m_index_in_parent;
    state.depth = m_context.depth();
    return state;
  }

private:
  // m_outcome's bits.
  static constexpr std::uint8_t failed = 1;  // an item threw: m_error holds the first exception
  static constexpr std::uint8_t skipped = 2; // items were skipped after a stop

  // Out of line, like everything only a map given a std::stop_token does, so that the common
  // map's await_suspend and await_resume stay small.
  [[gnu::noinline]] void listen_outside() noexcept {
    // Runs the forwarder at once if the token is already stopped: before any item starts.
    m_outside->callback.emplace(m_outside->token, outside_stop::forwarder{&m_context});
  }
  [[gnu::noinline]] void stop_listening_outside() noexcept {
    m_outside->callback.reset(); // waits for a forwarder running on another thread
  }

  [[noreturn, gnu::noinline]] static void throw_awaited_twice() {
    throw usage_error("yt::taskmap: a map can be awaited only once");
  }

  // A cancellable map sets only `failed` (skip()).
  [[noreturn, gnu::noinline]] void throw_outcome() {
    if (cancellable || (m_outcome.load(std::memory_order_relaxed) & failed) != 0) {
      std::rethrow_exception(m_error);
    }
    throw operation_cancelled();
  }

  decltype(auto) call(std::size_t index) { return call_on(m_range[index]); }

  decltype(auto) call_on(reference element) {
    if constexpr (takes_token) {
      return std::invoke(m_fn, std::forward<reference>(element), m_token_source.get_token());
    } else if constexpr (cancellable) {
      return std::invoke(m_fn, std::forward<reference>(element), stop_source{m_context});
    } else {
      return std::invoke(m_fn, std::forward<reference>(element));
    }
  }

  template <class Value> void store(std::size_t index, Value&& value) {
    if constexpr (direct_results) {
      m_results[index] = std::forward<Value>(value);
    } else {
      m_results[index].emplace(std::forward<Value>(value));
    }
  }

  // The first exception wins; later ones are dropped. Either way the rest of the map is skipped.
  // In a stopped cancellable map, an item ending with operation_cancelled (from a plain map nested
  // in it) is a skipped item, not a failure.
  void fail(std::exception_ptr error) noexcept {
    if (cancelled_item(error)) {
      return;
    }
    if ((m_outcome.fetch_or(failed, std::memory_order_relaxed) & failed) == 0) {
      m_error = std::move(error);
    }
    m_context.request_stop();
  }

  // Items were skipped after a stop. Only a non-cancellable map reports it (operation_cancelled);
  // a cancellable one returns nullopts for them.
  void skip() noexcept {
    if constexpr (!cancellable) {
      m_outcome.fetch_or(skipped, std::memory_order_relaxed); // ordered for the parent by the join
    }
  }

  [[nodiscard]] bool cancelled_item(const std::exception_ptr& error) const noexcept {
    if constexpr (cancellable) {
      return m_context.stop_requested() && is_cancellation(error);
    } else {
      static_cast<void>(error);
      return false;
    }
  }

  // ---- plain items ---------------------------------------------------------------------------

  // Runs [begin, end) and whatever of it this worker takes back (run_split_loop), then accounts
  // for it: the map's whole range runs through here, and so does every split of it.
  std::coroutine_handle<> run_plain(std::size_t begin, std::size_t end, worker& self) noexcept {
    trace_span_guard span(self.trace(), m_name, &m_context);
    std::size_t ran = 0; // items run here, for the counters and the trace; the rest is skipped
    self.position().enter_range(&m_context, begin);
    const std::size_t last =
        run_split_loop(begin, end, self, m_context.stop_flag(), this, &run_split,
                       [this, &ran, &self](std::size_t from, std::size_t to) {
                         self.position().set_index(from);
                         const std::size_t stopped = run_plain_batch(from, to);
                         ran += stopped - from;
                         return stopped;
                       });
    self.counters().add_items(ran);
    span.set_items(ran);
    if (ran != last - begin) {
      skip();
    }
    return m_join.finish(last - begin, parent_item());
  }

  // Runs [begin, end) and returns where it stopped: `end`, or the item after one that threw or
  // that requested a stop (the rest of the batch has not started and is skipped).
  std::size_t run_plain_batch(std::size_t begin, std::size_t end) noexcept {
    try {
      // The elements through a position of the loop's own, so that a loop of cheap items
      // compiles to the loop a plain for would (indexed_range::position).
      for (auto element = m_range.position_at(begin); begin < end; ++element) {
        if constexpr (returns_void) {
          call_on(*element);
        } else {
          store(begin, call_on(*element));
        }
        ++begin;
        if constexpr (cancellable) {
          if (m_context.stop_requested()) {
            return begin;
          }
        }
      }
    } catch (...) {
      fail(std::current_exception());
      return begin + 1;
    }
    return begin;
  }

  static void run_split(job& self, worker& runner) noexcept {
    const split_range split = take_split(self);
    static_cast<taskmap_awaitable*>(split.owner)
        ->run_plain(split.begin, split.end, runner)
        .resume();
  }

  // ---- coroutine items -----------------------------------------------------------------------

  struct spawn_job : job {
    taskmap_awaitable* map;
    std::size_t next;
    std::size_t end;
  };

  static void run_spawn(job& self, worker& runner) noexcept {
    taskmap_awaitable* map = static_cast<spawn_job&>(self).map;
    // The span copies the name and depth: the map may be gone when the item's segment ends.
    const trace_span_guard span(runner.trace(), map->m_name, &map->m_context);
    map->spawn_next(runner, map->m_spawn.next).resume();
  }

  // The number of coroutine items: a constant for a fixed-size range, so that a completion knows
  // which item is the last and whether the next needs a push without loading anything (as
  // when_all's does).
  [[nodiscard]] std::size_t item_count() const noexcept {
    if constexpr (fixed) {
      return fixed_size;
    } else {
      return m_spawn.end;
    }
  }

  // Called by whichever worker holds m_spawn, whose next item is `index`: starts it after
  // re-publishing the rest. Always inline: with the dump's position stores g++ 12 outlined it,
  // and the call cost a fib of two-item maps 34 instructions a map (single worker: 397 -> 380 a
  // call).
  [[gnu::always_inline]] std::coroutine_handle<> spawn_next(worker& self,
                                                            std::size_t index) noexcept {
    const std::size_t end = item_count();
    if (m_context.stop_requested()) {
      skip();
      self.position().enter(parent_item()); // the map may end here (worker_position.hpp)
      return m_join.finish_as_holder(end - index, parent_item());
    }
    if (end - index > 1) {
      m_spawn.next = index + 1;
      self.push(m_spawn); // from here on another worker may own m_spawn
    }
    self.counters().add_items(1);
    self.position().enter_item(&m_context, index);
    return start_item(index, end - index == 1);
  }

  // `last`: the item is the map's last, so the caller still holds the spawn job. Always inline:
  // see worker::push.
  [[gnu::always_inline]] std::coroutine_handle<> start_item(std::size_t index, bool last) noexcept {
    if constexpr (coroutine_items) {
      try {
        call_result item = call(index);
        auto frame = task_access::release(item);
        if (!frame) {
          throw usage_error("yt::taskmap: the function returned an empty (moved-from) task");
        }
        frame.promise().bind_to_sink(*this, index);
        return worker::transfer(frame.promise().start_job());
      } catch (...) {
        fail(std::current_exception());
        if (last) {
          return_to_parent(); // the map may end here (worker_position.hpp)
          return m_join.finish_as_holder(1, parent_item());
        }
        return m_join.finish(1, parent_item());
      }
    } else {
      static_cast<void>(index);
      static_cast<void>(last);
      return std::noop_coroutine();
    }
  }

  // Records the item's exception and skips the rest of the map as soon as an item's body throws,
  // from its unhandled_exception, where the exception is the current one; complete() then finds
  // it recorded. Recording before the stop matters: the stop reaches the maps nested in the other
  // items, which may fail in turn because of it (a cancellable map's nullopts), and the map must
  // rethrow the exception that caused the stop, not one of those.
  void item_failed() noexcept override { fail(std::current_exception()); }

  // Out of line: see when_all_awaitable::complete.
  [[gnu::noinline]] std::coroutine_handle<>
  complete(std::size_t index, std::coroutine_handle<> finished) noexcept override {
    auto frame = std::coroutine_handle<task_promise<value_type>>::from_address(finished.address());
    try {
      if constexpr (returns_void) {
        frame.promise().take_result();
      } else {
        store(index, frame.promise().take_result());
      }
    } catch (...) {
      fail(std::current_exception());
    }
    frame.destroy();
    if (index >= item_count() - 1) {
      return_to_parent(); // the map may end here (worker_position.hpp)
      // The last item: its starter pushed nothing after it.
      return m_join.finish_as_holder(1, parent_item());
    }
    // Nobody has started a later item: start the next one here, with no atomic on the counter.
    // The spawn job taken back names the item after this one.
    if (worker* self = m_join.take_back(m_spawn)) {
      return spawn_next(*self, index + 1);
    }
    return m_join.finish(1, parent_item());
  }

  [[nodiscard]] worker_position::item parent_item() const noexcept {
    return {m_context.parent(), m_index_in_parent};
  }
  void return_to_parent() const noexcept {
    if (worker* self = worker::current()) {
      self->position().enter(parent_item());
    }
  }

  // The map as a distributor sees it; reads the state below.
  friend class remote_items<taskmap_awaitable>;

  F m_fn;
  indexed_range<View> m_range;
  [[no_unique_address]] std::conditional_t<returns_void, no_results, result_vector> m_results;
  join_counter m_join;
  map_context m_context;
  std::atomic<std::uint8_t> m_outcome{0}; // `failed` and `skipped` bits
  std::exception_ptr m_error;
  spawn_job m_spawn{{&run_spawn}, this, 0, 0};
  [[no_unique_address]] std::conditional_t<
      distributable, std::optional<remote_items<taskmap_awaitable>>, no_results>
      m_remote;
  const char* m_name = "taskmap";
  // For a dump: the parent's item, if known. Written by await_suspend, before a dump can reach
  // the map, and left uninitialised so that constructing a map stores less.
  std::size_t m_index_in_parent;
  std::unique_ptr<outside_stop> m_outside;
  // The source of the items' std::stop_token, made when the map starts (it allocates).
  [[no_unique_address]] std::conditional_t<takes_token, std::stop_source, no_results>
      m_token_source{no_token_source()};
  bool m_awaited = false;

  static auto no_token_source() noexcept {
    if constexpr (takes_token) {
      return std::stop_source{std::nostopstate};
    } else {
      return no_results{};
    }
  }
};

} // namespace yt::detail
