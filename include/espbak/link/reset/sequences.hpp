#pragma once
// Reset sequences driven through the modem lines (esptool reset.py, fact
// sheet section 5). Lines are active low on the board: DTR asserted pulls
// IO0 (the boot strap) low, RTS asserted pulls EN low (chip held in reset).
// Which sequence connect() tries when is reset/cycle.hpp; what happens at
// the end of a session is reset/after.hpp.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/link/transport.hpp"

namespace espbak {

// Every wait of a reset goes through one of these, so tests run without
// real delays.
using Sleeper = std::function<void(std::chrono::milliseconds)>;

enum class ResetKind {
  unix_tight,       // both lines per step (TIOCMSET), esptool's first choice on Unix
  classic,          // one line at a time
  usb_jtag_serial,  // Espressif USB-Serial/JTAG peripheral (reset/usb_ids.hpp)
};

std::string_view reset_kind_name(ResetKind kind);

// Resets the chip into the serial bootloader. `delay` is how long IO0 stays
// low after EN is released (esptool: 0.05 s, or 0.55 s on the second try).
// Returns false when the medium refused a modem line (nothing was reset).
bool reset_into_bootloader(Transport& link, ResetKind kind, std::chrono::milliseconds delay,
                           const Sleeper& sleep);

// esptool's custom reset sequence (config keys custom_reset_sequence and
// custom_hard_reset_sequence, esptool/reset.py CustomReset): steps separated
// by '|': D0/D1 set DTR, R0/R1 set RTS, U<dtr>,<rts> set both at once,
// W<seconds> waits. Classic = "D0|R1|W0.1|D1|R0|W0.05|D0".
struct ResetStep {
  enum class Kind { dtr, rts, both, wait } kind = Kind::wait;
  bool dtr = false, rts = false;
  std::chrono::microseconds wait{0};
};
struct ResetSequence {
  std::string text;  // as the user wrote it, for messages
  std::vector<ResetStep> steps;
};
// Throws Error(usage) naming the bad step.
ResetSequence parse_reset_sequence(std::string_view text);
// Runs the steps. Returns false when the medium refused a modem line.
bool run_reset_sequence(Transport& link, const ResetSequence& seq, const Sleeper& sleep);

// Pulses EN (RTS) for 0.1 s so the chip boots its application. Returns false
// when the medium has no modem lines. `uses_usb` (the chip's own USB-OTG
// port): 0.2 s with RTS asserted, then 0.2 s after its release, so the chip
// is out of reset before anything else toggles the lines (esptool v5.3.1
// reset.py HardReset uses_usb).
bool hard_reset(Transport& link, const Sleeper& sleep, bool uses_usb = false);

// --after hard_reset: the user's custom_hard_reset_sequence when given, else
// the RTS pulse. Returns why the chip was not reset (a note for the user),
// nullopt when it was.
std::optional<std::string> hard_reset_chip(Transport& link, const std::optional<ResetSequence>& custom,
                                           const Sleeper& sleep, bool uses_usb = false);

}  // namespace espbak
