// The console narrative: "Connecting..." and its dots on one line, progress
// fitted to the terminal, plain progress lines now and then in a log, on an
// injected clock.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "console_reporter.hpp"
#include "progress_pacer.hpp"

using namespace espbak::cli;
using Clock = std::chrono::steady_clock;

namespace {

// A FILE* whose contents a test can read.
// What the reporter wrote, read back. A temporary file rather than
// open_memstream, which the Windows C runtime lacks (unit_tests.exe).
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

}  // namespace

TEST_CASE("the progress line never wraps, down to 20 columns", "[cli]") {
  for (int width = 20; width <= 140; ++width) {
    INFO("width " << width);
    for (std::uint64_t done : {0ull, 1234567ull, 16777216ull}) {
      const std::string line = fitted_progress_line("Writing", done, 16777216, 123456.7, "12:34", width);
      CHECK(line.size() <= std::size_t(width - 1));
      CHECK(line.find('%') != std::string::npos);  // the percentage survives every form
    }
  }
  // Wide: the full form, with byte counts and rate.
  CHECK(fitted_progress_line("Reading", 1024, 4096, 1000, "00:03", 120) ==
        "Reading 1024 / 4096 bytes ( 25%) 8.0 kbit/s ETA 00:03");
  // 40 columns: the percentage, rate and ETA.
  CHECK(fitted_progress_line("Reading", 1024, 4096, 1000, "00:03", 40) == "Reading  25% 8 kbit/s ETA 00:03");
}

TEST_CASE("without a terminal, progress is a plain line at most every five seconds", "[cli]") {
  MemoryFile out, err;
  Clock::time_point now{};
  ConsoleMode mode;
  mode.progress_plain = true;
  ConsoleReporter report(mode, [&] { return now; }, out.file, err.file);
  const std::uint64_t total = 1000;
  for (std::uint64_t done = 0; done <= total; done += 10) {
    report.progress("Reading", done, total);
    now += std::chrono::milliseconds(200);  // 20 s for the whole transfer
  }
  report.progress_end();
  const std::string lines = err.text();
  CHECK(lines.find('\r') == std::string::npos);
  std::size_t count = 0;
  for (char c : lines) count += c == '\n';
  CHECK(count == 3);  // at 5, 10 and 15 s; the end is the caller's summary line
  CHECK(lines.rfind("Reading 250 / 1000 bytes ( 25%)", 0) == 0);

  // A transfer shorter than the interval shows no line at all.
  MemoryFile err2;
  ConsoleReporter quick(mode, [&] { return now; }, out.file, err2.file);
  for (std::uint64_t done = 0; done <= total; done += 100) {
    quick.progress("Writing", done, total);
    now += std::chrono::milliseconds(100);
  }
  CHECK(err2.text().empty());
}

TEST_CASE("Connecting... and its dots share a line that the next output ends", "[cli]") {
  MemoryFile out, err;
  ConsoleReporter report(ConsoleMode{}, {}, out.file, err.file);
  report.partial("Connecting...");
  report.partial(".");
  report.partial(".");
  report.info("Detecting chip type... ESP32");
  CHECK(out.text() == "Connecting.....\nDetecting chip type... ESP32\n");

  MemoryFile out2, err2;
  ConsoleReporter failing(ConsoleMode{}, {}, out2.file, err2.file);
  failing.partial("Connecting...");
  failing.error("Failed to connect");
  CHECK(out2.text() == "Connecting...\n");
  CHECK(err2.text() == "espbak: error: Failed to connect\n");

  MemoryFile out3, err3;
  ConsoleMode quiet;
  quiet.quiet = true;
  ConsoleReporter silent(quiet, {}, out3.file, err3.file);
  silent.partial("Connecting...");
  silent.result("MAC: 24:0a:c4:00:00:01");
  CHECK(out3.text() == "MAC: 24:0a:c4:00:00:01\n");
}

TEST_CASE("the progress pacer: plain lines every five seconds, terminal redraws paced, the rate from the first report",
          "[cli]") {
  const Clock::time_point t0{};
  using std::chrono::milliseconds;
  ProgressPacer plain(true, Clock::duration::zero());
  CHECK_FALSE(plain.next(t0, 1000, 100000));                        // the first report starts the clock
  CHECK_FALSE(plain.next(t0 + milliseconds(4999), 20000, 100000));  // within the interval
  auto at5 = plain.next(t0 + milliseconds(5000), 51000, 100000);
  REQUIRE(at5);
  CHECK(at5->bytes_per_second == Approx(10000.0));  // (51000 - 1000) bytes in 5 s
  CHECK(at5->eta == "00:04");
  CHECK_FALSE(plain.next(t0 + milliseconds(12000), 100000, 100000));  // 100 % is the summary's
  plain.restart();
  CHECK_FALSE(plain.next(t0 + milliseconds(13000), 0, 100));  // a new transfer starts its own clock

  ProgressPacer tty(false, milliseconds(100));
  CHECK(tty.next(t0, 0, 1000));                                // the first is drawn
  CHECK_FALSE(tty.next(t0 + milliseconds(50), 10, 1000));      // ten redraws a second at most
  CHECK(tty.next(t0 + milliseconds(60), 20, 1000, true));      // unless the line was wiped
  CHECK_FALSE(tty.next(t0 + milliseconds(100), 30, 1000));     // the interval counts from that draw
  CHECK(tty.next(t0 + milliseconds(161), 40, 1000));
  CHECK(tty.next(t0 + milliseconds(162), 1000, 1000));         // the last always
  ProgressPacer every(false, Clock::duration::zero());
  CHECK(every.next(t0, 0, 10));
  CHECK(every.next(t0, 1, 10));
}
