#pragma once
// Where the words of an operation go: the narrative on stdout (stderr with
// --json), warnings on stderr, results on stdout. Progress: on a terminal
// one line redrawn in place and fitted to its width; otherwise (a log file,
// a pipe) an occasional plain line, so logs show a long transfer moving
// without a carriage-return mess. -q keeps only results and errors.
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "espbak/ops/report.hpp"
#include "progress_pacer.hpp"

namespace espbak::cli {

struct ConsoleMode {
  bool quiet = false;
  bool json = false;
  bool progress_tty = false;    // stderr is a terminal: the redrawn line
  bool progress_plain = false;  // not a terminal: plain lines now and then
  int width = 80;               // the terminal's columns (progress_tty)
};

// The columns of the terminal on `fd`, else $COLUMNS, else 80.
int terminal_width(int fd);

// A progress line that fits in `width` columns (it never wraps): the full
// form, then shorter ones, cut as a last resort.
std::string fitted_progress_line(std::string_view what, std::uint64_t done, std::uint64_t total, double bytes_per_second,
                                 const std::string& eta, int width);

// The time left as "MM:SS" at `bytes_per_second` ("--:--" before a rate is
// known, "00:00" when done).
std::string progress_eta(std::uint64_t done, std::uint64_t total, double bytes_per_second);

class ConsoleReporter : public Reporter {
 public:
  using Now = std::function<std::chrono::steady_clock::time_point()>;
  // `now`, `out` and `err` are for tests; by default the steady clock,
  // stdout and stderr.
  explicit ConsoleReporter(ConsoleMode mode, Now now = {}, std::FILE* out = stdout, std::FILE* err = stderr);
  void info(const std::string& line) override;
  void partial(const std::string& text) override;
  void warning(const std::string& line) override;
  void result(const std::string& line) override;
  void progress(std::string_view what, std::uint64_t done, std::uint64_t total) override;
  void progress_end() override;
  void error(const std::string& line);

  // Plain progress lines: at most one per this interval.
  static constexpr std::chrono::seconds kPlainProgressInterval = ProgressPacer::kPlainInterval;

 private:
  void clear_progress();
  void end_partial();
  std::FILE* narrative() const { return mode_.json ? err_ : out_; }
  ConsoleMode mode_;
  Now now_;
  std::FILE* out_;
  std::FILE* err_;
  bool partial_open_ = false;  // "Connecting..." waiting for its dots and newline
  bool progress_shown_ = false;
  // Ten redraws a second at most on a terminal.
  ProgressPacer pacer_{mode_.progress_plain, std::chrono::milliseconds(100)};
};

}  // namespace espbak::cli
