#pragma once
// What server.cpp shares with the pty server (server_pty_posix.cpp, or
// server_pty_win.cpp which refuses): one host connection at a time.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "espbak/sim/server.hpp"

namespace espbak::sim::detail {

inline SimTime clock_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline constexpr SimTime kMaxWait = 100 * kMs;  // re-check the stop flag this often

// One host connection: a TCP socket or a pty master.
class HostStream {
 public:
  virtual ~HostStream() = default;
  enum class Ready { readable, idle, closed };
  // Waits up to `wait` for bytes from the host (or, with `want_write`, for
  // room to write). `closed` when the host went away.
  virtual Ready wait(bool want_write, SimTime wait) = 0;
  // > 0 bytes moved, 0 nothing now (would block), -1 the host went away.
  virtual long read(std::uint8_t* buf, std::size_t len) = 0;
  virtual long write(const std::uint8_t* buf, std::size_t len) = 0;
};

enum class End { peer_closed, stopped, usb_gone };
// Serves one host on `stream` until it goes away, the chip's USB device
// leaves the bus (Link::usb_gone: the endpoint then takes the port away for
// LinkConfig::usb_reenumeration) or `stop` is set.
End serve_connection(HostStream& stream, Link& link, const std::atomic<bool>& stop);

// Waits `duration` (the port away across a USB re-enumeration), checking
// `stop`; false when stopped.
bool wait_unless_stopped(SimTime duration, const std::atomic<bool>& stop);

void serve_pty(Device& device, const LinkConfig& cfg, const Endpoint& where, const std::atomic<bool>& stop,
               const std::function<void(const std::string&)>& ready);

}  // namespace espbak::sim::detail
