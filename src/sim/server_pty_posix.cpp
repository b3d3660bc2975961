// espsim --pty: a pseudo-terminal whose slave the host opens like a serial
// port (POSIX only; server_pty_win.cpp refuses on Windows).
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

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

void serve_pty(Device& device, const LinkConfig& cfg, const Endpoint& where, const std::atomic<bool>& stop,
               const std::function<void(const std::string&)>& ready) {
  Fd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (master.fd < 0 || ::grantpt(master.fd) != 0 || ::unlockpt(master.fd) != 0)
    throw Error(ErrorKind::port, std::string("cannot create a pty: ") + std::strerror(errno));
  const char* slave_name = ::ptsname(master.fd);
  if (!slave_name) throw Error(ErrorKind::port, "cannot name the pty slave");
  std::string slave = slave_name;
  make_raw(master.fd);
  // Open and close the slave once: from then on the master reports POLLHUP
  // whenever no host has the slave open, which is how a host's close and a
  // new host's open are told apart.
  { Fd s(::open(slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC)); }
  set_nonblocking(master.fd);
  ::unlink(where.link_path.c_str());
  if (::symlink(slave.c_str(), where.link_path.c_str()) != 0)
    throw Error(ErrorKind::port, "cannot create " + where.link_path + ": " + std::strerror(errno));
  struct Unlink {
    std::string path;
    ~Unlink() { ::unlink(path.c_str()); }
  } cleanup{where.link_path};
  ready("espsim: pty " + slave + " -> " + where.link_path);

  Link link(device, cfg);
  PtyStream stream(master.fd);
  while (!stop) {
    pollfd p{master.fd, POLLIN, 0};
    timespec ts = to_timespec(20 * kMs);
    int r = ::ppoll(&p, 1, &ts, nullptr);
    if (r < 0 || (p.revents & POLLHUP)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // no host on the slave yet
      continue;
    }
    // A host has the slave open (possibly already written to it).
    if (serve_connection(stream, link, stop) == End::stopped) break;
    // Drain what the old host left unread so a new host starts clean.
    std::uint8_t junk[4096];
    while (::read(master.fd, junk, sizeof junk) > 0) {
    }
  }
}

}  // namespace espbak::sim::detail
