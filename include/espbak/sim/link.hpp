#pragma once
// The wire between the host and the simulated chip: moves bytes both ways with
// the timing of a UART behind a USB bridge. "instant" moves them as fast as
// possible; "realistic" charges 10 bit times per byte at the chip's current
// baud rate plus a fixed latency per direction (docs/espsim.md).
//
// Bytes pass through two queues (to_device_, to_host_); the fault injector
// (fault.hpp) sits at those two points (drop / corrupt / noise / stall /
// reset / close after N bytes) without touching the Device's logic.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "espbak/sim/bridge.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/fault.hpp"

namespace espbak::sim {

// What a UART listening at `receiver_baud` reads when 8N1 bytes are sent at
// `sender_baud`: the receiver syncs on each falling edge, samples mid-bit at
// its own rate and delivers the byte even on a framing error (an
// approximation of a real UART; noise and glitches are not modelled).
std::vector<std::uint8_t> uart_missample(std::span<const std::uint8_t> sent, std::uint32_t sender_baud,
                                         std::uint32_t receiver_baud);

struct LinkConfig {
  bool realistic = false;
  SimTime latency = 0;  // per direction
  FaultPlan faults;     // --fault / --seed
  // One line per fault that fires at an offset (stall, reset, close).
  std::function<void(const std::string&)> log;
  // --bridge: above its reliable maximum baud, bytes both ways get corrupted.
  std::optional<BridgeModel> bridge;
  // How long the host's port stays away after the chip's USB device left
  // the bus (espsim --usb-reenumerate-ms; docs/espsim.md, UNVERIFIED).
  SimTime usb_reenumeration = 500 * kMs;
};

class Link {
 public:
  Link(Device& device, LinkConfig config) : dev_(device), cfg_(config), faults_(cfg_.faults) {}

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
  // A `close` fault fired: the server ends this connection once the bytes
  // before it have been written.
  bool closed() const { return faults_.closed() && to_host_.empty(); }
  // The chip's USB device left the bus with a reset since this connection
  // started (Device::usb_disconnects, usb_reenumerates): the host's port is
  // gone. What the chip sent before the reset still reaches the host; what
  // was still in flight after it is lost.
  bool usb_gone() const { return dev_.usb_disconnects() != usb_disconnects_at_start_; }
  // The rate the host's port runs at, where the endpoint tells it (RFC 2217
  // SET-BAUDRATE, the in-process transport). From then on bytes cross at two
  // rates: where the chip's UART runs elsewhere (a ROM baud change the host
  // did not scale for the crystal) each side reads what it missamples. The
  // ROM autobauds to it after a reset. Unknown (tcp, pty): the two agree.
  void set_host_baud(std::uint32_t baud) { host_baud_ = baud; }
  const Device& device() const { return dev_; }

 private:
  struct Timed {
    SimTime at;
    std::uint8_t byte;
    bool reset = false;  // not a byte: the chip resets when this reaches it
  };
  void reset_device(SimTime at);
  void note(const std::string& what) const;
  // The bridge's overspeed corruption of one byte (returns it, maybe changed).
  std::uint8_t through_bridge(std::uint8_t b);
  Device& dev_;
  LinkConfig cfg_;
  FaultInjector faults_;
  SimTime host_wire_free_ = 0;  // host -> device serialisation
  SimTime to_host_stall_until_ = 0;  // no device byte reaches the host before this (stall faults)
  std::deque<Timed> to_device_;
  std::deque<Timed> to_host_;
  std::mt19937_64 bridge_rng_;
  std::optional<std::uint32_t> host_baud_;
  std::uint32_t usb_disconnects_at_start_ = 0;
};

}  // namespace espbak::sim
