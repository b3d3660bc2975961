#pragma once
// When a transfer's progress is shown, and the rate and time left it shows:
// one rule for espbak's single-board console and for each board of a
// many-board run. Off a terminal a plain line every kPlainInterval (none for
// a transfer shorter than that, none at 100 %: the summary line says it);
// on a terminal every report, or at most one per `redraw_interval`, the
// first and the last always. The rate counts from the first report: bytes
// before it took unknown time.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace espbak::cli {

struct ProgressFigures {
  double bytes_per_second = 0;
  std::string eta;  // progress_eta's "MM:SS"
};

class ProgressPacer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kPlainInterval{5};

  // plain: lines for a log or pipe; else a terminal line redrawn in place,
  // at most once per redraw_interval (zero: the caller paces).
  ProgressPacer(bool plain, Clock::duration redraw_interval) : plain_(plain), redraw_interval_(redraw_interval) {}

  // The figures to draw for this report, or nullopt when it is not drawn.
  // `redraw_now`: the terminal line was wiped (another line was printed),
  // so draw it again whatever the interval.
  std::optional<ProgressFigures> next(Clock::time_point now, std::uint64_t done, std::uint64_t total,
                                      bool redraw_now = false);
  // The transfer ended: the next report starts a new one.
  void restart() { started_ = false; }

 private:
  bool plain_;
  Clock::duration redraw_interval_;
  bool started_ = false;
  std::uint64_t base_ = 0;
  Clock::time_point start_{}, last_{};
};

}  // namespace espbak::cli
