// socket://HOST:PORT: a raw TCP byte stream (ser2net, espsim, ESP-Link).
// No baud rate and no modem lines on this medium.
#include "tcp.hpp"

#include "espbak/util/error.hpp"

namespace espbak::detail {
namespace {

constexpr std::chrono::milliseconds kConnectTimeout{3000};

class TcpTransport final : public Transport {
 public:
  TcpTransport(std::string url, net::Socket fd, std::uint32_t baud) : url_(std::move(url)), fd_(fd), baud_(baud) {}
  ~TcpTransport() override { net::close_socket(fd_); }

  std::size_t read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    if (buf.empty()) return 0;
    int r = net::wait_socket(fd_, POLLIN, timeout);
    if (r < 0) throw Error(ErrorKind::port, "read from " + url_ + " failed: " + net::describe_error(net::last_error()));
    if (r == 0) return 0;
    long n = net::recv_some(fd_, buf.data(), buf.size());
    if (n > 0) return std::size_t(n);
    if (n == 0) throw Error(ErrorKind::port, "connection closed by " + url_);
    int err = net::last_error();
    if (net::is_transient(err)) return 0;
    throw Error(ErrorKind::port, "connection to " + url_ + " lost: " + net::describe_error(err));
  }

  void set_write_timeout(std::chrono::milliseconds t) override { write_timeout_ = t; }
  void write(std::span<const std::uint8_t> data) override {
    std::size_t done = 0;
    while (done < data.size()) {
      long n = net::send_some(fd_, data.data() + done, data.size() - done);
      if (n > 0) {
        done += std::size_t(n);
        continue;
      }
      int err = n < 0 ? net::last_error() : 0;
      if (n < 0 && !net::is_transient(err))
        throw Error(ErrorKind::port, "connection to " + url_ + " lost: " + net::describe_error(err));
      if (net::wait_socket(fd_, POLLOUT, write_timeout_) == 0)
        throw Error(ErrorKind::port, "writing to " + url_ + " timed out");
    }
  }

  void flush_input() override {
    // Discard whatever has already arrived; there is no driver buffer to
    // clear. The socket is non-blocking: recv stops when nothing is left.
    std::uint8_t junk[4096];
    for (;;) {
      long n = net::recv_some(fd_, junk, sizeof junk);
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
  net::Socket fd_;
  std::chrono::milliseconds write_timeout_ = kWriteTimeout;
  std::uint32_t baud_;
};

net::Socket connect_with_timeout(const addrinfo* ai, int& err) {
  net::Socket fd = net::open_stream(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
  if (fd == net::kNoSocket) {
    err = net::last_error();
    return net::kNoSocket;
  }
  net::set_nonblocking(fd);
  if (::connect(fd, ai->ai_addr, int(ai->ai_addrlen)) != 0) {
    err = net::last_error();
    if (!net::is_connect_pending(err)) {
      net::close_socket(fd);
      return net::kNoSocket;
    }
    int r = net::wait_socket(fd, POLLOUT, kConnectTimeout);
    err = r == 0 ? net::timed_out_error() : net::connect_result(fd);
    if (err != 0) {
      net::close_socket(fd);
      return net::kNoSocket;
    }
  }
  net::set_no_delay(fd);
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

net::Socket tcp_connect(const std::string& url, const HostPort& where) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  net::start();
  int gai = getaddrinfo(where.host.c_str(), where.port.c_str(), &hints, &res);
  if (gai != 0) throw Error(ErrorKind::port, "cannot connect to " + url + ": " + gai_strerror(gai));
  int err = 0;
  net::Socket fd = net::kNoSocket;
  for (addrinfo* ai = res; ai && fd == net::kNoSocket; ai = ai->ai_next) fd = connect_with_timeout(ai, err);
  freeaddrinfo(res);
  if (fd == net::kNoSocket) throw Error(ErrorKind::port, "cannot connect to " + url + ": " + net::describe_error(err));
  return fd;
}

std::unique_ptr<Transport> open_tcp(const std::string& url, std::uint32_t baud) {
  net::Socket fd = tcp_connect(url, parse_host_port(url, "socket://"));
  return std::make_unique<TcpTransport>(url, fd, baud);
}

}  // namespace espbak::detail
