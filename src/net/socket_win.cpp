// Winsock 2: see espbak/net/socket.hpp. Handles are not inherited
// (WSA_FLAG_NO_HANDLE_INHERIT), as SOCK_CLOEXEC does on POSIX.
#include <algorithm>
#include <cmath>
#include <mutex>

#include "espbak/net/socket.hpp"

namespace espbak::net {
void start() {
  static std::once_flag once;
  std::call_once(once, [] {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
  });
}

Socket open_stream(int family, int socktype, int protocol) {
  start();
  return ::WSASocketW(family, socktype, protocol, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
}

Socket accept_connection(Socket listener) {
  Socket s = ::accept(listener, nullptr, nullptr);
  if (s == INVALID_SOCKET) return kNoSocket;
  SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
  set_nonblocking(s);
  return s;
}

void close_socket(Socket s) {
  if (s != INVALID_SOCKET) ::closesocket(s);
}

void set_nonblocking(Socket s) {
  u_long on = 1;
  ::ioctlsocket(s, FIONBIO, &on);
}

void set_no_delay(Socket s) {
  BOOL one = TRUE;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
}

void set_reuse_address(Socket s) {
  // Winsock's SO_REUSEADDR lets a second listener steal the port; the
  // exclusive flag is the POSIX meaning of "rebind after a restart".
  BOOL one = TRUE;
  ::setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&one), sizeof one);
}

long send_some(Socket s, const void* data, std::size_t len) {
  int chunk = len > 1u << 30 ? 1 << 30 : int(len);
  int n = ::send(s, static_cast<const char*>(data), chunk, 0);
  return n == SOCKET_ERROR ? -1 : long(n);
}

long recv_some(Socket s, void* data, std::size_t len) {
  int chunk = len > 1u << 30 ? 1 << 30 : int(len);
  int n = ::recv(s, static_cast<char*>(data), chunk, 0);
  return n == SOCKET_ERROR ? -1 : long(n);
}

int poll_sockets(PollFd* fds, std::size_t n, std::chrono::nanoseconds timeout) {
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(std::max(timeout, std::chrono::nanoseconds::zero()));
  int r = ::WSAPoll(fds, ULONG(n), INT(ms.count()));
  return r == SOCKET_ERROR ? -1 : r;
}

int wait_socket(Socket s, short events, std::chrono::nanoseconds timeout) {
  PollFd p{s, events, 0};
  return poll_sockets(&p, 1, timeout);
}

int last_error() { return ::WSAGetLastError(); }

int connect_result(Socket s) {
  int err = 0;
  int len = sizeof err;
  ::getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len);
  return err;
}

bool is_transient(int err) { return err == WSAEWOULDBLOCK || err == WSAEINTR; }
bool is_connect_pending(int err) { return err == WSAEWOULDBLOCK || err == WSAEINPROGRESS; }
bool is_reset(int err) { return err == WSAECONNRESET || err == WSAECONNABORTED || err == WSAESHUTDOWN; }
int timed_out_error() { return WSAETIMEDOUT; }

std::string describe_error(int err) {
  switch (err) {
    case WSAECONNREFUSED: return "connection refused";
    case WSAETIMEDOUT: return "timed out";
    case WSAEHOSTUNREACH: return "host unreachable";
    case WSAENETUNREACH: return "network unreachable";
    case WSAECONNRESET: return "connection reset by peer";
    default: break;
  }
  char text[256] = {};
  DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, DWORD(err), 0, text,
                           sizeof text, nullptr);
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == '.')) text[--n] = 0;
  return n ? std::string(text) : "Winsock error " + std::to_string(err);
}

}  // namespace espbak::net
