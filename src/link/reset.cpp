#include "espbak/link/reset.hpp"

namespace espbak {

using namespace std::chrono_literals;

std::string_view reset_kind_name(ResetKind kind) {
  switch (kind) {
    case ResetKind::unix_tight: return "UnixTight";
    case ResetKind::classic: return "Classic";
    case ResetKind::usb_jtag_serial: return "USB-JTAG-Serial";
  }
  return "?";
}

bool reset_into_bootloader(Transport& link, ResetKind kind, std::chrono::milliseconds delay,
                           const Sleeper& sleep) {
  // Sequences from esptool reset.py (v5.3.1); fact sheet section 5. `ok`
  // collects whether the medium accepted every line change.
  bool ok = true;
  switch (kind) {
    case ResetKind::classic:
      ok &= link.set_dtr(false);  // IO0 high
      ok &= link.set_rts(true);   // EN low: chip in reset
      if (!ok) return false;
      sleep(100ms);
      ok &= link.set_dtr(true);   // IO0 low
      ok &= link.set_rts(false);  // EN high: chip boots, samples IO0
      sleep(delay);
      ok &= link.set_dtr(false);  // release IO0
      break;
    case ResetKind::unix_tight:
      ok &= link.set_dtr_rts(false, false);
      ok &= link.set_dtr_rts(true, true);
      ok &= link.set_dtr_rts(false, true);  // IO0 high, EN low
      if (!ok) return false;
      sleep(100ms);
      ok &= link.set_dtr_rts(true, false);  // IO0 low, EN high
      sleep(delay);
      ok &= link.set_dtr_rts(false, false);
      ok &= link.set_dtr(false);  // esptool repeats it for drivers that ignore TIOCMSET's DTR
      break;
    case ResetKind::usb_jtag_serial:
      ok &= link.set_rts(false);
      ok &= link.set_dtr(false);  // idle
      if (!ok) return false;
      sleep(100ms);
      ok &= link.set_dtr(true);   // set IO0
      ok &= link.set_rts(false);
      sleep(100ms);
      ok &= link.set_rts(true);   // reset; DTR is written again so the change propagates
      ok &= link.set_dtr(false);
      ok &= link.set_rts(true);
      sleep(100ms);
      ok &= link.set_dtr(false);
      ok &= link.set_rts(false);  // chip out of reset
      break;
  }
  return ok;
}

bool hard_reset(Transport& link, const Sleeper& sleep) {
  if (!link.has_modem_lines()) return false;
  if (!link.set_rts(true)) return false;  // EN low
  sleep(100ms);
  return link.set_rts(false);
}

}  // namespace espbak
