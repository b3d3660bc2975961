// BSD sockets (Linux, macOS): see espbak/net/socket.hpp.
#include <fcntl.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "espbak/net/socket.hpp"

namespace espbak::net {

void start() {}

Socket open_stream(int family, int socktype, int protocol) {
#if defined(SOCK_CLOEXEC)
  socktype |= SOCK_CLOEXEC;
#endif
  return ::socket(family, socktype, protocol);
}

Socket accept_connection(Socket listener) {
  Socket s = ::accept(listener, nullptr, nullptr);
  if (s < 0) return kNoSocket;
  ::fcntl(s, F_SETFD, FD_CLOEXEC);
  set_nonblocking(s);
  return s;
}

void close_socket(Socket s) {
  if (s >= 0) ::close(s);
}

void set_nonblocking(Socket s) { ::fcntl(s, F_SETFL, ::fcntl(s, F_GETFL) | O_NONBLOCK); }

void set_no_delay(Socket s) {
  int one = 1;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void set_reuse_address(Socket s) {
  int one = 1;
  ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
}

long send_some(Socket s, const void* data, std::size_t len) {
#if defined(MSG_NOSIGNAL)
  return long(::send(s, data, len, MSG_NOSIGNAL));
#else
  return long(::send(s, data, len, 0));  // macOS: SO_NOSIGPIPE is not set; espsim ignores SIGPIPE
#endif
}

long recv_some(Socket s, void* data, std::size_t len) { return long(::recv(s, data, len, 0)); }

int poll_sockets(PollFd* fds, std::size_t n, std::chrono::nanoseconds timeout) {
  if (timeout < std::chrono::nanoseconds::zero()) timeout = {};
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timespec ts{time_t(secs.count()), long((timeout - secs).count())};
  int r;
  do r = ::ppoll(fds, nfds_t(n), &ts, nullptr);
  while (r < 0 && errno == EINTR);
  return r;
}

int wait_socket(Socket s, short events, std::chrono::nanoseconds timeout) {
  PollFd p{s, events, 0};
  return poll_sockets(&p, 1, timeout);
}

int last_error() { return errno; }

int connect_result(Socket s) {
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

bool is_transient(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }
bool is_connect_pending(int err) { return err == EINPROGRESS; }
bool is_reset(int err) { return err == ECONNRESET || err == EPIPE; }
int timed_out_error() { return ETIMEDOUT; }

std::string describe_error(int err) {
  switch (err) {
    case ECONNREFUSED: return "connection refused";
    case ETIMEDOUT: return "timed out";
    case EHOSTUNREACH: return "host unreachable";
    case ENETUNREACH: return "network unreachable";
    default: return std::strerror(err);
  }
}

}  // namespace espbak::net
