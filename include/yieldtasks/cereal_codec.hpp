#pragma once

// Needs cereal (Debian's libcereal-dev); not in the umbrella header.

#include <sstream>
#include <string>

#include <yieldtasks/codec.hpp>

#include <cereal/archives/binary.hpp>
#include <cereal/cereal.hpp>

namespace yt {

/// A `yt::codec` through cereal's binary archive, for types that already have a cereal
/// `serialize` (or `save`/`load`) function. Opt a type in by deriving its codec from it.
///
/// **Exceptions.** Decoding throws `yt::codec_error` when cereal cannot read the bytes.
///
/// **Example.**
/// ```cpp
/// template <> struct yt::codec<my_type> : yt::cereal_codec<my_type> {};
/// ```
template <class T> struct cereal_codec {
  static void encode(byte_writer& writer, const T& value) {
    std::ostringstream out;
    {
      cereal::BinaryOutputArchive archive(out);
      archive(value);
    }
    codec<std::string>::encode(writer, std::move(out).str());
  }

  static T decode(byte_reader& reader) {
    std::istringstream in(codec<std::string>::decode(reader));
    T value{};
    try {
      cereal::BinaryInputArchive archive(in);
      archive(value);
    } catch (const cereal::Exception& error) {
      throw codec_error(std::string("yt::cereal_codec: ") + error.what());
    }
    return value;
  }
};

} // namespace yt
