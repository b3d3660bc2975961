#include "console_reporter.hpp"

#include <fmt/format.h>

namespace espbak::cli {

void ConsoleReporter::clear_progress() {
  if (progress_shown_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    progress_shown_ = false;
  }
}

void ConsoleReporter::info(const std::string& line) {
  if (mode_.quiet) return;
  clear_progress();
  FILE* out = mode_.json ? stderr : stdout;
  std::fprintf(out, "%s\n", line.c_str());
  std::fflush(out);
}

void ConsoleReporter::warning(const std::string& line) {
  if (mode_.quiet) return;
  clear_progress();
  std::fprintf(stderr, "Warning: %s\n", line.c_str());
  std::fflush(stderr);
}

void ConsoleReporter::result(const std::string& line) {
  if (mode_.json) return;  // the JSON object carries the result
  clear_progress();
  std::fprintf(stdout, "%s\n", line.c_str());
  std::fflush(stdout);
}

void ConsoleReporter::error(const std::string& line) {
  clear_progress();
  std::fflush(stdout);
  std::fprintf(stderr, "espbak: error: %s\n", line.c_str());
  std::fflush(stderr);
}

void ConsoleReporter::progress(std::string_view what, std::uint64_t done, std::uint64_t total) {
  if (mode_.quiet || !mode_.progress_tty || total == 0) return;
  auto now = std::chrono::steady_clock::now();
  if (!progress_started_) {
    // The rate counts from the first report: bytes before it took unknown time.
    progress_started_ = true;
    progress_start_ = now;
    progress_base_ = done;
  }
  // Redraw at most ten times a second, and always at the end.
  if (done < total && progress_shown_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double elapsed = std::chrono::duration<double>(now - progress_start_).count();
  double rate = elapsed > 0 ? double(done - progress_base_) / elapsed : 0;  // bytes/s
  std::string eta = "--:--";
  if (rate > 0 && done < total) {
    auto left = std::uint64_t(double(total - done) / rate);
    eta = fmt::format("{:02}:{:02}", left / 60, left % 60);
  } else if (done >= total) {
    eta = "00:00";
  }
  std::string line = fmt::format("{} {} / {} bytes ({:3}%) {:.1f} kbit/s ETA {}", what, done, total,
                                 done * 100 / total, rate * 8 / 1000, eta);
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
  std::fflush(stderr);
  progress_shown_ = true;
}

void ConsoleReporter::progress_end() {
  clear_progress();
  progress_started_ = false;
}

}  // namespace espbak::cli
