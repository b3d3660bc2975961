// socket://HOST:PORT: a raw TCP byte stream (ser2net, espsim, ESP-Link).
// No baud rate and no modem lines on this medium.
#if !defined(_WIN32)
#include "tcp.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "espbak/util/error.hpp"
#include "poll_wait.hpp"

namespace espbak::detail {
namespace {

constexpr std::chrono::milliseconds kConnectTimeout{3000};

std::string reason(int err) {
  switch (err) {
    case ECONNREFUSED: return "connection refused";
    case ETIMEDOUT: return "timed out";
    case EHOSTUNREACH: return "host unreachable";
    case ENETUNREACH: return "network unreachable";
    default: return std::strerror(err);
  }
}

class TcpTransport final : public Transport {
 public:
  TcpTransport(std::string url, int fd, std::uint32_t baud) : url_(std::move(url)), fd_(fd), baud_(baud) {}
  ~TcpTransport() override { close(fd_); }

  std::size_t read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    if (buf.empty()) return 0;
    int r = poll_wait(fd_, POLLIN, timeout);
    if (r < 0) throw Error(ErrorKind::port, "read from " + url_ + " failed: " + std::strerror(errno));
    if (r == 0) return 0;
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n > 0) return std::size_t(n);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (n == 0) throw Error(ErrorKind::port, "connection closed by " + url_);
    throw Error(ErrorKind::port, "connection to " + url_ + " lost: " + std::strerror(errno));
  }

  void write(std::span<const std::uint8_t> data) override {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += std::size_t(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN)
        throw Error(ErrorKind::port, "connection to " + url_ + " lost: " + std::strerror(errno));
      if (poll_wait(fd_, POLLOUT, kWriteTimeout) == 0)
        throw Error(ErrorKind::port, "writing to " + url_ + " timed out");
    }
  }

  void flush_input() override {
    // Discard whatever has already arrived; there is no driver buffer to clear.
    std::uint8_t junk[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, junk, sizeof junk, MSG_DONTWAIT);
      if (n > 0) continue;
      if (n == 0) throw Error(ErrorKind::port, "connection closed by " + url_);
      return;
    }
  }

  void set_baud(std::uint32_t baud) override { baud_ = baud; }  // nothing to change on TCP
  std::uint32_t baud() const override { return baud_; }
  bool set_dtr(bool) override { return false; }
  bool set_rts(bool) override { return false; }
  bool set_dtr_rts(bool, bool) override { return false; }
  bool has_modem_lines() const override { return false; }
  std::string name() const override { return url_; }

 private:
  std::string url_;
  int fd_;
  std::uint32_t baud_;
};

int connect_with_timeout(const addrinfo* ai, int& err) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) {
    err = errno;
    return -1;
  }
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      err = errno;
      close(fd);
      return -1;
    }
    int r = poll_wait(fd, POLLOUT, kConnectTimeout);
    if (r == 0) {
      err = ETIMEDOUT;
      close(fd);
      return -1;
    }
    int soerr = 0;
    socklen_t len = sizeof soerr;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    if (soerr != 0) {
      err = soerr;
      close(fd);
      return -1;
    }
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // packets are small and latency-bound
  return fd;
}

}  // namespace

HostPort parse_host_port(const std::string& url, std::string_view scheme) {
  std::string rest = url.substr(scheme.size());
  // pyserial-style options after '?' (rfc2217://host:port?ign_set_control)
  HostPort hp;
  if (auto q = rest.find('?'); q != std::string::npos) {
    hp.options = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    auto close_bracket = rest.find(']');
    if (close_bracket != std::string::npos && close_bracket + 1 < rest.size() && rest[close_bracket + 1] == ':') {
      hp.host = rest.substr(1, close_bracket - 1);
      hp.port = rest.substr(close_bracket + 2);
    }
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    hp.host = rest.substr(0, colon);
    hp.port = rest.substr(colon + 1);
  }
  while (!hp.port.empty() && hp.port.back() == '/') hp.port.pop_back();
  if (hp.host.empty() || hp.port.empty() || hp.port.find_first_not_of("0123456789") != std::string::npos)
    throw Error(ErrorKind::port, "invalid port " + url + ": expected " + std::string(scheme) + "HOST:PORT");
  return hp;
}

int tcp_connect(const std::string& url, const HostPort& where) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int gai = getaddrinfo(where.host.c_str(), where.port.c_str(), &hints, &res);
  if (gai != 0) throw Error(ErrorKind::port, "cannot connect to " + url + ": " + gai_strerror(gai));
  int err = 0, fd = -1;
  for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) fd = connect_with_timeout(ai, err);
  freeaddrinfo(res);
  if (fd < 0) throw Error(ErrorKind::port, "cannot connect to " + url + ": " + reason(err));
  return fd;
}

std::unique_ptr<Transport> open_tcp(const std::string& url, std::uint32_t baud) {
  int fd = tcp_connect(url, parse_host_port(url, "socket://"));
  return std::make_unique<TcpTransport>(url, fd, baud);
}

}  // namespace espbak::detail
#endif
