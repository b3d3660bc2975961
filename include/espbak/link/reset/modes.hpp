#pragma once
// What --before and --after ask for (esptool __init__.py options, fact sheet
// section 5), their canonical names and their parsing. esptool v5 spells the
// choices with dashes ("default-reset"), v4 with underscores; both are
// accepted, and the underscore form is the one espbak prints.
#include <optional>
#include <string>
#include <string_view>

namespace espbak {

// --before: how to get the chip into its serial bootloader.
enum class BeforeReset {
  default_reset,     // DTR/RTS strategy cycle, then SYNC
  usb_reset,         // the USB-JTAG-Serial sequence whatever the port, then SYNC
  no_reset,          // SYNC only: the chip is already in the bootloader
  no_reset_no_sync,  // neither: the chip is taken to be listening at --baud
};

// --after: how to leave the chip once the command is done.
enum class AfterReset {
  hard_reset,     // pulse EN so the application boots
  soft_reset,     // let the loader jump to the application
  no_reset,       // stay in (or return to) the ROM bootloader
  no_reset_stub,  // leave the flasher stub running
  // arm the RTC watchdog over WRITE_REG so the chip resets itself (esptool
  // v5 "watchdog-reset"; chips without one get a classic hard reset)
  watchdog_reset,
};

// Canonical (underscore) names: "default_reset", "no_reset_stub", ...
std::string_view before_reset_name(BeforeReset mode);
std::string_view after_reset_name(AfterReset mode);

// Every choice in esptool's order, joined by `separator`: for help text
// ("|") and for the list in an error message (", ").
std::string before_reset_choices(std::string_view separator);
std::string after_reset_choices(std::string_view separator);

// Parses either spelling, case-insensitively; nullopt for anything else.
std::optional<BeforeReset> parse_before(std::string_view text);
std::optional<AfterReset> parse_after(std::string_view text);

// Whether this --before drives the DTR/RTS lines before syncing.
constexpr bool before_resets_chip(BeforeReset mode) {
  return mode == BeforeReset::default_reset || mode == BeforeReset::usb_reset;
}

}  // namespace espbak
