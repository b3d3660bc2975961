#pragma once
// The reset strategies connect() cycles through, one per attempt (esptool
// loader.py _construct_reset_strategy_sequence, v5.3.1; fact sheet section 5).
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "espbak/link/reset/modes.hpp"
#include "espbak/link/reset/sequences.hpp"
#include "espbak/link/transport.hpp"

namespace espbak {

// How long IO0 stays low after EN is released. esptool loader.py:
// DEFAULT_RESET_DELAY = 0.05 s; every strategy is also tried with 0.5 s
// more (reset_delay + 0.5) for boards whose EN capacitor makes the chip
// sample IO0 late.
inline constexpr std::chrono::milliseconds kResetDelay{50};
inline constexpr std::chrono::milliseconds kResetDelayExtra{550};

// One entry of the cycle: a built-in sequence with its IO0 hold time, or the
// user's custom sequence (which then is the only entry).
struct ResetStrategy {
  ResetKind kind = ResetKind::classic;
  std::chrono::milliseconds delay{0};
  std::optional<ResetSequence> custom;

  // For messages: "UnixTight (0.05 s)", "Classic (0.55 s)",
  // "USB-JTAG-Serial", "custom sequence 'D0|R1|...'".
  std::string name() const;
};

// The cycle for `before` on `link`: `custom` (esptool's custom_reset_sequence)
// replaces everything; the USB-JTAG-Serial port (303A:1001, or --before
// usb_reset) gets only its own sequence; otherwise UnixTight then Classic,
// each with both delays, where the port sets both lines in one step
// (TIOCMSET: not on Windows, not over rfc2217), and Classic alone elsewhere.
// `reset_delay` (esptool's config-file reset_delay) replaces both delays:
// esptool then uses it for the plain and the "extra" entry alike, so the
// cycle keeps its length. Never empty.
std::vector<ResetStrategy> reset_strategy_cycle(const Transport& link, BeforeReset before,
                                                const std::optional<ResetSequence>& custom,
                                                std::optional<std::chrono::milliseconds> reset_delay = std::nullopt);

// Runs one strategy. Returns false when the medium refused a modem line.
bool run_reset_strategy(Transport& link, const ResetStrategy& strategy, const Sleeper& sleep);

}  // namespace espbak
