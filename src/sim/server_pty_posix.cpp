// espsim --pty: a pseudo-terminal whose slave the host opens like a serial
// port (POSIX only; server_pty_win.cpp refuses on Windows).
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "espbak/util/error.hpp"
#include "server_internal.hpp"

namespace espbak::sim {
const bool kPtyAvailable = true;
}

namespace espbak::sim::detail {

namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

void make_raw(int fd) {
  termios t{};
  if (::tcgetattr(fd, &t) == 0) {
    ::cfmakeraw(&t);
    ::tcsetattr(fd, TCSANOW, &t);
  }
}

timespec to_timespec(SimTime wait) { return timespec{time_t(wait / 1'000'000'000), long(wait % 1'000'000'000)}; }

// The pty master: POLLHUP means the host closed the slave.
class PtyStream final : public HostStream {
 public:
  explicit PtyStream(int fd) : fd_(fd) {}
  Ready wait(bool want_write, SimTime wait) override {
    pollfd p{fd_, short(POLLIN | (want_write ? POLLOUT : 0)), 0};
    timespec ts = to_timespec(wait);
    int r = ::ppoll(&p, 1, &ts, nullptr);
    if (r < 0) return errno == EINTR ? Ready::idle : Ready::closed;
    if (p.revents & POLLIN) return Ready::readable;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) return Ready::closed;
    return Ready::idle;
  }
  long read(std::uint8_t* buf, std::size_t len) override {
    ssize_t n = ::read(fd_, buf, len);
    if (n > 0) return long(n);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    return -1;
  }
  long write(const std::uint8_t* buf, std::size_t len) override {
    ssize_t n = ::write(fd_, buf, len);
    if (n >= 0) return long(n);
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
  }

 private:
  int fd_;
};

}  // namespace

namespace {

// A new pty whose slave `link_path` points to. The master is raw and
// non-blocking; the slave has been opened and closed once, so from then on
// the master reports POLLHUP whenever no host has the slave open, which is
// how a host's close and a new host's open are told apart.
struct Pty {
  std::unique_ptr<Fd> master;
  std::string slave;
};

Pty open_pty(const std::string& link_path) {
  Pty pty{std::make_unique<Fd>(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)), {}};
  const int fd = pty.master->fd;
  if (fd < 0 || ::grantpt(fd) != 0 || ::unlockpt(fd) != 0)
    throw Error(ErrorKind::port, std::string("cannot create a pty: ") + std::strerror(errno));
  const char* slave_name = ::ptsname(fd);
  if (!slave_name) throw Error(ErrorKind::port, "cannot name the pty slave");
  pty.slave = slave_name;
  make_raw(fd);
  { Fd s(::open(pty.slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC)); }
  set_nonblocking(fd);
  ::unlink(link_path.c_str());
  if (::symlink(pty.slave.c_str(), link_path.c_str()) != 0)
    throw Error(ErrorKind::port, "cannot create " + link_path + ": " + std::strerror(errno));
  return pty;
}

}  // namespace

void serve_pty(Device& device, const LinkConfig& cfg, const Endpoint& where, const std::atomic<bool>& stop,
               const std::function<void(const std::string&)>& ready) {
  Pty pty = open_pty(where.link_path);
  struct Unlink {
    std::string path;
    ~Unlink() { ::unlink(path.c_str()); }
  } cleanup{where.link_path};
  ready("espsim: pty " + pty.slave + " -> " + where.link_path);

  Link link(device, cfg);
  while (!stop) {
    const int fd = pty.master->fd;
    pollfd p{fd, POLLIN, 0};
    timespec ts = to_timespec(20 * kMs);
    int r = ::ppoll(&p, 1, &ts, nullptr);
    if (r < 0 || (p.revents & POLLHUP)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // no host on the slave yet
      continue;
    }
    // A host has the slave open (possibly already written to it).
    PtyStream stream(fd);
    const End end = serve_connection(stream, link, stop);
    if (end == End::stopped) break;
    if (end == End::usb_gone) {
      // The chip's USB device left the bus: the tty vanishes under the host
      // (its reads and writes fail with EIO), the path is gone until the
      // device is back, then a new tty appears under the same name, as a
      // udev by-id link would give it.
      pty.master.reset();
      ::unlink(where.link_path.c_str());
      if (cfg.log)
        cfg.log(fmt::format("espsim: USB device left the bus: {} gone for {} ms", where.link_path,
                            cfg.usb_reenumeration / kMs));
      if (!wait_unless_stopped(cfg.usb_reenumeration, stop)) break;
      pty = open_pty(where.link_path);
      if (cfg.log) cfg.log("espsim: USB device back: pty " + pty.slave + " -> " + where.link_path);
      continue;
    }
    // Drain what the old host left unread so a new host starts clean.
    std::uint8_t junk[4096];
    while (::read(fd, junk, sizeof junk) > 0) {
    }
  }
}

}  // namespace espbak::sim::detail
