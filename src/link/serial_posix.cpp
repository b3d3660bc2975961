// Serial transport for POSIX systems: termios on the device node. Used
// instead of libserialport here because libserialport 0.1.1 refuses ptys
// (sp_get_port_by_name fails for /dev/pts/N), and espsim serves ptys.
#include "serial_posix.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "espbak/link/discovery.hpp"
#include "espbak/util/error.hpp"
#include "poll_wait.hpp"
#include "serial.hpp"
#include "write_timeout.hpp"

namespace espbak::detail {
namespace {

std::string open_failure(const std::string& path, int err) {
  switch (err) {
    case ENOENT:
    case ENXIO:
    case ENODEV:
      return "cannot open " + path + ": no such device";
    case EACCES:
    case EPERM:
      return "cannot open " + path +
             ": permission denied (add your user to the dialout group: sudo usermod -aG dialout $USER, "
             "then log in again)";
    case EBUSY:
      return "port " + path + " is busy (in use by another program)";
    default:
      return "cannot open " + path + ": " + std::strerror(err);
  }
}

speed_t standard_speed(std::uint32_t baud) {
  switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
#ifdef B460800
    case 460800: return B460800;
#endif
#ifdef B921600
    case 921600: return B921600;
#endif
#ifdef B1000000
    case 1000000: return B1000000;
#endif
#ifdef B1500000
    case 1500000: return B1500000;
#endif
#ifdef B2000000
    case 2000000: return B2000000;
#endif
#ifdef B3000000
    case 3000000: return B3000000;
#endif
    default: return B0;
  }
}

class PosixSerial final : public Transport {
 public:
  PosixSerial(std::string path, int fd) : path_(std::move(path)), fd_(fd) {
    int bits = 0;
    // ptys and some adapters have no modem lines: TIOCMGET fails there.
    modem_lines_ = ioctl(fd_, TIOCMGET, &bits) == 0;
  }
  ~PosixSerial() override {
    if (fd_ >= 0) {
      ioctl(fd_, TIOCNXCL);
      close(fd_);
    }
  }

  void configure(std::uint32_t baud) {
    termios tio{};
    if (tcgetattr(fd_, &tio) != 0) fail("cannot configure");
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag &= ~(CSTOPB | PARENB | CSIZE);
    tio.c_cflag |= CS8;
#ifdef CRTSCTS
    tio.c_cflag &= ~CRTSCTS;
#endif
    tio.c_iflag &= ~(IXON | IXOFF | IXANY);
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (tcsetattr(fd_, TCSANOW, &tio) != 0) fail("cannot configure");
    set_baud(baud);
  }

  std::size_t read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    if (buf.empty()) return 0;
    int r = poll_wait(fd_, POLLIN, timeout);
    if (r < 0) fail("read failed");
    if (r == 0) return 0;
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n > 0) return std::size_t(n);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    // EOF or EIO: the device went away (USB unplugged, pty master closed).
    throw Error(ErrorKind::port, "lost " + path_ + ": device disconnected" +
                                     (n < 0 ? std::string(" (") + std::strerror(errno) + ")" : ""));
  }

  void set_write_timeout(std::chrono::milliseconds t) override { write_timeout_ = t; }
  void write(std::span<const std::uint8_t> data) override {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n > 0) {
        done += std::size_t(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN) fail("write failed");
      int r = poll_wait(fd_, POLLOUT, write_timeout_);
      if (r == 0) throw Error(ErrorKind::port, "writing to " + path_ + " timed out");
      if (r < 0) fail("write failed");
    }
  }

  void flush_input() override { tcflush(fd_, TCIFLUSH); }

  void set_baud(std::uint32_t baud) override {
    speed_t s = standard_speed(baud);
    bool ok = false;
    if (s != B0) {
      termios tio{};
      ok = tcgetattr(fd_, &tio) == 0 && cfsetispeed(&tio, s) == 0 && cfsetospeed(&tio, s) == 0 &&
           tcsetattr(fd_, TCSANOW, &tio) == 0;
    }
#if defined(__linux__)
    if (!ok) ok = set_custom_baud_linux(fd_, baud);
#endif
    if (!ok)
      throw Error(ErrorKind::port,
                  "cannot set " + std::to_string(baud) + " baud on " + path_ + ": the driver refuses that rate");
    baud_ = baud;
  }
  std::uint32_t baud() const override { return baud_; }

  bool set_dtr(bool on) override { return set_line(TIOCM_DTR, on); }
  bool set_rts(bool on) override { return set_line(TIOCM_RTS, on); }
  bool set_dtr_rts(bool dtr, bool rts) override {
    if (!modem_lines_) return false;
    int bits = 0;
    if (ioctl(fd_, TIOCMGET, &bits) != 0) return false;
    bits = dtr ? (bits | TIOCM_DTR) : (bits & ~TIOCM_DTR);
    bits = rts ? (bits | TIOCM_RTS) : (bits & ~TIOCM_RTS);
    return ioctl(fd_, TIOCMSET, &bits) == 0;
  }
  bool has_modem_lines() const override { return modem_lines_; }
  // TIOCMSET changes both lines in one ioctl (esptool's UnixTightReset).
  bool sets_lines_together() const override { return modem_lines_; }
  std::optional<UsbId> usb_id() const override {
    look_up_usb();
    return usb_;
  }
  std::string usb_serial_number() const override {
    look_up_usb();
    return usb_serial_;
  }
  std::string name() const override { return path_; }

 private:
  bool set_line(int line, bool on) {
    if (!modem_lines_) return false;
    return ioctl(fd_, on ? TIOCMBIS : TIOCMBIC, &line) == 0;
  }
  [[noreturn]] void fail(const char* what) {
    throw Error(ErrorKind::port, std::string(what) + " on " + path_ + ": " + std::strerror(errno));
  }
  // Once, on first use: sysfs reads through libserialport.
  void look_up_usb() const {
    if (usb_looked_up_) return;
    if (auto info = describe_port(path_)) {
      usb_ = info->usb;
      usb_serial_ = info->serial_number;
    }
    usb_looked_up_ = true;
  }

  std::string path_;
  int fd_;
  std::chrono::milliseconds write_timeout_ = kWriteTimeout;
  std::uint32_t baud_ = 0;
  bool modem_lines_ = false;
  mutable bool usb_looked_up_ = false;
  mutable std::optional<UsbId> usb_;
  mutable std::string usb_serial_;
};

}  // namespace

std::unique_ptr<Transport> open_serial_port(const std::string& path, std::uint32_t baud) {
  int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorKind::port, open_failure(path, errno));
  if (!isatty(fd)) {
    close(fd);
    throw Error(ErrorKind::port, "cannot open " + path + ": not a serial port");
  }
  // Exclusive use, as pyserial's exclusive=True (flock) plus TIOCEXCL so
  // programs that do not use flock are refused too.
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(fd);
    throw Error(ErrorKind::port, err == EWOULDBLOCK ? "port " + path + " is busy (in use by another program)"
                                                    : open_failure(path, err));
  }
  ioctl(fd, TIOCEXCL);
  auto port = std::make_unique<PosixSerial>(path, fd);
  port->configure(baud);
  return port;
}

}  // namespace espbak::detail
