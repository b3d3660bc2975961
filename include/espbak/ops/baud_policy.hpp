#pragma once
// Which baud rate a run uses (docs/cli.md, "-b, --baud"). Pure functions: the
// caller reads the command line and the environment, these decide.
#include <cstdint>
#include <string>
#include <string_view>

#include "espbak/loader/loader.hpp"
#include "espbak/ops/session.hpp"

namespace espbak {

// How much a command moves over the link. Probing for the fastest rate
// (-b auto) costs a second or so, which pays off only for bulk transfers.
enum class Traffic { short_exchange, bulk_transfer };

// The rate the user asked for, from the first source that names one: -b,
// then ESPBAK_BAUD, then ESPTOOL_BAUD (an empty text is no answer).
struct BaudRequest {
  enum class Kind { unset, fixed, automatic };
  Kind kind = Kind::unset;
  std::uint32_t rate = 0;   // when fixed
  std::string text;         // as given, for messages
};
// Throws Error(usage) "invalid baud rate '...'" for anything but a positive
// number (decimal or 0x hex) or "auto" (any case).
BaudRequest read_baud_request(std::string_view option, std::string_view espbak_baud_env,
                              std::string_view esptool_baud_env);

// What the Session is told: SessionOptions::baud and ::auto_baud.
struct BaudPlan {
  std::uint32_t baud = kRomBaud;
  bool auto_baud = false;
  bool operator==(const BaudPlan&) const = default;
};
// An explicit rate (or auto) is always honoured. Without one, bulk
// transfers use auto (proven against espsim's bridge models, issue 6), but
// only where espbak resets the chip at both ends: a failed probe is then
// recovered with a reset, and a chip left in the loader (--after no_reset*)
// keeps 115200 for the next run, as esptool does without -b. Everything
// else stays at 115200.
BaudPlan plan_baud(const BaudRequest& request, Traffic traffic, BeforeReset before, AfterReset after);

}  // namespace espbak
