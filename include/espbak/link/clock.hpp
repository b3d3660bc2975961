#pragma once
// Time as the link sees it. Every wait (reset pulses, timeouts, pauses) and
// every decision taken from a measured duration (the read survey's pace, the
// write comparison's block size) goes through the Clock of the transport in
// use, so that on an in-process simulated link (tests/unit/sim_transport)
// they run on virtual time: the same decisions on a loaded machine as on an
// idle one.
#include <chrono>

namespace espbak {

class Clock {
 public:
  using Duration = std::chrono::nanoseconds;
  virtual ~Clock() = default;
  // Monotonic, from an arbitrary origin.
  virtual Duration now() const = 0;
  virtual void sleep(Duration d) = 0;

  double seconds_since(Duration start) const { return std::chrono::duration<double>(now() - start).count(); }
};

// The machine's monotonic clock (std::chrono::steady_clock; sleeps block).
Clock& steady_clock();

}  // namespace espbak
