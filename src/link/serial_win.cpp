// Serial ports on Windows through the Win32 communications API (CreateFile
// on \\.\COMn, DCB, COMMTIMEOUTS, EscapeCommFunction). POSIX hosts use
// serial_posix.cpp. Not exercised by the test suite: wine maps COM ports to
// Linux ttys, and no test has a real adapter (docs/cli.md, Windows).
#include <windows.h>

#include <algorithm>

#include "espbak/link/discovery.hpp"
#include "espbak/util/error.hpp"
#include "serial.hpp"
#include "write_timeout.hpp"

namespace espbak::detail {
namespace {

std::string system_message(DWORD code) {
  char text[256] = {};
  DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, code, 0, text,
                           sizeof text, nullptr);
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == '.')) text[--n] = 0;
  return n ? std::string(text) : "system error " + std::to_string(code);
}

class Win32Serial final : public Transport {
 public:
  Win32Serial(std::string name, HANDLE h) : name_(std::move(name)), h_(h) {}
  ~Win32Serial() override { CloseHandle(h_); }

  std::size_t read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    if (buf.empty()) return 0;
    set_read_timeout(DWORD(std::clamp<std::int64_t>(timeout.count(), 1, 0x7FFFFFFF)));
    DWORD got = 0;
    DWORD want = DWORD(std::min<std::size_t>(buf.size(), 1u << 20));
    if (!ReadFile(h_, buf.data(), want, &got, nullptr)) fail("read failed");
    return got;
  }
  void set_write_timeout(std::chrono::milliseconds t) override {
    write_timeout_ = t;
    const DWORD read_ms = read_timeout_ms_;
    read_timeout_ms_ = MAXDWORD;  // forces SetCommTimeouts with the new write constant
    set_read_timeout(read_ms);
  }
  void write(std::span<const std::uint8_t> data) override {
    std::size_t done = 0;
    while (done < data.size()) {
      DWORD put = 0;
      DWORD chunk = DWORD(std::min<std::size_t>(data.size() - done, 1u << 20));
      if (!WriteFile(h_, data.data() + done, chunk, &put, nullptr)) fail("write failed");
      if (put == 0) throw Error(ErrorKind::port, "writing to " + name_ + " timed out");
      done += put;
    }
  }
  void flush_input() override { PurgeComm(h_, PURGE_RXCLEAR); }
  void set_baud(std::uint32_t baud) override {
    DCB dcb{};
    dcb.DCBlength = sizeof dcb;
    if (!GetCommState(h_, &dcb)) fail("cannot read the line settings");
    dcb.BaudRate = baud;
    if (!SetCommState(h_, &dcb))
      throw Error(ErrorKind::port,
                  "cannot set " + std::to_string(baud) + " baud on " + name_ + ": the driver refuses that rate");
    baud_ = baud;
  }
  std::uint32_t baud() const override { return baud_; }
  bool set_dtr(bool on) override {
    dtr_ = on;
    return EscapeCommFunction(h_, on ? SETDTR : CLRDTR) != 0;
  }
  bool set_rts(bool on) override {
    // esptool reset.py _setRTS: Windows usbser.sys propagates an RTS change
    // only together with a DTR write, so DTR is written again.
    bool ok = EscapeCommFunction(h_, on ? SETRTS : CLRRTS) != 0;
    return ok && EscapeCommFunction(h_, dtr_ ? SETDTR : CLRDTR) != 0;
  }
  bool has_modem_lines() const override { return true; }
  std::optional<UsbId> usb_id() const override {
    look_up_usb();
    return usb_;
  }
  std::string usb_serial_number() const override {
    look_up_usb();
    return usb_serial_;
  }
  std::string name() const override { return name_; }

  // 8N1, no flow control, DTR and RTS released so opening does not reset
  // the chip (esptool does the same on Windows).
  void configure(std::uint32_t baud) {
    DCB dcb{};
    dcb.DCBlength = sizeof dcb;
    if (!GetCommState(h_, &dcb)) fail("cannot read the line settings");
    dcb.fBinary = TRUE;
    dcb.ByteSize = 8;
    dcb.Parity = NOPARITY;
    dcb.StopBits = ONESTOPBIT;
    dcb.fParity = FALSE;
    dcb.fOutxCtsFlow = FALSE;
    dcb.fOutxDsrFlow = FALSE;
    dcb.fDsrSensitivity = FALSE;
    dcb.fOutX = FALSE;
    dcb.fInX = FALSE;
    dcb.fDtrControl = DTR_CONTROL_DISABLE;
    dcb.fRtsControl = RTS_CONTROL_DISABLE;
    dcb.BaudRate = baud;
    if (!SetCommState(h_, &dcb))
      throw Error(ErrorKind::port,
                  "cannot set " + std::to_string(baud) + " baud on " + name_ + ": the driver refuses that rate");
    baud_ = baud;
    set_read_timeout(1);
  }

 private:
  // MAXDWORD interval and multiplier with a constant: ReadFile returns as
  // soon as one byte is there, or after `ms` with none (COMMTIMEOUTS docs).
  void set_read_timeout(DWORD ms) {
    if (ms == read_timeout_ms_) return;
    COMMTIMEOUTS t{};
    t.ReadIntervalTimeout = MAXDWORD;
    t.ReadTotalTimeoutMultiplier = MAXDWORD;
    t.ReadTotalTimeoutConstant = ms;
    t.WriteTotalTimeoutConstant = DWORD(std::clamp<std::int64_t>(write_timeout_.count(), 1, 0x7FFFFFFF));  // 0 would mean none
    if (!SetCommTimeouts(h_, &t)) fail("cannot set timeouts");
    read_timeout_ms_ = ms;
  }
  [[noreturn]] void fail(const char* what) {
    throw Error(ErrorKind::port, std::string(what) + " on " + name_ + ": " + system_message(GetLastError()));
  }

  std::string name_;
  HANDLE h_;
  std::uint32_t baud_ = 0;
  DWORD read_timeout_ms_ = 0;
  std::chrono::milliseconds write_timeout_ = kWriteTimeout;
  bool dtr_ = false;
  mutable bool usb_looked_up_ = false;
  mutable std::optional<UsbId> usb_;
  mutable std::string usb_serial_;
  // Once, on first use: SetupAPI through describe_port.
  void look_up_usb() const {
    if (usb_looked_up_) return;
    if (auto info = describe_port(name_)) {
      usb_ = info->usb;
      usb_serial_ = info->serial_number;
    }
    usb_looked_up_ = true;
  }
};

}  // namespace

std::unique_ptr<Transport> open_serial_port(const std::string& name, std::uint32_t baud) {
  // COM10 and above are only reachable through the device namespace.
  std::string path = name.starts_with("\\\\.\\") ? name : "\\\\.\\" + name;
  HANDLE h = CreateFileA(path.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD code = GetLastError();
    // Windows opens COM ports exclusively: a second opener gets access denied.
    if (code == ERROR_ACCESS_DENIED || code == ERROR_SHARING_VIOLATION)
      throw Error(ErrorKind::port, "port " + name + " is busy (in use by another program)");
    if (code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND)
      throw Error(ErrorKind::port, "cannot open " + name + ": no such device");
    throw Error(ErrorKind::port, "cannot open " + name + ": " + system_message(code));
  }
  auto port = std::make_unique<Win32Serial>(name, h);
  port->configure(baud);
  return port;
}

}  // namespace espbak::detail
