// Usage errors read as sentences naming the option or argument and the
// command, not as CLI11's phrases; a missing or extra argument also gets the
// command's usage line.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cli11_parser.hpp"
#include "command_table.hpp"
#include "usage_errors.hpp"

using namespace espbak::cli;

namespace {

// Parses `words` (after the program name) with the real command table and
// returns the usage message of the error it must raise.
UsageMessage usage_error_of(std::vector<std::string> words) {
  Cli11Parser parser(program_spec());
  std::vector<std::string> storage = {"espbak"};
  storage.insert(storage.end(), words.begin(), words.end());
  std::vector<char*> argv;
  for (auto& w : storage) argv.push_back(w.data());
  try {
    parser.parse(int(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return parser.usage_error_message(e);
  }
  FAIL("the command line parsed");
  return {};
}

}  // namespace

TEST_CASE("usage errors name the option and the command in a sentence", "[cli]") {
  struct Case {
    std::vector<std::string> words;
    std::string line;
    bool usage_line;
  };
  const std::vector<Case> cases = {
      // -p is repeatable (several boards at once, docs/cli.md "Many boards"); other options are not.
      {{"-c", "esp32", "-c", "esp8266", "flash_id"}, "--chip was given 2 times; give it once", false},
      {{"--connect-attempts", "x", "flash_id"}, "--connect-attempts: 'x' is not a whole number", false},
      {{"--baud"}, "--baud needs a value", false},
      {{"read_flash", "0"}, "read_flash: SIZE is missing", true},
      {{"read_flash", "0", "0", "f", "g"}, "read_flash: unexpected argument 'g'", true},
      {{"write_flash"}, "write_flash: no ADDRESS FILENAME pair given", true},
      {{"read_flash", "0", "0", "f", "--bogus"}, "read_flash has no option --bogus (see espbak read_flash --help)",
       false},
      {{"flash_id", "--flash-mode", "dio"},
       "--flash-mode is an option of write_flash, verify_flash and merge_bin, not of flash_id: give it after that "
       "command's name",
       false},
      // Tasmota's line with the flash options moved before the command.
      {{"-fs", "1MB", "write_flash", "0", "x.bin"},
       "--flash-size is an option of write_flash: give it after the command's name ('espbak write_flash "
       "--flash-size ...')",
       false},
      {{"frobnicate"}, "unknown command 'frobnicate' (see espbak --help)", false},
  };
  for (const auto& c : cases) {
    std::string shown;
    for (const auto& w : c.words) shown += w + " ";
    INFO(shown);
    UsageMessage m = usage_error_of(c.words);
    CHECK(m.line == c.line);
    CHECK(m.usage.empty() != c.usage_line);
    for (const char* raw : {"At Most", "required but received", "Could not convert", "not expected"})
      CHECK(m.line.find(raw) == std::string::npos);
  }
}

TEST_CASE("no command prints the whole usage after the error line", "[cli]") {
  UsageMessage m = usage_error_of({});
  CHECK(m.line == "no command given");
  CHECK(m.usage.find("read_flash") != std::string::npos);
  CHECK(m.usage.find("write_flash") != std::string::npos);
}

TEST_CASE("the usage line lists a command's positionals in order", "[cli]") {
  const ProgramSpec& spec = program_spec();
  CHECK(command_usage_line(spec, *find_command("read_flash")) ==
        "usage: espbak read_flash [options] ADDRESS SIZE FILENAME");
  // --force (esptool erase-region --force) makes it a command with options.
  CHECK(command_usage_line(spec, *find_command("erase_region")) == "usage: espbak erase_region [options] ADDRESS SIZE");
  CHECK(command_usage_line(spec, *find_command("write_flash")) ==
        "usage: espbak write_flash [options] ADDRESS FILENAME [ADDRESS FILENAME ...]");
}

TEST_CASE("a message usage_errors does not know is kept as CLI11 wrote it", "[cli]") {
  UsageMessage m = plain_usage_message("something new", program_spec(), nullptr);
  CHECK(m.line == "something new");
  CHECK(m.usage.empty());
}
