// split_shell_words against what Python's shlex.split returns for the same
// lines (esptool splits @file lines with it).
#include <catch2/catch.hpp>

#include "espbak/util/shell_words.hpp"

using espbak::split_shell_words;
using Words = std::vector<std::string>;

namespace {
Words split(std::string_view line) {
  std::string why;
  auto w = split_shell_words(line, &why);
  INFO(why);
  REQUIRE(w);
  return *w;
}
std::string refused(std::string_view line) {
  std::string why;
  auto w = split_shell_words(line, &why);
  CHECK_FALSE(w);
  return why;
}
}  // namespace

TEST_CASE("shell words: blanks, quotes and backslashes as shlex.split", "[util]") {
  CHECK(split("") == Words{});
  CHECK(split("   \t ") == Words{});
  CHECK(split("write_flash  0x0\tapp.bin\r") == Words{"write_flash", "0x0", "app.bin"});
  CHECK(split("'my file.bin' \"other file.bin\"") == Words{"my file.bin", "other file.bin"});
  CHECK(split("a'b c'd") == Words{"ab cd"});                 // quotes join with the word around them
  CHECK(split("''") == Words{""});                           // an empty quoted word is a word
  CHECK(split(R"("a \"q\" \\ \x")") == Words{R"(a "q" \ \x)"});  // in "", \ escapes only " \ $ `
  CHECK(split(R"('a \"b')") == Words{R"(a \"b)"});           // nothing escapes in ''
  CHECK(split(R"(a\ b c\'d)") == Words{"a b", "c'd"});
  CHECK(split("-p /dev/ttyUSB0 # not a comment") == Words{"-p", "/dev/ttyUSB0", "#", "not", "a", "comment"});
}

TEST_CASE("shell words: an unclosed quote or a trailing backslash is refused", "[util]") {
  CHECK(refused("'abc") == "no closing ' quote");
  CHECK(refused("a \"b c") == "no closing \" quote");
  CHECK(refused("abc\\") == "a backslash ends the line");
}
