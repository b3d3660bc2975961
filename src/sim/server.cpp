#include "espbak/sim/server.hpp"

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "espbak/util/error.hpp"
#include "server_internal.hpp"

namespace espbak::sim {

namespace detail {

End serve_connection(HostStream& stream, Link& link, const std::atomic<bool>& stop) {
  link.start(clock_now());
  std::vector<std::uint8_t> pending;  // device bytes due but not yet written
  std::vector<std::uint8_t> buf(65536);
  while (!stop) {
    SimTime now = clock_now();
    link.pump(now);
    auto out = link.to_host(now);
    pending.insert(pending.end(), out.begin(), out.end());
    if (!pending.empty()) {
      long n = stream.write(pending.data(), pending.size());
      if (n > 0) pending.erase(pending.begin(), pending.begin() + n);
      else if (n < 0) return End::peer_closed;
    }
    if (pending.empty() && link.closed()) return End::peer_closed;  // a `close` fault (docs/espsim.md)
    if (pending.empty() && link.usb_gone()) return End::usb_gone;
    SimTime deadline = link.next_deadline();
    SimTime wait = deadline == kNever ? kMaxWait : std::clamp<SimTime>(deadline - clock_now(), 0, kMaxWait);
    auto ready = stream.wait(!pending.empty(), wait);
    if (ready == HostStream::Ready::closed) return End::peer_closed;
    if (ready == HostStream::Ready::readable) {
      long n = stream.read(buf.data(), buf.size());
      if (n > 0) link.from_host(clock_now(), std::span<const std::uint8_t>(buf.data(), std::size_t(n)));
      else if (n < 0) return End::peer_closed;
    }
  }
  return End::stopped;
}

bool wait_unless_stopped(SimTime duration, const std::atomic<bool>& stop) {
  const SimTime until = clock_now() + duration;
  while (!stop) {
    const SimTime left = until - clock_now();
    if (left <= 0) return true;
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min(left, kMaxWait)));
  }
  return false;
}

}  // namespace detail

namespace {

using namespace detail;

struct SocketGuard {
  net::Socket fd;
  ~SocketGuard() { net::close_socket(fd); }
};

class SocketStream final : public HostStream {
 public:
  explicit SocketStream(net::Socket fd) : fd_(fd) {}
  Ready wait(bool want_write, SimTime wait) override {
    net::PollFd p{fd_, short(POLLIN | (want_write ? POLLOUT : 0)), 0};
    int r = net::poll_sockets(&p, 1, std::chrono::nanoseconds(wait));
    if (r < 0) return Ready::closed;
    if (p.revents & POLLIN) return Ready::readable;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) return Ready::closed;
    return Ready::idle;
  }
  long read(std::uint8_t* buf, std::size_t len) override {
    long n = net::recv_some(fd_, buf, len);
    if (n > 0) return n;
    if (n < 0 && net::is_transient(net::last_error())) return 0;
    return -1;  // end of stream or a broken connection
  }
  long write(const std::uint8_t* buf, std::size_t len) override {
    long n = net::send_some(fd_, buf, len);
    if (n >= 0) return n;
    return net::is_transient(net::last_error()) ? 0 : -1;
  }

 private:
  net::Socket fd_;
};

}  // namespace

TcpListener open_tcp_listener(const Endpoint& where) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(where.port);
  net::start();
  if (int e = ::getaddrinfo(where.host.c_str(), port.c_str(), &hints, &res); e != 0)
    throw Error(ErrorKind::usage, "cannot resolve " + where.host + ": " + ::gai_strerror(e));
  net::Socket fd = net::kNoSocket;
  std::string why;
  for (addrinfo* a = res; a && fd == net::kNoSocket; a = a->ai_next) {
    net::Socket s = net::open_stream(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (s == net::kNoSocket) continue;
    net::set_reuse_address(s);
    if (::bind(s, a->ai_addr, int(a->ai_addrlen)) == 0 && ::listen(s, 4) == 0) {
      fd = s;
    } else {
      why = net::describe_error(net::last_error());
      net::close_socket(s);
    }
  }
  ::freeaddrinfo(res);
  if (fd == net::kNoSocket) throw Error(ErrorKind::port, "cannot listen on " + where.host + ":" + port + ": " + why);
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
  auto listener = std::unique_ptr<SocketGuard>(new SocketGuard{opened.fd});
  ready("espsim: listening on socket://" + opened.shown);
  // The port actually bound, to listen on again after a re-enumeration.
  Endpoint again = where;
  again.port = std::uint16_t(std::stoul(opened.shown.substr(opened.shown.rfind(':') + 1)));

  Link link(device, cfg);
  while (!stop) {
    if (net::wait_socket(listener->fd, POLLIN, std::chrono::nanoseconds(kMaxWait)) <= 0) continue;
    End end;
    {
      SocketGuard conn{net::accept_connection(listener->fd)};
      if (conn.fd == net::kNoSocket) continue;
      net::set_no_delay(conn.fd);
      SocketStream stream(conn.fd);
      end = serve_connection(stream, link, stop);
    }
    if (end == End::stopped) break;
    if (end != End::usb_gone) continue;
    // The chip's USB device left the bus: the client is dropped and nothing
    // listens (connections are refused) until it is back.
    listener.reset();
    if (cfg.log) cfg.log(fmt::format("espsim: USB device left the bus: socket://{} away for {} ms", opened.shown,
                                     cfg.usb_reenumeration / kMs));
    if (!wait_unless_stopped(cfg.usb_reenumeration, stop)) break;
    listener = std::unique_ptr<SocketGuard>(new SocketGuard{open_tcp_listener(again).fd});
    if (cfg.log) cfg.log("espsim: USB device back: socket://" + opened.shown);
  }
}

}  // namespace

void serve(Device& device, const LinkConfig& link, const Endpoint& where, const std::atomic<bool>& stop,
           const std::function<void(const std::string&)>& ready) {
  if (where.kind == Endpoint::Kind::tcp) serve_tcp(device, link, where, stop, ready);
  else if (where.kind == Endpoint::Kind::rfc2217) serve_rfc2217(device, link, where, stop, ready);
  else detail::serve_pty(device, link, where, stop, ready);
}

}  // namespace espbak::sim
