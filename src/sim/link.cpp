#include "espbak/sim/link.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace espbak::sim {

namespace {
constexpr std::uint32_t kRomBaud = 115200;  // the ROM prints its banner at this rate (ESP32)

// Two UARTs whose rates differ by more than this read each other wrong
// (closer rates sample every bit in its cell: the bytes pass).
bool rates_differ(std::uint32_t a, std::uint32_t b) { return a > b ? a - b > b / 100 : b - a > a / 100; }
}  // namespace

void Link::start(SimTime now) {
  bridge_rng_.seed(cfg_.faults.seed * 1'000'003u + faults_.connection() + 1);
  to_device_.clear();
  to_host_.clear();
  host_wire_free_ = now;
  to_host_stall_until_ = 0;
  faults_.start_connection();
  dev_.reset(now);
  usb_disconnects_at_start_ = dev_.usb_disconnects();
  if (host_baud_) dev_.autobaud(*host_baud_);
}

std::uint8_t Link::through_bridge(std::uint8_t b) {
  if (!cfg_.bridge || cfg_.bridge->max_baud == 0 || dev_.baud() <= cfg_.bridge->max_baud) return b;
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  if (chance(bridge_rng_) >= kOverspeedCorruptRate) return b;
  std::uniform_int_distribution<int> flip(1, 255);
  return std::uint8_t(b ^ flip(bridge_rng_));
}

void Link::note(const std::string& what) const {
  if (cfg_.log) cfg_.log(fmt::format("espsim: fault: {} (connection {})", what, faults_.connection()));
}

void Link::reset_device(SimTime at) {
  // A reset with GPIO0 held low: the chip forgets everything (stub, baud,
  // commands in progress), drops what its UART had not sent yet and comes
  // back in the ROM's download mode, printing its boot banner first.
  dev_.external_reset(at);
  dev_.take_tx();
  if (usb_gone()) return;  // no banner: the port it would reach is gone
  if (host_baud_) dev_.autobaud(*host_baud_);
  // A ROM that assumes another crystal logs off its nominal rate.
  const auto banner_baud = std::uint32_t(kRomBaud * dev_.rom_uart_scale());
  const SimTime byte_time = cfg_.realistic ? SimTime(10'000'000'000LL / banner_baud) : 0;
  SimTime t = std::max(at, to_host_.empty() ? at : to_host_.back().at);
  for (char c : rom_boot_banner(dev_.chip_id())) {
    t += byte_time;
    to_host_.push_back({t + cfg_.latency, std::uint8_t(c)});
  }
}

void Link::from_host(SimTime now, std::span<const std::uint8_t> bytes) {
  // Host bytes are serialised at the chip's current baud rate (the host's
  // port is assumed to run at the same rate), then the bridge latency.
  SimTime byte_time = cfg_.realistic ? dev_.byte_time() : 0;
  if (cfg_.realistic && byte_time == 0) byte_time = SimTime(10'000'000'000LL / dev_.baud());
  SimTime t = std::max(now, host_wire_free_);
  std::vector<std::uint8_t> heard;
  if (host_baud_ && rates_differ(*host_baud_, dev_.baud())) {
    heard = uart_missample(bytes, *host_baud_, dev_.baud());
    bytes = heard;
  }
  for (auto b : bytes) {
    if (faults_.active()) {
      ByteFate fate = faults_.next(FaultDirection::to_device, b);
      if (fate.close_before) {
        note(fmt::format("close at to-device byte {}", faults_.bytes(FaultDirection::to_device) - 1));
        break;
      }
      if (fate.stall_ms) {
        note(fmt::format("stall {} ms at to-device byte {}", fate.stall_ms, faults_.bytes(FaultDirection::to_device) - 1));
        t += SimTime(fate.stall_ms) * kMs;
      }
      if (fate.reset_before) {
        note(fmt::format("reset at to-device byte {}", faults_.bytes(FaultDirection::to_device) - 1));
        to_device_.push_back({t + cfg_.latency, 0, true});
      }
      for (auto n : fate.insert_before) {
        t += byte_time;
        to_device_.push_back({t + cfg_.latency, n});
      }
      if (fate.drop) continue;
      b = fate.byte;
    }
    t += byte_time;
    to_device_.push_back({t + cfg_.latency, through_bridge(b)});
  }
  host_wire_free_ = t;
}

void Link::pump(SimTime now) {
  while (!to_device_.empty() && to_device_.front().at <= now) {
    // Deliver a run of bytes with the same arrival time in one call.
    SimTime at = to_device_.front().at;
    if (to_device_.front().reset) {
      to_device_.pop_front();
      dev_.advance(at);
      reset_device(at);
      continue;
    }
    std::vector<std::uint8_t> run;
    while (!to_device_.empty() && to_device_.front().at == at && !to_device_.front().reset) {
      run.push_back(to_device_.front().byte);
      to_device_.pop_front();
    }
    dev_.rx(at, run);
  }
  dev_.advance(now);
  for (auto& chunk : dev_.take_tx()) {
    if (host_baud_ && chunk.baud && rates_differ(chunk.baud, *host_baud_))
      chunk.bytes = uart_missample(chunk.bytes, chunk.baud, *host_baud_);
    for (std::size_t i = 0; i < chunk.bytes.size(); ++i) {
      SimTime at = chunk.start + SimTime(i + 1) * chunk.byte_time + cfg_.latency;
      std::uint8_t b = chunk.bytes[i];
      if (faults_.active()) {
        if (faults_.closed()) return;
        ByteFate fate = faults_.next(FaultDirection::to_host, b);
        const std::uint64_t offset = faults_.bytes(FaultDirection::to_host) - 1;
        if (fate.close_before) {
          note(fmt::format("close at to-host byte {}", offset));
          return;
        }
        if (fate.reset_before) {
          note(fmt::format("reset at to-host byte {}", offset));
          // Whatever the chip had queued after this byte never leaves it.
          reset_device(std::max(now, at - cfg_.latency));
          return;
        }
        if (fate.stall_ms) {
          // The wire stops for that long from this byte on; bytes the chip
          // sends after the stall are not delayed.
          note(fmt::format("stall {} ms at to-host byte {}", fate.stall_ms, offset));
          to_host_stall_until_ = std::max(at, to_host_stall_until_) + SimTime(fate.stall_ms) * kMs;
        }
        at = std::max(at, to_host_stall_until_);
        if (!to_host_.empty()) at = std::max(at, to_host_.back().at);  // stay in time order
        for (auto n : fate.insert_before) to_host_.push_back({at, n});
        if (fate.drop) continue;
        b = fate.byte;
      }
      to_host_.push_back({at, through_bridge(b)});
    }
  }
}

std::vector<std::uint8_t> Link::to_host(SimTime now) {
  std::vector<std::uint8_t> out;
  const SimTime until = usb_gone() ? std::min(now, dev_.usb_disconnect_at()) : now;
  while (!to_host_.empty() && to_host_.front().at <= until) {
    out.push_back(to_host_.front().byte);
    to_host_.pop_front();
  }
  if (usb_gone()) to_host_.clear();  // in flight when the device left the bus
  return out;
}

SimTime Link::next_deadline() const {
  SimTime t = dev_.next_event();
  if (!to_device_.empty()) t = std::min(t, to_device_.front().at);
  if (!to_host_.empty()) t = std::min(t, to_host_.front().at);
  return t;
}

}  // namespace espbak::sim
