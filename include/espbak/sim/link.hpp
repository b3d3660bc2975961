#pragma once
// The wire between the host and the simulated chip: moves bytes both ways with
// the timing of a UART behind a USB bridge. "instant" moves them as fast as
// possible; "realistic" charges 10 bit times per byte at the chip's current
// baud rate plus a fixed latency per direction (docs/espsim.md).
//
// Bytes pass through two queues (to_device_, to_host_); a fault injector can
// later sit at those two points (drop / corrupt / stall / close after N bytes)
// without touching the Device.
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "espbak/sim/device.hpp"

namespace espbak::sim {

struct LinkConfig {
  bool realistic = false;
  SimTime latency = 0;  // per direction
};

class Link {
 public:
  Link(Device& device, LinkConfig config) : dev_(device), cfg_(config) {}

  // A new host connection: the chip is reset into download mode.
  void start(SimTime now);
  // Bytes the host wrote, as read from the port at time `now`.
  void from_host(SimTime now, std::span<const std::uint8_t> bytes);
  // Delivers due host bytes to the chip and runs it up to `now`.
  void pump(SimTime now);
  // Device bytes that have reached the host by `now`.
  std::vector<std::uint8_t> to_host(SimTime now);
  // The next time pump()/to_host() has something to do (kNever: nothing).
  SimTime next_deadline() const;

 private:
  struct Timed {
    SimTime at;
    std::uint8_t byte;
  };
  Device& dev_;
  LinkConfig cfg_;
  SimTime host_wire_free_ = 0;  // host -> device serialisation
  std::deque<Timed> to_device_;
  std::deque<Timed> to_host_;
};

}  // namespace espbak::sim
