#pragma once
// Where the words of an operation go: the narrative on stdout (stderr with
// --json), warnings on stderr, results on stdout, a progress line on stderr
// when it is a terminal. -q keeps only results and errors.
#include <chrono>
#include <cstdio>

#include "espbak/ops/report.hpp"

namespace espbak::cli {

struct ConsoleMode {
  bool quiet = false;
  bool json = false;
  bool progress_tty = false;  // stderr is a terminal
};

class ConsoleReporter : public Reporter {
 public:
  explicit ConsoleReporter(ConsoleMode mode) : mode_(mode) {}
  void info(const std::string& line) override;
  void warning(const std::string& line) override;
  void result(const std::string& line) override;
  void progress(std::string_view what, std::uint64_t done, std::uint64_t total) override;
  void progress_end() override;
  void error(const std::string& line);

 private:
  void clear_progress();
  ConsoleMode mode_;
  bool progress_shown_ = false;
  bool progress_started_ = false;
  std::uint64_t progress_base_ = 0;
  std::chrono::steady_clock::time_point progress_start_{};
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace espbak::cli
