#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace yt {

/// Thrown when bytes cannot be decoded as the type asked for: they end too early, have bytes
/// left over, or hold a size that cannot be right.
class codec_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The bytes a `yt::codec` writes: appended to a growing buffer.
class byte_writer {
public:
  /// Appends `size` bytes from `data`.
  void write(const void* data, std::size_t size) {
    const auto* first = static_cast<const std::byte*>(data);
    m_bytes.insert(m_bytes.end(), first, first + size);
  }

  /// Appends a length or a count in a fixed width.
  void write_size(std::size_t size) {
    const auto value = static_cast<std::uint64_t>(size);
    write(&value, sizeof value);
  }

  [[nodiscard]] const std::vector<std::byte>& bytes() const& noexcept { return m_bytes; }
  [[nodiscard]] std::vector<std::byte> bytes() && noexcept { return std::move(m_bytes); }

private:
  std::vector<std::byte> m_bytes;
};

/// The bytes a `yt::codec` reads: a view that is consumed from the front, bounds-checked.
class byte_reader {
public:
  explicit byte_reader(std::span<const std::byte> bytes) noexcept : m_bytes(bytes) {}

  /// Copies the next `size` bytes into `data`. **Exceptions.** `yt::codec_error` if fewer remain.
  void read(void* data, std::size_t size) {
    const std::span<const std::byte> taken = take(size);
    if (size != 0) { // an empty vector's data() may be null, which memcpy must not be given
      std::memcpy(data, taken.data(), size);
    }
  }

  /// Consumes and returns the next `size` bytes. **Exceptions.** `yt::codec_error` if fewer
  /// remain.
  std::span<const std::byte> take(std::size_t size) {
    if (size > m_bytes.size()) {
      throw codec_error("yt::codec: the data ends early: " + std::to_string(size) +
                        " bytes needed, " + std::to_string(m_bytes.size()) + " left");
    }
    const std::span<const std::byte> taken = m_bytes.first(size);
    m_bytes = m_bytes.subspan(size);
    return taken;
  }

  /// Reads a size written by `byte_writer::write_size` that announces `size × element_bytes`
  /// more bytes. **Exceptions.** `yt::codec_error` if that many bytes cannot follow.
  std::size_t read_size(std::size_t element_bytes) {
    std::uint64_t size = 0;
    read(&size, sizeof size);
    if (element_bytes != 0 && size > m_bytes.size() / element_bytes) {
      throw codec_error("yt::codec: a size of " + std::to_string(size) + " elements exceeds the " +
                        std::to_string(m_bytes.size()) + " bytes left");
    }
    return static_cast<std::size_t>(size);
  }

  [[nodiscard]] std::size_t remaining() const noexcept { return m_bytes.size(); }

private:
  std::span<const std::byte> m_bytes;
};

/// Turns a `T` into bytes and back, for sending it to another process (the cluster backend's
/// arguments and results). Specialize it for a type of yours, with
/// `static void encode(yt::byte_writer&, const T&)` and `static T decode(yt::byte_reader&)`.
///
/// The primary template handles, recursively: trivially copyable types (copied bytewise, so both
/// processes must share the architecture; pointers, `std::string_view` and `std::span` are
/// refused, and a trivially copyable struct must not hold pointers either), `std::string`,
/// `std::vector`, `std::optional`, `std::pair`, `std::tuple`, `std::array`, dense Eigen
/// matrices of trivially copyable scalars (any type with Eigen's `Scalar`, `rows()`, `cols()`,
/// `data()` and `resize(rows, cols)`), and any default-constructible type for which
/// `codec_fields(T&)`, found by argument-dependent lookup, returns a `std::tuple` of references
/// to its members (`return std::tie(v.a, v.b);`), which are then encoded in that order. For
/// types that already have a cereal `serialize` function, `<yieldtasks/cereal_codec.hpp>`
/// provides a codec to derive from.
template <class T> struct codec;

/// A type `yt::codec` can encode and decode.
template <class T>
concept encodable = requires(byte_writer& writer, byte_reader& reader, const T& value) {
  codec<T>::encode(writer, value);
  { codec<T>::decode(reader) } -> std::same_as<T>;
};

namespace detail {

template <class T, template <class...> class Template>
inline constexpr bool is_specialization_v = false;
template <template <class...> class Template, class... Args>
inline constexpr bool is_specialization_v<Template<Args...>, Template> = true;

template <class T> inline constexpr bool is_std_array_v = false;
template <class T, std::size_t N> inline constexpr bool is_std_array_v<std::array<T, N>> = true;

template <class T> inline constexpr bool is_std_span_v = false;
template <class T, std::size_t N> inline constexpr bool is_std_span_v<std::span<T, N>> = true;

// Trivially copyable types that still refer to memory of the sending process.
template <class T>
concept refers_to_memory =
    std::is_pointer_v<T> || std::is_member_pointer_v<T> || std::is_null_pointer_v<T> ||
    is_specialization_v<T, std::basic_string_view> || is_std_span_v<T>;

template <class T>
concept bytewise_codable =
    std::is_trivially_copyable_v<T> && !std::is_array_v<T> && !refers_to_memory<T>;

template <class T>
concept eigen_dense = std::default_initializable<T> && requires(T& matrix) {
  typename T::Scalar;
  T::RowsAtCompileTime;
  { matrix.rows() } -> std::convertible_to<std::ptrdiff_t>;
  { matrix.cols() } -> std::convertible_to<std::ptrdiff_t>;
  { matrix.data() } -> std::same_as<typename T::Scalar*>;
  matrix.resize(matrix.rows(), matrix.cols());
} && bytewise_codable<typename T::Scalar>;

template <class T>
concept has_codec_fields = std::default_initializable<T> && requires(T& value) {
  { codec_fields(value) };
  requires is_specialization_v<decltype(codec_fields(value)), std::tuple>;
};

template <class Tuple> struct all_encodable;
template <class... Ts> struct all_encodable<std::tuple<Ts...>> {
  static constexpr bool value = (encodable<std::remove_cvref_t<Ts>> && ...);
};
template <class A, class B> struct all_encodable<std::pair<A, B>> {
  static constexpr bool value = encodable<A> && encodable<B>;
};

enum class codec_kind { none, fields, string, vector, optional, tuple_like, array, eigen, bytes };

// How the primary codec handles T, in order of precedence.
template <class T> consteval codec_kind codec_kind_of() {
  // The chain is ordered by precedence, so its first and last branches both say none.
  // NOLINTNEXTLINE(bugprone-branch-clone)
  if constexpr (std::is_const_v<T> || std::is_volatile_v<T> || std::is_reference_v<T>) {
    return codec_kind::none;
  } else if constexpr (has_codec_fields<T>) {
    using fields = decltype(codec_fields(std::declval<T&>()));
    return all_encodable<fields>::value ? codec_kind::fields : codec_kind::none;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return codec_kind::string;
  } else if constexpr (is_specialization_v<T, std::vector>) {
    return encodable<typename T::value_type> ? codec_kind::vector : codec_kind::none;
  } else if constexpr (is_specialization_v<T, std::optional>) {
    return encodable<typename T::value_type> ? codec_kind::optional : codec_kind::none;
  } else if constexpr (is_specialization_v<T, std::tuple> || is_specialization_v<T, std::pair>) {
    return all_encodable<T>::value ? codec_kind::tuple_like : codec_kind::none;
  } else if constexpr (is_std_array_v<T> && !bytewise_codable<T>) {
    return encodable<typename T::value_type> ? codec_kind::array : codec_kind::none;
  } else if constexpr (eigen_dense<T>) {
    return codec_kind::eigen;
  } else if constexpr (bytewise_codable<T>) {
    return codec_kind::bytes;
  } else {
    return codec_kind::none;
  }
}

template <class T> T decode_bytewise(byte_reader& reader) {
  std::array<std::byte, sizeof(T)> raw;
  reader.read(raw.data(), raw.size());
  return std::bit_cast<T>(raw);
}

} // namespace detail

template <class T> struct codec {
  static constexpr detail::codec_kind kind = detail::codec_kind_of<T>();

  static void encode(byte_writer& writer, const T& value)
    requires(kind != detail::codec_kind::none)
  {
    using detail::codec_kind;
    if constexpr (kind == codec_kind::fields) {
      // codec_fields takes T& so that one function serves both directions; encoding only reads.
      std::apply(
          [&](auto&... fields) {
            (codec<std::remove_cvref_t<decltype(fields)>>::encode(writer, fields), ...);
          },
          codec_fields(const_cast<T&>(value)));
    } else if constexpr (kind == codec_kind::string) {
      writer.write_size(value.size());
      writer.write(value.data(), value.size());
    } else if constexpr (kind == codec_kind::vector) {
      using element = typename T::value_type;
      writer.write_size(value.size());
      if constexpr (detail::bytewise_codable<element> && !std::is_same_v<element, bool>) {
        writer.write(value.data(), value.size() * sizeof(element));
      } else {
        for (const element& item : value) {
          codec<element>::encode(writer, item);
        }
      }
    } else if constexpr (kind == codec_kind::optional) {
      const bool engaged = value.has_value();
      writer.write(&engaged, sizeof engaged);
      if (engaged) {
        codec<typename T::value_type>::encode(writer, *value);
      }
    } else if constexpr (kind == codec_kind::tuple_like) {
      std::apply(
          [&](const auto&... items) {
            (codec<std::remove_cvref_t<decltype(items)>>::encode(writer, items), ...);
          },
          value);
    } else if constexpr (kind == codec_kind::array) {
      for (const auto& item : value) {
        codec<typename T::value_type>::encode(writer, item);
      }
    } else if constexpr (kind == codec_kind::eigen) {
      writer.write_size(static_cast<std::size_t>(value.rows()));
      writer.write_size(static_cast<std::size_t>(value.cols()));
      writer.write(value.data(), static_cast<std::size_t>(value.rows() * value.cols()) *
                                     sizeof(typename T::Scalar));
    } else {
      writer.write(&value, sizeof value);
    }
  }

  static T decode(byte_reader& reader)
    requires(kind != detail::codec_kind::none)
  {
    using detail::codec_kind;
    if constexpr (kind == codec_kind::fields) {
      T value{};
      std::apply(
          [&](auto&... fields) {
            ((fields = codec<std::remove_cvref_t<decltype(fields)>>::decode(reader)), ...);
          },
          codec_fields(value));
      return value;
    } else if constexpr (kind == codec_kind::string) {
      const std::span<const std::byte> chars = reader.take(reader.read_size(1));
      return std::string(reinterpret_cast<const char*>(chars.data()), chars.size());
    } else if constexpr (kind == codec_kind::vector) {
      using element = typename T::value_type;
      if constexpr (detail::bytewise_codable<element> && !std::is_same_v<element, bool>) {
        const std::size_t size = reader.read_size(sizeof(element));
        T items(size);
        reader.read(items.data(), size * sizeof(element));
        return items;
      } else {
        const std::size_t size = reader.read_size(0);
        T items;
        items.reserve(std::min(size, reader.remaining()));
        for (std::size_t i = 0; i < size; ++i) {
          items.push_back(codec<element>::decode(reader));
        }
        return items;
      }
    } else if constexpr (kind == codec_kind::optional) {
      bool engaged = false;
      reader.read(&engaged, sizeof engaged);
      if (!engaged) {
        return T{};
      }
      return T{codec<typename T::value_type>::decode(reader)};
    } else if constexpr (kind == codec_kind::tuple_like) {
      return decode_tuple(reader, std::make_index_sequence<std::tuple_size_v<T>>{});
    } else if constexpr (kind == codec_kind::array) {
      T items;
      for (auto& item : items) {
        item = codec<typename T::value_type>::decode(reader);
      }
      return items;
    } else if constexpr (kind == codec_kind::eigen) {
      using scalar = typename T::Scalar;
      const std::size_t rows = reader.read_size(0);
      const std::size_t cols = reader.read_size(0);
      if (cols != 0 && rows > reader.remaining() / sizeof(scalar) / cols) {
        throw codec_error("yt::codec: a " + std::to_string(rows) + "x" + std::to_string(cols) +
                          " matrix exceeds the bytes left");
      }
      T matrix;
      matrix.resize(static_cast<std::ptrdiff_t>(rows), static_cast<std::ptrdiff_t>(cols));
      reader.read(matrix.data(), rows * cols * sizeof(scalar));
      return matrix;
    } else {
      return detail::decode_bytewise<T>(reader);
    }
  }

private:
  template <std::size_t... I>
  static T decode_tuple(byte_reader& reader, std::index_sequence<I...> /*indices*/) {
    // A braced list evaluates its elements in order, which the encoding relies on.
    return T{codec<std::tuple_element_t<I, T>>::decode(reader)...};
  }
};

/// Encodes `value` into a new byte vector.
template <encodable T> [[nodiscard]] std::vector<std::byte> encode(const T& value) {
  byte_writer writer;
  codec<T>::encode(writer, value);
  return std::move(writer).bytes();
}

/// Decodes a `T` that must take up all of `bytes`. **Exceptions.** `yt::codec_error` if the
/// bytes end early or some are left over; whatever the type's codec throws.
template <encodable T> [[nodiscard]] T decode(std::span<const std::byte> bytes) {
  byte_reader reader(bytes);
  T value = codec<T>::decode(reader);
  if (reader.remaining() != 0) {
    throw codec_error("yt::codec: " + std::to_string(reader.remaining()) +
                      " bytes left over after decoding");
  }
  return value;
}

} // namespace yt
