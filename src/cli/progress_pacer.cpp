// ProgressPacer (progress_pacer.hpp): when progress is drawn.
#include "progress_pacer.hpp"

#include "console_reporter.hpp"

namespace espbak::cli {

std::optional<ProgressFigures> ProgressPacer::next(Clock::time_point now, std::uint64_t done, std::uint64_t total,
                                                   bool redraw_now) {
  const bool first = !started_;
  if (first) {
    started_ = true;
    start_ = now;
    base_ = done;
    last_ = now;
  }
  if (plain_) {
    // A plain line starts one interval in, and 100 % is the summary's.
    if (first || done >= total || now - last_ < kPlainInterval) return std::nullopt;
  } else if (!first && !redraw_now && done < total && now - last_ < redraw_interval_) {
    return std::nullopt;
  }
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? double(done - base_) / elapsed : 0;  // bytes/s
  return ProgressFigures{rate, progress_eta(done, total, rate)};
}

}  // namespace espbak::cli
