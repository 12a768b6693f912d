#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include <yieldtasks/codec.hpp>
#include <yieldtasks/task.hpp>
#include <yieldtasks/usage_error.hpp>

namespace yt {

namespace detail {

template <class Fn> struct remote_signature;

// A function of one parameter returning a value, void, or a task of either.
template <class R, class Arg> struct remote_signature<R (*)(Arg)> {
  using argument = std::remove_cvref_t<Arg>;
  using call_result = R;
  static constexpr bool is_task = false;
  using result = R;
};
template <class R, class Arg> struct remote_signature<task<R> (*)(Arg)> {
  using argument = std::remove_cvref_t<Arg>;
  using call_result = task<R>;
  static constexpr bool is_task = true;
  using result = R;
};
template <class R, class Arg>
struct remote_signature<R (*)(Arg) noexcept> : remote_signature<R (*)(Arg)> {};

template <class Fn>
concept remote_callable = requires { typename remote_signature<Fn>::argument; } &&
                          encodable<typename remote_signature<Fn>::argument> &&
                          (std::is_void_v<typename remote_signature<Fn>::result> ||
                           encodable<typename remote_signature<Fn>::result>);

// A registered function: its stable name, its type (checked across processes), its identity
// in this process, and a coroutine that decodes the argument, runs it and encodes the result.
struct remote_entry {
  std::string name;
  std::string signature;
  void (*address)();
  task<std::vector<std::byte>> (*invoke)(std::vector<std::byte> argument);
};

template <auto Fn> task<std::vector<std::byte>> invoke_remote(std::vector<std::byte> argument) {
  using signature = remote_signature<decltype(Fn)>;
  using result = typename signature::result;
  typename signature::argument value =
      decode<typename signature::argument>(std::span<const std::byte>(argument));
  if constexpr (signature::is_task) {
    if constexpr (std::is_void_v<result>) {
      co_await Fn(std::move(value));
      co_return std::vector<std::byte>{};
    } else {
      // Awaited into a variable first: g++ 12 mishandles co_await inside nested calls.
      result produced = co_await Fn(std::move(value));
      co_return encode(produced);
    }
  } else if constexpr (std::is_void_v<result>) {
    Fn(std::move(value));
    co_return std::vector<std::byte>{};
  } else {
    co_return encode(Fn(std::move(value)));
  }
}

template <class Fn> void (*function_identity(Fn fn) noexcept)() {
  return reinterpret_cast<void (*)()>(fn);
}

// The functions of this process that other processes may ask it to run. Registration normally
// happens during static initialization; a cluster freezes the registry when it starts, since
// its processes agree on the registry's contents once, at start-up.
class remote_registry {
public:
  static remote_registry& instance() {
    static remote_registry registry;
    return registry;
  }

  const remote_entry& add(remote_entry entry) {
    const std::lock_guard lock(m_mutex);
    for (const remote_entry& existing : m_entries) {
      if (existing.name == entry.name) {
        if (existing.address != entry.address) {
          throw usage_error("yt::remote: two different functions are registered as '" + entry.name +
                            "'");
        }
        return existing;
      }
      if (existing.address == entry.address) {
        throw usage_error("yt::remote: one function is registered as both '" + existing.name +
                          "' and '" + entry.name + "'");
      }
    }
    if (m_frozen) {
      throw usage_error("yt::remote: '" + entry.name +
                        "' is registered after a cluster started; register every remote "
                        "function before constructing the cluster (YT_REMOTE at namespace scope)");
    }
    return m_entries.emplace_back(std::move(entry));
  }

  [[nodiscard]] const remote_entry* find(void (*address)()) const {
    const std::lock_guard lock(m_mutex);
    for (const remote_entry& entry : m_entries) {
      if (entry.address == address) {
        return &entry;
      }
    }
    return nullptr;
  }

  // The entries sorted by name: an order every process of a cluster computes alike.
  [[nodiscard]] std::vector<const remote_entry*> sorted() const {
    const std::lock_guard lock(m_mutex);
    std::vector<const remote_entry*> entries;
    entries.reserve(m_entries.size());
    for (const remote_entry& entry : m_entries) {
      entries.push_back(&entry);
    }
    std::sort(entries.begin(), entries.end(),
              [](const remote_entry* a, const remote_entry* b) { return a->name < b->name; });
    return entries;
  }

  void freeze() {
    const std::lock_guard lock(m_mutex);
    m_frozen = true;
  }

private:
  remote_registry() = default;

  mutable std::mutex m_mutex;
  std::deque<remote_entry> m_entries; // a deque keeps entries in place as it grows
  bool m_frozen = false;
};

// The registration of `fn` if it is a pointer to a registered function, else null: only plain
// functions have an identity that every process of a cluster shares.
template <class F> [[nodiscard]] const remote_entry* find_remote(const F& fn) {
  using pointer = std::decay_t<F>;
  if constexpr (std::is_pointer_v<pointer> && std::is_function_v<std::remove_pointer_t<pointer>>) {
    return remote_registry::instance().find(function_identity(static_cast<pointer>(fn)));
  } else {
    return nullptr;
  }
}

} // namespace detail

/// Registers `Fn` under `name` so that a cluster backend may run it in another process, and
/// returns its registration. `Fn` takes one argument and returns a value, `void`, or a
/// `yt::task` of either; argument and result must be `yt::encodable`. Every process of a
/// cluster must register the same names for the same function types (a cluster checks this
/// when it starts). Registering is idempotent; prefer the `YT_REMOTE` macro at namespace scope.
///
/// **Exceptions.** `yt::usage_error` if `name` is taken by another function, `Fn` is registered
/// under another name, or a cluster has already started.
///
/// **Example.**
/// ```cpp
/// double simulate(std::vector<double> parameters);
/// YT_REMOTE(simulate);                           // or: yt::remote<&simulate>("simulate");
/// ```
template <auto Fn>
  requires detail::remote_callable<decltype(Fn)>
const detail::remote_entry& remote(std::string_view name) {
  return detail::remote_registry::instance().add({std::string(name), typeid(decltype(Fn)).name(),
                                                  detail::function_identity(Fn),
                                                  &detail::invoke_remote<Fn>});
}

} // namespace yt

#define YT_DETAIL_CONCAT_IMPL(a, b) a##b
#define YT_DETAIL_CONCAT(a, b) YT_DETAIL_CONCAT_IMPL(a, b)

/// Registers the function `fn` (a name, possibly qualified) for remote execution under its
/// spelling, e.g. `YT_REMOTE(qs::synthesize_job);` registers "qs::synthesize_job". Use it at
/// namespace scope; see `yt::remote`.
#define YT_REMOTE(fn)                                                                              \
  [[maybe_unused]] static const ::yt::detail::remote_entry& YT_DETAIL_CONCAT(                      \
      yt_remote_registration_, __COUNTER__) = ::yt::remote<&(fn)>(#fn)
