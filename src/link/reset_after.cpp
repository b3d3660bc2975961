// The --after decision table (include/espbak/link/reset/after.hpp).
#include "espbak/link/reset/after.hpp"

namespace espbak {

AfterResetPlan plan_after_reset(AfterReset after, const AfterResetState& state) {
  using A = AfterResetAction;
  switch (after) {
    case AfterReset::hard_reset:
      return {state.has_custom_hard_reset_sequence ? A::custom_hard_sequence : A::rts_pulse, {}, {}};
    case AfterReset::soft_reset:
      if (!state.stub_running) return {A::rom_run_user_code, {}, {}};
      if (state.stub_can_run_user_code) return {A::stub_run_user_code, {}, {}};
      // esptool refuses soft reset from other stubs ("only supported on
      // ESP8266"); espbak resets the chip the hard way instead.
      return {A::rts_pulse, "soft reset with the flasher stub works only on ESP8266; hard resetting instead", {}};
    case AfterReset::no_reset:
      return {state.stub_running ? A::stub_return_to_rom : A::nothing, {}, {}};
    case AfterReset::no_reset_stub:
      return {A::nothing, {}, {}};
    case AfterReset::watchdog_reset: {
      // esptool v5.3.1 cmds.py reset_chip and loader.py watchdog_reset: both
      // fallbacks are esptool's hard_reset(), which honours a custom sequence.
      AfterResetPlan hard = plan_after_reset(AfterReset::hard_reset, state);
      if (state.secure_download_mode) {
        hard.warning = "Watchdog hard reset is not supported in Secure Download Mode, attempting classic hard reset "
                       "instead.";
        return hard;
      }
      if (!state.has_watchdog_reset) {
        hard.note = "Watchdog hard reset is not supported on " + state.chip_name +
                    ", attempting classic hard reset instead.";
        return hard;
      }
      return {A::watchdog_reset, {}, {}};
    }
  }
  return {A::nothing, {}, {}};
}

}  // namespace espbak
