#include "console_reporter.hpp"

#include <fmt/format.h>

namespace espbak::cli {

std::string progress_eta(std::uint64_t done, std::uint64_t total, double bytes_per_second) {
  if (done >= total) return "00:00";
  if (bytes_per_second <= 0) return "--:--";
  auto left = std::uint64_t(double(total - done) / bytes_per_second);
  return fmt::format("{:02}:{:02}", left / 60, left % 60);
}

std::string fitted_progress_line(std::string_view what, std::uint64_t done, std::uint64_t total, double bytes_per_second,
                                 const std::string& eta, int width) {
  const std::uint64_t percent = total ? done * 100 / total : 100;
  const double kbit = bytes_per_second * 8 / 1000;
  // The last column stays empty: a line that fills it wraps on some terminals.
  const std::size_t room = width > 1 ? std::size_t(width - 1) : 1;
  const std::string forms[] = {
      fmt::format("{} {} / {} bytes ({:3}%) {:.1f} kbit/s ETA {}", what, done, total, percent, kbit, eta),
      fmt::format("{} {:3}% {:.0f} kbit/s ETA {}", what, percent, kbit, eta),
      fmt::format("{} {:3}% ETA {}", what, percent, eta),
      fmt::format("{:3}%", percent),
  };
  for (const auto& form : forms)
    if (form.size() <= room) return form;
  return forms[std::size(forms) - 1].substr(0, room);
}

ConsoleReporter::ConsoleReporter(ConsoleMode mode, Now now, std::FILE* out, std::FILE* err)
    : mode_(mode), now_(now ? std::move(now) : Now([] { return std::chrono::steady_clock::now(); })), out_(out),
      err_(err) {}

void ConsoleReporter::end_partial() {
  if (!partial_open_) return;
  std::fputc('\n', narrative());
  std::fflush(narrative());
  partial_open_ = false;
}

void ConsoleReporter::clear_progress() {
  end_partial();
  if (progress_shown_) {
    std::fputs("\r\033[K", err_);
    std::fflush(err_);
    progress_shown_ = false;
  }
}

void ConsoleReporter::info(const std::string& line) {
  if (mode_.quiet) return;
  clear_progress();
  std::fprintf(narrative(), "%s\n", line.c_str());
  std::fflush(narrative());
}

void ConsoleReporter::partial(const std::string& text) {
  if (mode_.quiet) return;
  if (progress_shown_) clear_progress();
  std::fputs(text.c_str(), narrative());
  std::fflush(narrative());
  partial_open_ = true;
}

void ConsoleReporter::warning(const std::string& line) {
  if (mode_.quiet) return;
  clear_progress();
  std::fprintf(err_, "Warning: %s\n", line.c_str());
  std::fflush(err_);
}

void ConsoleReporter::result(const std::string& line) {
  if (mode_.json) return;  // the JSON object carries the result
  clear_progress();
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

void ConsoleReporter::error(const std::string& line) {
  clear_progress();
  std::fflush(out_);
  std::fprintf(err_, "espbak: error: %s\n", line.c_str());
  std::fflush(err_);
}

void ConsoleReporter::progress(std::string_view what, std::uint64_t done, std::uint64_t total) {
  if (mode_.quiet || total == 0 || !(mode_.progress_tty || mode_.progress_plain)) return;
  const auto figures = pacer_.next(now_(), done, total, /*redraw_now=*/!progress_shown_);
  if (!figures) return;
  end_partial();
  if (mode_.progress_plain) {
    std::fprintf(err_, "%s\n",
                 fitted_progress_line(what, done, total, figures->bytes_per_second, figures->eta, 1000).c_str());
    std::fflush(err_);
    return;
  }
  std::fprintf(err_, "\r%s\033[K",
               fitted_progress_line(what, done, total, figures->bytes_per_second, figures->eta, mode_.width).c_str());
  std::fflush(err_);
  progress_shown_ = true;
}

void ConsoleReporter::progress_end() {
  clear_progress();
  pacer_.restart();
}

}  // namespace espbak::cli
