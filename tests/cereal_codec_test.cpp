#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/cereal_codec.hpp>

#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

namespace {

// A type with a cereal serialize function (and a std::map, which yt::codec has no rule for).
struct inventory {
  std::string owner;
  std::map<std::string, std::vector<int>> items;
  template <class Archive> void serialize(Archive& archive) { archive(owner, items); }
  friend bool operator==(const inventory&, const inventory&) = default;
};

} // namespace

template <> struct yt::codec<inventory> : yt::cereal_codec<inventory> {};

TEST_CASE("cereal_codec: types with a cereal serialize function round-trip") {
  const inventory stock{"ann", {{"bolts", {1, 2}}, {"nuts", {}}}};
  CHECK(yt::decode<inventory>(yt::encode(stock)) == stock);
  CHECK(yt::decode<std::vector<inventory>>(yt::encode(std::vector<inventory>{stock, {}})) ==
        std::vector<inventory>{stock, {}});
  std::vector<std::byte> truncated = yt::encode(stock);
  truncated.resize(truncated.size() - 3);
  CHECK_THROWS_AS(yt::decode<inventory>(truncated), yt::codec_error);
}
