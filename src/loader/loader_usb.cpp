// The chip's own USB download paths, host side (esptool v5.3.1 loader.py
// uses_usb_otg / uses_usb_jtag_serial, targets/esp32s2.py, esp32s3.py,
// esp32c3.py, esp32p4.py _post_connect, disable_watchdogs, hard_reset; v4.8.1
// get_uart_no). The facts are the chip row's (ChipInfo::usb).
#include <fmt/format.h>

#include "espbak/link/reset/usb_ids.hpp"
#include "espbak/loader/loader.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

UsbPath Loader::detect_usb_path() {
  if (!chip().usb) return UsbPath::uart;
  const UsbPaths& usb = *chip().usb;
  // A local port: its USB id says it, as esptool v5 decides.
  if (auto id = link_.usb_id()) {
    if (is_usb_jtag_serial(id) && usb.usb_jtag_serial) return UsbPath::usb_jtag_serial;
    if (usb.has_otg() && id->vid == kEspressifVid && id->pid == usb.otg_pid) return UsbPath::usb_otg;
    return UsbPath::uart;
  }
  // No USB id (socket://, rfc2217://, a pty): ask the ROM which console it
  // serves, as esptool v4 did. A deliberate difference from v5, which then
  // assumes a UART: a remote S3 over OTG would otherwise get 0x1800 RAM
  // blocks its ROM cannot take. Secure Download Mode refuses READ_REG.
  if (sdm_) return UsbPath::uart;
  const std::optional<std::uint32_t> revision =
      chip().revision ? chip().revision(FieldReader(reg_reader())) : std::nullopt;
  const std::optional<std::uint32_t> reg = usb.uart_no_reg(revision);
  if (!reg) return UsbPath::uart;
  std::uint32_t uart_no = 0;
  try {
    uart_no = read_reg(*reg) & 0xFF;  // esptool v5.2.0 get_uart_no: the low byte
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::port) throw;
    return UsbPath::uart;
  }
  if (usb.uart_no_usb_otg && uart_no == *usb.uart_no_usb_otg) return UsbPath::usb_otg;
  const std::optional<std::uint32_t> jtag = usb.uart_no_jtag_value(revision);
  if (usb.usb_jtag_serial && jtag && uart_no == *jtag) return UsbPath::usb_jtag_serial;
  return UsbPath::uart;
}

void Loader::post_connect_usb() {
  usb_path_ = detect_usb_path();
  if (usb_path_ == UsbPath::usb_otg)
    log(LoaderEvent::note, fmt::format("{} is the chip's USB-OTG port: 0x{:x}-byte RAM and flash blocks", link_.name(),
                                       kUsbOtgBlockSize));
  // disable_watchdogs: the RTC WDT and the super watchdog outlive the
  // USB-Serial/JTAG reset and would reset the chip mid-operation. Not when
  // a stub is already running (its session did it), not in Secure Download
  // Mode (no register writes).
  if (usb_path_ != UsbPath::usb_jtag_serial || sdm_ || sync_stub_detected_) return;
  if (const auto& wd = chip().usb->jtag_watchdogs) run_reg_ops(wd->disable_ops());
}

bool Loader::otg_watchdog_hard_reset() {
  if (!chip_ || !chip().usb) return false;
  const UsbPaths& usb = *chip().usb;
  if (usb.clear_force_download_on_hard_reset && usb.otg_strap_check) {
    // Clear force-download-boot so the chip does not come back in download
    // mode (arduino-esp32 #6762); an answer lost to a reset is ignored.
    try {
      write_reg(usb.otg_strap_check->option1_reg, 0, usb.otg_strap_check->force_download_mask);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::port) throw;
    }
  }
  if (usb_path_ != UsbPath::usb_otg || !chip().rtc_watchdog) return false;
  if (const auto& strap = usb.otg_strap_check) {
    const bool gpio0_low = (read_reg(strap->strap_reg) & strap->strap_spi_boot_mask) == 0;
    const bool forced = (read_reg(strap->option1_reg) & strap->force_download_mask) != 0;
    if (!gpio0_low || forced) return false;
  }
  run_watchdog_reset();
  return true;
}

void Loader::run_watchdog_reset() {
  const RtcWatchdog& wdt = *chip().rtc_watchdog;
  bool armed = false;
  for (const RegOp& op : wdt.reset_ops()) {
    try {
      run_reg_ops({op});
    } catch (const Error& e) {
      // Once armed, the watchdog (2000 slow-clock cycles, about 15 ms) may
      // reset the chip before the lock write is answered: the reset asked
      // for has happened. Over the chip's own USB the reset also takes the
      // port away (a system reset re-enumerates: esptool advanced-options.rst
      // --after watchdog-reset), so the write fails on a port that is gone.
      // esptool would fail there; espbak carries on.
      if (!armed || (e.kind() != ErrorKind::timeout && e.kind() != ErrorKind::port)) throw;
      if (e.kind() == ErrorKind::port) break;  // nothing left to talk to; the reset has happened
    }
    if (op.kind == RegOp::Kind::write && op.addr == wdt.config0) armed = true;
  }
  stub_ = false;
}

}  // namespace espbak
