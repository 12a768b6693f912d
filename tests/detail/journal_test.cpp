#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <support/temp_dir.hpp>

#include <yieldtasks/detail/journal.hpp>

namespace {

std::vector<std::byte> bytes_of(const std::string& text) {
  return yt::encode(text);
}

} // namespace

TEST_CASE("journal: results survive reopening, keyed by function and argument") {
  const yt_test::temp_dir dir("yt_journal_reopen");
  const auto path = dir / "j";
  {
    yt::detail::journal journal(path);
    CHECK(journal.size() == 0);
    journal.append("f", bytes_of("a"), bytes_of("fa"));
    journal.append("g", bytes_of("a"), bytes_of("ga"));
  }
  yt::detail::journal reopened(path);
  CHECK(reopened.size() == 2);
  REQUIRE(reopened.find("f", bytes_of("a")) != nullptr);
  CHECK(*reopened.find("f", bytes_of("a")) == bytes_of("fa"));
  CHECK(*reopened.find("g", bytes_of("a")) == bytes_of("ga"));
  CHECK(reopened.find("f", bytes_of("b")) == nullptr);
}

TEST_CASE("journal: a torn last record is dropped and the file stays appendable") {
  const yt_test::temp_dir dir("yt_journal_torn");
  const auto path = dir / "j";
  {
    yt::detail::journal journal(path);
    journal.append("f", bytes_of("1"), bytes_of("one"));
    journal.append("f", bytes_of("2"), bytes_of("two"));
  }
  const auto full = std::filesystem::file_size(path);
  for (const std::uintmax_t cut : {std::uintmax_t{1}, std::uintmax_t{9}, std::uintmax_t{20}}) {
    std::filesystem::copy_file(path, dir / "copy",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(dir / "copy", full - cut);
    {
      yt::detail::journal torn(dir / "copy");
      CHECK(torn.size() == 1);
      CHECK(torn.find("f", bytes_of("2")) == nullptr);
      torn.append("f", bytes_of("3"), bytes_of("three"));
    }
    yt::detail::journal again(dir / "copy");
    CHECK(again.size() == 2);
    CHECK(again.find("f", bytes_of("3")) != nullptr);
  }
}

TEST_CASE("journal: a file that is not a journal is refused, not overwritten") {
  const yt_test::temp_dir dir("yt_journal_refuse");
  const auto path = dir / "notes.txt";
  std::ofstream(path) << "my precious notes\n";
  CHECK_THROWS_WITH(yt::detail::journal(path), Catch::Contains("not a yieldtasks journal"));
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  CHECK(line == "my precious notes");
  CHECK_THROWS_WITH(yt::detail::journal(dir / "missing" / "j"), Catch::Contains("cannot open"));
}
