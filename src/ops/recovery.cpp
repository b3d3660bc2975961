// Surviving a bad link: which failures are worth another try, and how the
// chip is brought back before that try. The rules (attempts per unit, what
// counts as recoverable) are documented in docs/exit-codes.md "Retries".
//
// esptool retries a failed FLASH_DATA block (WRITE_BLOCK_ATTEMPTS = 3) and
// the connect itself, nothing else. espbak goes further where repeating is
// safe: a read chunk, a region write (verified by MD5 afterwards), a query.
// Between two attempts the chip is re-synced: a stub that still runs
// answers SYNC with value 0 and keeps its state; a chip that was reset
// answers from the ROM and gets the stub, the baud rate and the flash
// settings again; a link that is gone (TCP closed, device unplugged) is
// reopened first.
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "espbak/ops/interruption.hpp"
#include "espbak/ops/session.hpp"

namespace espbak {

namespace {

constexpr int kRecoverAttempts = 3;   // re-sync tries per recovery
constexpr int kReopenAttempts = 5;    // opening a port that went away (USB re-enumeration)
constexpr auto kReopenPause = std::chrono::milliseconds(500);

}  // namespace

bool Session::recoverable(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::timeout:  // no reply, lost stream
    case ErrorKind::device:   // garbled or short reply, corrupt data frame, failure status
    case ErrorKind::verify:   // MD5 of data read differs (the region write has its own rule)
    case ErrorKind::port:     // link gone
    case ErrorKind::connect:  // a chip that was reset in the middle of a connect
      return true;
    default:
      return false;  // usage, input, unsupported, internal: another try gives the same answer
  }
}

Error Session::gave_up(const Error& last, const std::string& what, int attempts) {
  return Error(last.kind(), fmt::format("{} (gave up {} after {} attempts)", last.what(), what, attempts));
}

void Session::reopen_link() {
  // A new connection: for socket:// that is a freshly reset chip in the
  // ROM's download mode (docs/espsim.md); for a USB bridge that came back,
  // the chip was reset with it.
  for (int i = 1;; ++i) {
    try {
      connect_to(options_.port, 2);
      return;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::port) throw;
      if (reopen_renamed_port()) return;
      if (i >= kReopenAttempts) throw;
      clock().sleep(kReopenPause);
    }
  }
}

std::vector<PortInfo> Session::system_ports() const {
  return options_.enumerate_ports ? options_.enumerate_ports() : enumerate_serial_ports();
}

bool Session::reopen_renamed_port() {
  // A USB serial device that comes back while its old node is still held
  // open gets the next free name (Linux: ttyACM0 -> ttyACM1), and Windows
  // may give it another COM number. The port with the same VID:PID and
  // serial number is the same board (Espressif's USB-Serial/JTAG reports
  // the chip's MAC as its serial number). Without a serial number nothing
  // is guessed: two identical boards would be indistinguishable.
  if (!usb_identity_) return false;
  const UsbIdentity was = *usb_identity_;
  for (const auto& p : system_ports()) {
    const bool same_device = p.usb && p.usb->vid == was.usb.vid && p.usb->pid == was.usb.pid &&
                             p.serial_number == was.serial_number;
    if (p.device == options_.port || !same_device) continue;
    try {
      connect_to(p.device, 2);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::port) throw;
      continue;
    }
    report_.info(fmt::format("{} came back as {}", options_.port, p.device));
    options_.port = p.device;
    return true;
  }
  return false;
}

void Session::resync() {
  ConnectOptions co;
  co.before = options_.before == BeforeReset::no_reset_no_sync ? BeforeReset::no_reset : options_.before;
  co.attempts = 1;  // one round of 5 SYNC tries per baud rate below
  co.expected_chip = recovering_chip_;
  co.custom_reset = options_.custom_reset;
  // The chip may still listen at the transfer rate (stub alive), or be back
  // at the ROM's rate (it was reset), or have switched to the new rate while
  // its CHANGE_BAUDRATE reply was lost. A reset through the modem lines
  // always leaves it at the ROM's rate.
  const bool resets = link_->has_modem_lines() &&
                      before_resets_chip(co.before);
  std::vector<std::uint32_t> rates;
  auto add = [&](std::uint32_t b) {
    if (std::find(rates.begin(), rates.end(), b) == rates.end()) rates.push_back(b);
  };
  if (!resets) add(link_->baud());
  add(initial_baud());
  if (!resets) add(options_.baud);
  // A byte lost or garbled into or out of a 0xC0 can leave the stub's SLIP
  // receiver out of phase with the host's frames: it treats each frame's
  // closing 0xC0 as an opening one and the next opening 0xC0 as an empty
  // frame, which returns it to "no frame" (esp-flasher-stub src/slip.c), so
  // it never sees a whole command again. One lone 0xC0 flips the phase back;
  // on an in-phase receiver it only opens a frame the next SYNC's 0xC0
  // closes as empty, so the SYNCs after that are again out of phase: each
  // rate is tried in both phases.
  static constexpr std::uint8_t kLoneEnd[] = {0xC0};
  for (std::size_t i = 0;; ++i) {
    bool done = false;
    for (int phase = 0; phase < 2 && !done; ++phase) {
      try {
        if (link_->baud() != rates[i]) link_->set_baud(rates[i]);
        if (phase == 1) link_->write(kLoneEnd);
        loader_->connect(co);
        done = true;
      } catch (const Error& e) {
        if (e.kind() == ErrorKind::port || e.kind() == ErrorKind::usage) throw;
        if (phase == 1 && i + 1 == rates.size()) throw;
      }
    }
    if (done) break;
  }
}

void Session::recover(const Error& cause, const std::string& what, int attempt, bool announce) {
  check_interrupted();  // a signal during the failed attempt: stop, do not try again
  ++recoveries_;
  if (!recovering_chip_) recovering_chip_ = &loader_->chip();
  report_.json().set("recoveries", recoveries_);
  if (announce)
    report_.warning(fmt::format("{} failed: {} Recovering the connection to try again (attempt {} failed)...", what,
                                cause.what(), attempt));
  bool reopen = cause.kind() == ErrorKind::port;
  for (int i = 1;; ++i) {
    try {
      if (reopen) reopen_link();
      else resync();
      // The chip may have lost the stub (a reset): upload it again, then the
      // baud rate and the flash settings it had.
      if (stub_wanted() && !loader_->stub_running()) {
        if (loader_->sync_stub_detected()) {
          loader_->run_stub();  // the stub survived: nothing to upload
        } else {
          report_.info("Uploading stub...");
          loader_->run_stub();
          report_.info("Stub running...");
        }
      }
      // Usually up again after a reset; down when -b auto steps down.
      if (options_.baud != link_->baud() && (options_.auto_baud || options_.baud > link_->baud())) {
        try {
          loader_->change_baud(options_.baud);
        } catch (const Error& e) {
          if (e.kind() != ErrorKind::unsupported) throw;
        }
      }
      if (flash_attached_ && !loader_->stub_running()) loader_->spi_attach();
      if (configured_flash_size_ && (loader_->stub_running() || loader_->chip().rom.spi_set_params))
        loader_->spi_set_params(*configured_flash_size_);
      return;
    } catch (const Error& e) {
      check_interrupted();
      if (!recoverable(e) && e.kind() != ErrorKind::unsupported) throw;  // unsupported: a garbled command
      if (i >= kRecoverAttempts)
        throw Error(e.kind() == ErrorKind::port ? ErrorKind::port : ErrorKind::connect,
                    fmt::format("{} failed ({}) and the chip could not be reached again: {}", what, cause.what(),
                                e.what()));
      reopen = reopen || e.kind() == ErrorKind::port;
    }
  }
}

}  // namespace espbak
