#pragma once
// The few socket calls whose spelling differs between BSD sockets (Linux,
// macOS) and Winsock, so that the TCP and RFC 2217 code of espbak and espsim
// is written once. Only this header chooses the system headers; the calls
// are defined in src/net/socket_posix.cpp and src/net/socket_win.cpp.
#include <chrono>
#include <cstddef>
#include <string>

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#endif

namespace espbak::net {

#if defined(_WIN32)
using Socket = SOCKET;
using PollFd = WSAPOLLFD;
inline constexpr Socket kNoSocket = INVALID_SOCKET;
#else
using Socket = int;
using PollFd = pollfd;
inline constexpr Socket kNoSocket = -1;
#endif

// Starts Winsock (once; no-op on POSIX): needed before getaddrinfo().
void start();
// A stream socket, not inherited by child processes (calls start()). kNoSocket on failure, last_error() says why.
Socket open_stream(int family, int socktype, int protocol);
// The next pending connection of a listening socket, non-blocking and not
// inherited; kNoSocket when none is pending.
Socket accept_connection(Socket listener);
void close_socket(Socket s);
void set_nonblocking(Socket s);
void set_no_delay(Socket s);       // packets are small and latency-bound
void set_reuse_address(Socket s);  // a restarted listener may bind at once

// Bytes sent / received, or -1 with last_error(). Never raises SIGPIPE.
long send_some(Socket s, const void* data, std::size_t len);
long recv_some(Socket s, void* data, std::size_t len);

// poll()/WSAPoll() on `n` entries; a signal restarts the wait. Windows
// rounds `timeout` up to whole milliseconds. Returns > 0 ready, 0 timed out,
// < 0 failed (last_error()).
int poll_sockets(PollFd* fds, std::size_t n, std::chrono::nanoseconds timeout);
// One socket, `events` of POLLIN / POLLOUT.
int wait_socket(Socket s, short events, std::chrono::nanoseconds timeout);

// The error of the last failed call on this thread (errno / WSAGetLastError).
int last_error();
// The error a non-blocking connect() left on `s` (SO_ERROR), 0 if none.
int connect_result(Socket s);
bool is_transient(int err);        // try again later (would block, interrupted)
bool is_connect_pending(int err);  // non-blocking connect() still under way
bool is_reset(int err);            // the peer dropped the connection
int timed_out_error();
// Short text for the user: "connection refused", "timed out", ...
std::string describe_error(int err);

}  // namespace espbak::net
