#pragma once
// The end of a session: what --after means for the chip in the state it is
// in (esptool cmds.py reset_chip and loader.py hard_reset / soft_reset,
// v5.3.1; fact sheet section 5). The decision is made here; the bootloader
// commands it may need are the loader's, which executes the plan
// (Loader::finish): this module sits below the loader and sends no packets.
#include <string>

#include "espbak/link/reset/modes.hpp"

namespace espbak {

enum class AfterResetAction {
  rts_pulse,             // hard_reset_chip() with the 0.1 s RTS pulse
  custom_hard_sequence,  // hard_reset_chip() with the custom_hard_reset_sequence
  // The ROM's nearest thing to a soft reset: FLASH_BEGIN(0, 0) then
  // FLASH_END(1), "run user code" (esptool soft_reset(False) on the ROM).
  rom_run_user_code,
  // The stub's RUN_USER_CODE, which jumps to the application without an
  // answer (only some stubs have it: the ESP8266's).
  stub_run_user_code,
  // FLASH_BEGIN(0, 0) then FLASH_END(0), "reboot": from the stub this
  // re-enters the ROM loader (esptool soft_reset(stay_in_bootloader=True)).
  stub_return_to_rom,
  // The chip row's RTC watchdog steps (ChipInfo::rtc_watchdog) over
  // WRITE_REG: the chip resets itself into a normal boot.
  watchdog_reset,
  nothing,  // the ROM is already the loader (no_reset), or no_reset_stub
};

// What the decision depends on.
struct AfterResetState {
  bool stub_running = false;
  bool stub_can_run_user_code = false;      // the running stub has RUN_USER_CODE
  bool has_custom_hard_reset_sequence = false;
  bool has_watchdog_reset = false;    // the chip row has an RTC watchdog
  bool secure_download_mode = false;  // the ROM refuses WRITE_REG there
  std::string chip_name;              // for the fallback note ("ESP32")
};

struct AfterResetPlan {
  AfterResetAction action = AfterResetAction::nothing;
  std::string warning;  // to show before acting; empty: none
  std::string note;     // an informational line before acting; empty: none
};

// soft_reset with a stub that cannot run the user code falls back to the
// plain RTS pulse with a warning (the custom hard sequence is not used there,
// as before this module existed). watchdog_reset falls back to hard_reset's
// plan with esptool's words where the chip has no watchdog reset (a note,
// loader.py watchdog_reset) or the ROM is in Secure Download Mode (a
// warning, cmds.py reset_chip).
AfterResetPlan plan_after_reset(AfterReset after, const AfterResetState& state);

}  // namespace espbak
