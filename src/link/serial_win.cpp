// Serial ports on Windows through libserialport. POSIX hosts use
// serial_posix.cpp (termios), which also handles ptys.
#if defined(_WIN32)
#include "serial_win.hpp"

#include <libserialport.h>

#include "espbak/util/error.hpp"

namespace espbak::detail {
namespace {

class SpSerial final : public Transport {
 public:
  SpSerial(std::string name, sp_port* port) : name_(std::move(name)), port_(port) {}
  ~SpSerial() override {
    sp_close(port_);
    sp_free_port(port_);
  }

  std::size_t read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    if (buf.empty()) return 0;
    unsigned ms = unsigned(std::max<std::int64_t>(1, timeout.count()));
    sp_return r = sp_blocking_read_next(port_, buf.data(), buf.size(), ms);
    if (r < 0) fail("read failed");
    return std::size_t(r);
  }
  void write(std::span<const std::uint8_t> data) override {
    sp_return r = sp_blocking_write(port_, data.data(), data.size(), 10000);
    if (r < 0) fail("write failed");
    if (std::size_t(r) != data.size()) throw Error(ErrorKind::port, "writing to " + name_ + " timed out");
  }
  void flush_input() override { sp_flush(port_, SP_BUF_INPUT); }
  void set_baud(std::uint32_t baud) override {
    if (sp_set_baudrate(port_, int(baud)) != SP_OK)
      throw Error(ErrorKind::port,
                  "cannot set " + std::to_string(baud) + " baud on " + name_ + ": the driver refuses that rate");
    baud_ = baud;
  }
  std::uint32_t baud() const override { return baud_; }
  bool set_dtr(bool on) override {
    dtr_ = on;
    return sp_set_dtr(port_, on ? SP_DTR_ON : SP_DTR_OFF) == SP_OK;
  }
  bool set_rts(bool on) override {
    // esptool reset.py _setRTS: Windows usbser.sys propagates an RTS change
    // only together with a DTR write, so DTR is written again.
    bool ok = sp_set_rts(port_, on ? SP_RTS_ON : SP_RTS_OFF) == SP_OK;
    return ok && sp_set_dtr(port_, dtr_ ? SP_DTR_ON : SP_DTR_OFF) == SP_OK;
  }
  bool has_modem_lines() const override { return true; }
  std::string name() const override { return name_; }

 private:
  [[noreturn]] void fail(const char* what) {
    char* msg = sp_last_error_message();
    std::string text = std::string(what) + " on " + name_ + ": " + (msg ? msg : "unknown error");
    sp_free_error_message(msg);
    throw Error(ErrorKind::port, text);
  }
  std::string name_;
  sp_port* port_;
  std::uint32_t baud_ = 0;
  bool dtr_ = false;
};

}  // namespace

std::unique_ptr<Transport> open_win_serial(const std::string& name, std::uint32_t baud) {
  sp_port* port = nullptr;
  if (sp_get_port_by_name(name.c_str(), &port) != SP_OK)
    throw Error(ErrorKind::port, "cannot open " + name + ": no such device");
  // Windows opens COM ports exclusively: a second opener gets access denied.
  if (sp_open(port, SP_MODE_READ_WRITE) != SP_OK) {
    int code = sp_last_error_code();
    sp_free_port(port);
    if (code == 5 /* ERROR_ACCESS_DENIED */)
      throw Error(ErrorKind::port, "port " + name + " is busy (in use by another program)");
    if (code == 2 /* ERROR_FILE_NOT_FOUND */) throw Error(ErrorKind::port, "cannot open " + name + ": no such device");
    throw Error(ErrorKind::port, "cannot open " + name + " (system error " + std::to_string(code) + ")");
  }
  // Lines released before anything else so opening does not reset the chip
  // (esptool does the same on Windows).
  sp_set_dtr(port, SP_DTR_OFF);
  sp_set_rts(port, SP_RTS_OFF);
  auto t = std::make_unique<SpSerial>(name, port);
  sp_set_bits(port, 8);
  sp_set_parity(port, SP_PARITY_NONE);
  sp_set_stopbits(port, 1);
  sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE);
  t->set_baud(baud);
  return t;
}

}  // namespace espbak::detail
#endif
