#pragma once
// Waiting on one descriptor, for the POSIX serial transport (serial_posix).
// Link-internal: not part of the public headers.
#include <chrono>

namespace espbak::detail {

// poll() on `fd` for `events`; a signal (EINTR) restarts the wait with the
// whole timeout again. A negative timeout waits 0 ms. Returns what poll()
// returns: > 0 ready, 0 timed out, < 0 failed (errno says why, never EINTR).
int poll_wait(int fd, short events, std::chrono::milliseconds timeout);

}  // namespace espbak::detail
