// The connect-time reset cycle (include/espbak/link/reset/cycle.hpp).
#include "espbak/link/reset/cycle.hpp"

#include <fmt/format.h>

#include "espbak/link/reset/usb_ids.hpp"

namespace espbak {

std::string ResetStrategy::name() const {
  if (custom) return "custom sequence '" + custom->text + "'";
  // The USB-JTAG-Serial sequence has fixed waits, no IO0 hold time.
  if (kind == ResetKind::usb_jtag_serial) return std::string(reset_kind_name(kind));
  return fmt::format("{} ({:g} s)", reset_kind_name(kind), double(delay.count()) / 1000.0);
}

std::vector<ResetStrategy> reset_strategy_cycle(const Transport& link, BeforeReset before,
                                                const std::optional<ResetSequence>& custom,
                                                std::optional<std::chrono::milliseconds> reset_delay) {
  using std::chrono::milliseconds;
  if (custom) return {ResetStrategy{ResetKind::classic, milliseconds(0), custom}};
  if (before == BeforeReset::usb_reset || is_usb_jtag_serial(link.usb_id()))
    return {ResetStrategy{ResetKind::usb_jtag_serial, milliseconds(0), std::nullopt}};
  // loader.py: delay = extra_delay = cfg reset_delay when the file sets it.
  const milliseconds delay = reset_delay.value_or(kResetDelay), extra = reset_delay.value_or(kResetDelayExtra);
  std::vector<ResetStrategy> cycle;
  if (link.sets_lines_together()) {
    cycle.push_back({ResetKind::unix_tight, delay, std::nullopt});
    cycle.push_back({ResetKind::unix_tight, extra, std::nullopt});
  }
  cycle.push_back({ResetKind::classic, delay, std::nullopt});
  cycle.push_back({ResetKind::classic, extra, std::nullopt});
  return cycle;
}

bool run_reset_strategy(Transport& link, const ResetStrategy& strategy, const Sleeper& sleep) {
  if (strategy.custom) return run_reset_sequence(link, *strategy.custom, sleep);
  return reset_into_bootloader(link, strategy.kind, strategy.delay, sleep);
}

}  // namespace espbak
