#include "espbak/sim/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "espbak/util/error.hpp"

namespace espbak::sim {

namespace {

SimTime clock_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr SimTime kMaxWait = 100 * kMs;  // re-check the stop flag this often

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

enum class End { peer_closed, stopped };

// Serves one host on `fd` until it goes away. For a pty master, POLLHUP means
// the host closed the slave.
End serve_connection(int fd, Link& link, const std::atomic<bool>& stop) {
  link.start(clock_now());
  std::vector<std::uint8_t> pending;  // device bytes due but not yet written
  std::uint8_t buf[65536];
  while (!stop) {
    SimTime now = clock_now();
    link.pump(now);
    auto out = link.to_host(now);
    pending.insert(pending.end(), out.begin(), out.end());
    if (!pending.empty()) {
      ssize_t n = ::write(fd, pending.data(), pending.size());
      if (n > 0) pending.erase(pending.begin(), pending.begin() + n);
      else if (n < 0 && errno != EAGAIN && errno != EINTR) return End::peer_closed;
    }
    if (pending.empty() && link.closed()) return End::peer_closed;  // a `close` fault (docs/espsim.md)
    SimTime deadline = link.next_deadline();
    SimTime wait = deadline == kNever ? kMaxWait : std::clamp<SimTime>(deadline - clock_now(), 0, kMaxWait);
    pollfd p{fd, short(POLLIN | (pending.empty() ? 0 : POLLOUT)), 0};
    timespec ts{time_t(wait / 1'000'000'000), long(wait % 1'000'000'000)};
    int r = ::ppoll(&p, 1, &ts, nullptr);
    if (r < 0) {
      if (errno == EINTR) continue;
      return End::peer_closed;
    }
    if (p.revents & POLLIN) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) link.from_host(clock_now(), std::span<const std::uint8_t>(buf, std::size_t(n)));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR)) return End::peer_closed;
    } else if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
      return End::peer_closed;
    }
  }
  return End::stopped;
}

}  // namespace

TcpListener open_tcp_listener(const Endpoint& where) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(where.port);
  if (int e = ::getaddrinfo(where.host.c_str(), port.c_str(), &hints, &res); e != 0)
    throw Error(ErrorKind::usage, "cannot resolve " + where.host + ": " + ::gai_strerror(e));
  int fd = -1;
  std::string why;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    int s = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (s < 0) continue;
    int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(s, a->ai_addr, a->ai_addrlen) == 0 && ::listen(s, 4) == 0) {
      fd = s;
    } else {
      why = std::strerror(errno);
      ::close(s);
    }
  }
  ::freeaddrinfo(res);
  if (fd < 0) throw Error(ErrorKind::port, "cannot listen on " + where.host + ":" + port + ": " + why);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::uint16_t real_port = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                                       : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  std::string shown = where.host;
  if (shown == "0.0.0.0" || shown == "::" || shown.empty()) shown = "127.0.0.1";
  if (shown.find(':') != std::string::npos) shown = "[" + shown + "]";
  return TcpListener{fd, shown + ":" + std::to_string(real_port)};
}

namespace {

void serve_tcp(Device& device, const LinkConfig& cfg, const Endpoint& where, const std::atomic<bool>& stop,
               const std::function<void(const std::string&)>& ready) {
  TcpListener opened = open_tcp_listener(where);
  Fd listener(opened.fd);
  ready("espsim: listening on socket://" + opened.shown);

  Link link(device, cfg);
  while (!stop) {
    pollfd p{listener.fd, POLLIN, 0};
    timespec ts{0, long(kMaxWait)};
    if (::ppoll(&p, 1, &ts, nullptr) <= 0 || !(p.revents & POLLIN)) continue;
    Fd conn(::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (conn.fd < 0) continue;
    int one = 1;
    ::setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_nonblocking(conn.fd);
    if (serve_connection(conn.fd, link, stop) == End::stopped) break;
  }
}

void make_raw(int fd) {
  termios t{};
  if (::tcgetattr(fd, &t) == 0) {
    ::cfmakeraw(&t);
    ::tcsetattr(fd, TCSANOW, &t);
  }
}

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
  while (!stop) {
    pollfd p{master.fd, POLLIN, 0};
    timespec ts{0, long(20 * kMs)};
    int r = ::ppoll(&p, 1, &ts, nullptr);
    if (r < 0 || (p.revents & POLLHUP)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // no host on the slave yet
      continue;
    }
    // A host has the slave open (possibly already written to it).
    if (serve_connection(master.fd, link, stop) == End::stopped) break;
    // Drain what the old host left unread so a new host starts clean.
    std::uint8_t junk[4096];
    while (::read(master.fd, junk, sizeof junk) > 0) {
    }
  }
}

}  // namespace

void serve(Device& device, const LinkConfig& link, const Endpoint& where, const std::atomic<bool>& stop,
           const std::function<void(const std::string&)>& ready) {
  if (where.kind == Endpoint::Kind::tcp) serve_tcp(device, link, where, stop, ready);
  else if (where.kind == Endpoint::Kind::rfc2217) serve_rfc2217(device, link, where, stop, ready);
  else serve_pty(device, link, where, stop, ready);
}

}  // namespace espbak::sim
