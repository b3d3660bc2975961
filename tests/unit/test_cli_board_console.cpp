// Several boards' words at once (cli/board_console.hpp): prefixed whole
// lines from any thread, plain progress now and then in a log, and on a
// terminal a block with one line per board that never wraps.
#include <catch2/catch.hpp>

#include <cstdio>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "board_console.hpp"

using namespace espbak::cli;
using Clock = std::chrono::steady_clock;

namespace {

// What the console wrote, read back (a temporary file: the Windows C
// runtime has no open_memstream).
struct MemoryFile {
  std::FILE* file = std::tmpfile();
  ~MemoryFile() { std::fclose(file); }
  std::string text() {
    std::fflush(file);
    long end = std::ftell(file);
    std::string out(std::size_t(end > 0 ? end : 0), '\0');
    std::rewind(file);
    out.resize(std::fread(out.data(), 1, out.size(), file));
    std::fseek(file, 0, SEEK_END);
    return out;
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("without a terminal every line of a board is prefixed with its port", "[cli]") {
  MemoryFile out, err;
  Clock::time_point now{};
  ConsoleMode mode;
  mode.progress_plain = true;
  BoardConsole console(mode, {"ttyUSB0", "ttyUSB1"}, [&] { return now; }, out.file, err.file);
  auto& zero = console.board(0);
  auto& one = console.board(1);
  zero.partial("Connecting...");
  one.info("Serial port /dev/ttyUSB1");
  zero.partial(".");
  zero.info("Detecting chip type... ESP32");
  one.warning("slow link");
  one.result("MAC: 24:0a:c4:00:00:02");
  console.board_error(0, "cannot open /dev/ttyUSB0");
  CHECK(out.text() ==
        "[ttyUSB1] Serial port /dev/ttyUSB1\n"
        "[ttyUSB0] Connecting....\n"  // the partial line and its dots, whole, once the board says more
        "[ttyUSB0] Detecting chip type... ESP32\n"
        "[ttyUSB1] MAC: 24:0a:c4:00:00:02\n");
  CHECK(err.text() == "[ttyUSB1] Warning: slow link\n[ttyUSB0] error: cannot open /dev/ttyUSB0\n");
}

TEST_CASE("with --json a board's narrative goes to stderr and its results into its object", "[cli]") {
  MemoryFile out, err;
  ConsoleMode mode;
  mode.json = true;
  BoardConsole console(mode, {"a"}, {}, out.file, err.file);
  console.board(0).info("Chip is ESP32");
  console.board(0).result("MAC: 24:0a:c4:00:00:01");
  console.board(0).json().set("port", "a");
  CHECK(out.text().empty());
  CHECK(err.text() == "[a] Chip is ESP32\n");
  CHECK(console.board(0).json().dump() == "{\"port\":\"a\"}");
}

TEST_CASE("quiet (-q) keeps a board's results and errors only", "[cli]") {
  MemoryFile out, err;
  ConsoleMode mode;
  mode.quiet = true;
  mode.progress_plain = true;
  BoardConsole console(mode, {"a"}, {}, out.file, err.file);
  console.board(0).info("Connecting...");
  console.board(0).warning("w");
  console.board(0).progress("Reading", 1, 2);
  console.board(0).result("MAC: x");
  console.board_error(0, "e");
  CHECK(out.text() == "[a] MAC: x\n");
  CHECK(err.text() == "[a] error: e\n");
}

TEST_CASE("a board's plain progress line comes at most every five seconds", "[cli]") {
  MemoryFile out, err;
  Clock::time_point now{};
  ConsoleMode mode;
  mode.progress_plain = true;
  BoardConsole console(mode, {"b0", "b1"}, [&] { return now; }, out.file, err.file);
  for (std::uint64_t done = 0; done <= 1000; done += 10) {
    console.board(0).progress("Reading", done, 1000);
    console.board(1).progress("Writing", done, 1000);
    now += std::chrono::milliseconds(200);  // 20 s in all
  }
  const auto lines = lines_of(err.text());
  std::size_t zero = 0, one = 0;
  for (const auto& line : lines) {
    zero += line.rfind("[b0] Reading ", 0) == 0;
    one += line.rfind("[b1] Writing ", 0) == 0;
  }
  CHECK(zero == 3);  // at 5, 10 and 15 s; the end is the command's own summary line
  CHECK(one == 3);
  CHECK(lines.size() == 6);
}

TEST_CASE("on a terminal the progress block has one line per board and never wraps", "[cli]") {
  MemoryFile out, err;
  Clock::time_point now{};
  ConsoleMode mode;
  mode.progress_tty = true;
  mode.width = 40;
  BoardConsole console(mode, {"ttyUSB0", "ttyUSB1", "ttyUSB2"}, [&] { return now; }, out.file, err.file);
  console.board(1).info("Serial port /dev/ttyUSB1");
  const std::string first = err.text();
  // The block: every board's line, the last without a newline (the cursor stays on it).
  CHECK(first == "[ttyUSB0]\n[ttyUSB1] Serial port /dev/ttyUSB1\n[ttyUSB2]");
  CHECK(out.text() == "[ttyUSB1] Serial port /dev/ttyUSB1\n");

  now += std::chrono::seconds(1);
  console.board(2).progress("Reading", 0, 4 << 20);
  now += std::chrono::seconds(1);
  console.board(2).progress("Reading", 1 << 20, 4 << 20);
  const std::string redrawn = err.text().substr(first.size());
  // Taken off (up two lines, to the end of the screen) and drawn again.
  CHECK(redrawn.rfind("\033[2A\r\033[J", 0) == 0);
  const std::string block = redrawn.substr(redrawn.rfind("\033[J") + 3);
  const auto lines = lines_of(block);
  REQUIRE(lines.size() == 3);
  for (const auto& line : lines) CHECK(line.size() <= 39);
  CHECK(lines[2].rfind("[ttyUSB2] Reading", 0) == 0);
  CHECK(lines[2].find('%') != std::string::npos);

  // Closing takes the block off for good: the summary follows on a clean screen.
  console.close_progress();
  console.line(out.file, "Summary");
  CHECK(err.text().size() > first.size() + redrawn.size());
  const std::string cleared = "\033[2A\r\033[J";
  CHECK(err.text().substr(err.text().size() - cleared.size()) == cleared);
}

TEST_CASE("lines of boards in many threads never mix", "[cli]") {
  MemoryFile out, err;
  ConsoleMode mode;
  mode.progress_tty = true;  // the block is redrawn between lines too
  mode.width = 60;
  constexpr int kBoards = 4, kLines = 300;
  std::vector<std::string> labels;
  for (int b = 0; b < kBoards; ++b) labels.push_back("b" + std::to_string(b));
  BoardConsole console(mode, labels, {}, out.file, err.file);
  std::vector<std::thread> threads;
  for (int b = 0; b < kBoards; ++b)
    threads.emplace_back([&, b] {
      for (int i = 0; i < kLines; ++i) {
        console.board(std::size_t(b)).info("line " + std::to_string(i));
        console.board(std::size_t(b)).progress("Reading", std::uint64_t(i), kLines);
      }
    });
  for (auto& t : threads) t.join();
  const auto lines = lines_of(out.text());
  REQUIRE(lines.size() == std::size_t(kBoards * kLines));
  const std::regex whole("\\[b[0-3]\\] line [0-9]+");
  std::vector<int> next(kBoards, 0);
  for (const auto& line : lines) {
    REQUIRE(std::regex_match(line, whole));
    const int b = line[2] - '0';
    CHECK(line == "[b" + std::to_string(b) + "] line " + std::to_string(next[std::size_t(b)]++));  // in order
  }
}
