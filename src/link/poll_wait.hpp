#pragma once
// Waiting on one descriptor, shared by the POSIX transports (serial_posix,
// tcp, rfc2217). Link-internal: not part of the public headers.
#if !defined(_WIN32)
#include <chrono>

namespace espbak::detail {

// How long a blocked write may wait for room: esptool's serial write timeout, 10 s.
inline constexpr std::chrono::milliseconds kWriteTimeout{10000};

// poll() on `fd` for `events`; a signal (EINTR) restarts the wait with the
// whole timeout again. A negative timeout waits 0 ms. Returns what poll()
// returns: > 0 ready, 0 timed out, < 0 failed (errno says why, never EINTR).
int poll_wait(int fd, short events, std::chrono::milliseconds timeout);

}  // namespace espbak::detail
#endif
