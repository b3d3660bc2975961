#pragma once
// Reset strategies driven through the modem lines (esptool reset.py, fact
// sheet section 5). Lines are active low on the board: DTR asserted pulls
// IO0 (the boot strap) low, RTS asserted pulls EN low (chip held in reset).
#include <chrono>
#include <functional>
#include <string_view>

#include "espbak/link/transport.hpp"

namespace espbak {

using Sleeper = std::function<void(std::chrono::milliseconds)>;

enum class ResetKind {
  unix_tight,       // both lines per step (TIOCMSET), esptool's first choice on Unix
  classic,          // one line at a time
  usb_jtag_serial,  // Espressif USB-Serial/JTAG peripheral (PID 0x1001)
};

std::string_view reset_kind_name(ResetKind kind);

// Resets the chip into the serial bootloader. `delay` is how long IO0 stays
// low after EN is released (esptool: 0.05 s, or 0.55 s on the second try).
// Returns false when the medium refused a modem line (nothing was reset).
bool reset_into_bootloader(Transport& link, ResetKind kind, std::chrono::milliseconds delay,
                           const Sleeper& sleep);

// Pulses EN (RTS) for 0.1 s so the chip boots its application. Returns false
// when the medium has no modem lines.
bool hard_reset(Transport& link, const Sleeper& sleep);

}  // namespace espbak
