#pragma once
// A byte stream to the chip, with modem lines where the medium has them.
// Implementations: serial ports (termios on POSIX: device paths and ptys;
// the Win32 communications API on Windows: COM names), socket://host:port (raw TCP) and
// rfc2217://host:port (Telnet COM-port control, RFC 2217).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "espbak/link/clock.hpp"

namespace espbak {

// USB identity of the adapter behind a serial port, when the OS knows it.
struct UsbId {
  std::uint16_t vid = 0;
  std::uint16_t pid = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Reads what is available, waiting up to `timeout` for the first byte.
  // Returns the number of bytes read; 0 on timeout. Throws Error(port) when
  // the link is gone (EOF on a socket, device unplugged).
  virtual std::size_t read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) = 0;
  // Writes everything (blocking). Throws Error(port) on failure, also when
  // the port takes no byte for the write timeout.
  virtual void write(std::span<const std::uint8_t> data) = 0;
  // How long write() may wait for room (esptool's serial_write_timeout,
  // default 10 s). Links that never block ignore it.
  virtual void set_write_timeout(std::chrono::milliseconds) {}
  // Discards bytes received but not yet read.
  virtual void flush_input() = 0;

  // Local baud rate. No-op on media without one (TCP).
  virtual void set_baud(std::uint32_t baud) = 0;
  virtual std::uint32_t baud() const = 0;
  // Modem lines (true = asserted = line low on the chip side). Return false
  // when the medium cannot carry them (TCP, ptys), so reset strategies can
  // tell the user.
  virtual bool set_dtr(bool on) = 0;
  virtual bool set_rts(bool on) = 0;
  // Both lines in one step (esptool's UnixTightReset uses TIOCMSET so the
  // chip never sees the intermediate state). Default: DTR then RTS.
  virtual bool set_dtr_rts(bool dtr, bool rts) { return set_dtr(dtr) & set_rts(rts); }
  virtual bool has_modem_lines() const = 0;
  // Whether set_dtr_rts() changes both lines in one step (TIOCMSET). esptool
  // uses its "UnixTight" reset only there; rfc2217 and Windows get Classic.
  virtual bool sets_lines_together() const { return false; }
  // The USB adapter's VID:PID (picks the USB-JTAG-Serial reset for 303A:1001).
  virtual std::optional<UsbId> usb_id() const { return std::nullopt; }
  // The USB device's serial number string ("" when none, or not USB): with
  // usb_id(), what finds the port again if it comes back under another name.
  virtual std::string usb_serial_number() const { return ""; }

  // What the user named: "/dev/ttyUSB0", "socket://127.0.0.1:5555".
  virtual std::string name() const = 0;

  // The time this link runs on: the machine's clock, or virtual time for a
  // simulated link. read()'s timeout is measured on it.
  virtual Clock& clock() { return steady_clock(); }
};

// Opens `port`: "socket://HOST:PORT", "rfc2217://HOST:PORT" or a serial
// device / COM name / pty path. Throws Error(port) with a one-line reason (missing, permission
// denied -> hint about the dialout group, busy).
std::unique_ptr<Transport> open_transport(const std::string& port, std::uint32_t baud);

}  // namespace espbak
