#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <yieldtasks/remote.hpp>
#include <yieldtasks/yieldtasks.hpp>

namespace {

int twice(int x) {
  return 2 * x;
}
yt::task<std::string> greet(std::string name) {
  co_return "hello " + name;
}
void ignore(int /*x*/) {}
int other(int x) {
  return x;
}
int fails(int x) {
  throw std::invalid_argument("bad " + std::to_string(x));
}

} // namespace

YT_REMOTE(twice);
YT_REMOTE(greet);
YT_REMOTE(ignore);
YT_REMOTE(fails);

namespace {

std::vector<std::byte> invoke(const yt::detail::remote_entry& entry, std::vector<std::byte> arg) {
  return yt::inline_executor{}.sync_wait(entry.invoke(std::move(arg)));
}

const yt::detail::remote_entry& entry_of(void (*identity)()) {
  const yt::detail::remote_entry* entry = yt::detail::remote_registry::instance().find(identity);
  REQUIRE(entry != nullptr);
  return *entry;
}

} // namespace

TEST_CASE("remote: registered functions run from bytes, plain, coroutine and void") {
  const auto& t = entry_of(yt::detail::function_identity(&twice));
  CHECK(t.name == "twice");
  CHECK(yt::decode<int>(invoke(t, yt::encode(21))) == 42);
  const auto& g = entry_of(yt::detail::function_identity(&greet));
  CHECK(yt::decode<std::string>(invoke(g, yt::encode(std::string("you")))) == "hello you");
  CHECK(invoke(entry_of(yt::detail::function_identity(&ignore)), yt::encode(1)).empty());
  CHECK_THROWS_WITH(invoke(entry_of(yt::detail::function_identity(&fails)), yt::encode(3)),
                    "bad 3");
  CHECK_THROWS_AS(invoke(t, yt::encode(std::string("not an int"))), yt::codec_error);
}

TEST_CASE("remote: registration is idempotent and names are unique") {
  CHECK(&yt::remote<&twice>("twice") == &entry_of(yt::detail::function_identity(&twice)));
  CHECK_THROWS_WITH(yt::remote<&other>("twice"), Catch::Contains("two different functions"));
  CHECK_THROWS_WITH(yt::remote<&twice>("twice again"), Catch::Contains("both 'twice'"));
  CHECK(yt::detail::remote_registry::instance().find(yt::detail::function_identity(&other)) ==
        nullptr);
}

TEST_CASE("remote: registered functions map normally on a pool and inline") {
  const std::vector<int> xs{1, 2, 3};
  yt::thread_pool pool(2);
  CHECK(pool.map(twice, xs) == std::vector<int>{2, 4, 6});
  CHECK(yt::inline_executor{}.map(twice, xs) == std::vector<int>{2, 4, 6});
}
