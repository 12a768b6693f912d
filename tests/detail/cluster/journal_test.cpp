#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <support/temp_dir.hpp>

#include <yieldtasks/detail/cluster/journal.hpp>

namespace {

constexpr const char* fingerprint = "yieldtasks 1.0.0, 64-bit little-endian\nf int(int)\n";

std::vector<std::byte> bytes_of(const std::string& text) {
  return yt::encode(text);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
}

// A journal of `count` results f(i) = "result i", closed; returns the file's size after each
// record (the first entry is the size of the header alone).
std::vector<std::uintmax_t> fill(const std::filesystem::path& path, int count) {
  std::vector<std::uintmax_t> ends;
  yt::detail::journal journal(path, fingerprint);
  ends.push_back(std::filesystem::file_size(path));
  for (int i = 0; i < count; ++i) {
    journal.append("f", bytes_of(std::to_string(i)), bytes_of("result " + std::to_string(i)));
    ends.push_back(std::filesystem::file_size(path));
  }
  return ends;
}

} // namespace

TEST_CASE("journal: results survive reopening, keyed by function and argument") {
  const yt_test::temp_dir dir("yt_journal_reopen");
  const auto path = dir / "j";
  {
    yt::detail::journal journal(path, fingerprint);
    CHECK(journal.size() == 0);
    journal.append("f", bytes_of("a"), bytes_of("fa"));
    journal.append("g", bytes_of("a"), bytes_of("ga"));
  }
  yt::detail::journal reopened(path, fingerprint);
  CHECK(reopened.size() == 2);
  CHECK(reopened.dropped() == 0);
  REQUIRE(reopened.find("f", bytes_of("a")) != nullptr);
  CHECK(*reopened.find("f", bytes_of("a")) == bytes_of("fa"));
  CHECK(*reopened.find("g", bytes_of("a")) == bytes_of("ga"));
  CHECK(reopened.find("f", bytes_of("b")) == nullptr);
}

TEST_CASE("journal: a torn last record is dropped and the file stays appendable") {
  const yt_test::temp_dir dir("yt_journal_torn");
  const auto path = dir / "j";
  const auto full = fill(path, 2).back();
  for (const std::uintmax_t cut : {std::uintmax_t{1}, std::uintmax_t{9}, std::uintmax_t{20}}) {
    std::filesystem::copy_file(path, dir / "copy",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(dir / "copy", full - cut);
    {
      yt::detail::journal torn(dir / "copy", fingerprint);
      CHECK(torn.size() == 1);
      CHECK(torn.dropped() == 1);
      CHECK(torn.find("f", bytes_of("1")) == nullptr);
      torn.append("f", bytes_of("3"), bytes_of("three"));
    }
    yt::detail::journal again(dir / "copy", fingerprint);
    CHECK(again.size() == 2);
    CHECK(again.dropped() == 0);
    CHECK(again.find("f", bytes_of("3")) != nullptr);
  }
}

TEST_CASE("journal: one flipped byte in a middle record drops that record only") {
  const yt_test::temp_dir dir("yt_journal_flip");
  const auto path = dir / "j";
  const std::vector<std::uintmax_t> ends = fill(path, 24);
  const std::string pristine = read_file(path);
  // Every byte of record 5 in turn: its marker, its size, its payload and its checksum.
  for (std::uintmax_t at = ends[5]; at < ends[6]; ++at) {
    std::string damaged = pristine;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    write_file(path, damaged);
    {
      yt::detail::journal journal(path, fingerprint);
      INFO("byte " << at - ends[5] << " of record 5");
      CHECK(journal.dropped() == 1);
      CHECK(journal.size() == 23);
      CHECK(journal.find("f", bytes_of("5")) == nullptr);
      for (const int i : {0, 4, 6, 23}) {
        REQUIRE(journal.find("f", bytes_of(std::to_string(i))) != nullptr);
        CHECK(*journal.find("f", bytes_of(std::to_string(i))) ==
              bytes_of("result " + std::to_string(i)));
      }
    }
    // Rewritten without the damaged record: the next opening finds nothing to drop.
    const yt::detail::journal reopened(path, fingerprint);
    CHECK(reopened.dropped() == 0);
    CHECK(reopened.size() == 23);
  }
}

TEST_CASE("journal: a record with a good checksum that does not decode is dropped") {
  const yt_test::temp_dir dir("yt_journal_undecodable");
  const auto path = dir / "j";
  {
    yt::detail::journal journal(path, fingerprint);
    journal.append("f", bytes_of("1"), bytes_of("one"));
  }
  // A record framed like the journal's own, whose payload is not a (name, argument, result).
  { yt::detail::journal journal(dir / "scratch", "x"); }
  const std::string scratch = read_file(dir / "scratch");
  const std::size_t header = std::string("yieldtasks journal 2\n").size();
  write_file(path, read_file(path) + scratch.substr(header));
  {
    yt::detail::journal journal(path, fingerprint);
    CHECK(journal.dropped() == 1);
    CHECK(journal.size() == 1);
    journal.append("f", bytes_of("2"), bytes_of("two"));
  }
  const yt::detail::journal reopened(path, fingerprint);
  CHECK(reopened.size() == 2);
  CHECK(reopened.dropped() == 0);
}

TEST_CASE("journal: a journal of another program or build is refused, naming the file") {
  const yt_test::temp_dir dir("yt_journal_foreign");
  const auto path = dir / "j";
  fill(path, 3);
  const std::string before = read_file(path);
  CHECK_THROWS_WITH(
      yt::detail::journal(path, "yieldtasks 1.0.0, 64-bit little-endian\nf long(int)\n"),
      Catch::Contains(path.string()) && Catch::Contains("another program or build") &&
          Catch::Contains("'f int(int)' where this program has 'f long(int)'"));
  CHECK(read_file(path) == before);
  write_file(path, "yieldtasks journal 1\nold records");
  CHECK_THROWS_WITH(yt::detail::journal(path, fingerprint),
                    Catch::Contains("another journal format (yieldtasks journal 1)"));
}

TEST_CASE("journal: a file that is not a journal is refused, not overwritten") {
  const yt_test::temp_dir dir("yt_journal_refuse");
  const auto path = dir / "notes.txt";
  std::ofstream(path) << "my precious notes\n";
  CHECK_THROWS_WITH(yt::detail::journal(path, fingerprint),
                    Catch::Contains("not a yieldtasks journal"));
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  CHECK(line == "my precious notes");
  CHECK_THROWS_WITH(yt::detail::journal(dir / "missing" / "j", fingerprint),
                    Catch::Contains("cannot open"));
}

TEST_CASE("journal: a directory or a device is refused with a message naming it") {
  const yt_test::temp_dir dir("yt_journal_not_a_file");
  CHECK_THROWS_WITH(yt::detail::journal(dir / "", fingerprint),
                    Catch::Contains("yt journal") && Catch::Contains("is a directory"));
  CHECK_THROWS_WITH(yt::detail::journal("/dev/null", fingerprint),
                    Catch::Contains("/dev/null: it is not a regular file"));
}

TEST_CASE("journal: a header cut short is replaced by a new one") {
  const yt_test::temp_dir dir("yt_journal_torn_header");
  const auto path = dir / "j";
  fill(path, 0);
  const std::string header = read_file(path);
  for (const std::size_t keep : {std::size_t{0}, std::size_t{5}, header.size() - 1}) {
    write_file(path, header.substr(0, keep));
    {
      yt::detail::journal journal(path, fingerprint);
      CHECK(journal.size() == 0);
      journal.append("f", bytes_of("1"), bytes_of("one"));
    }
    const yt::detail::journal reopened(path, fingerprint);
    CHECK(reopened.size() == 1);
    CHECK(reopened.dropped() == 0);
  }
}
