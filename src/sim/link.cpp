#include "espbak/sim/link.hpp"

#include <algorithm>

namespace espbak::sim {

void Link::start(SimTime now) {
  to_device_.clear();
  to_host_.clear();
  host_wire_free_ = now;
  dev_.reset(now);
}

void Link::from_host(SimTime now, std::span<const std::uint8_t> bytes) {
  // Host bytes are serialised at the chip's current baud rate (the host's
  // port is assumed to run at the same rate), then the bridge latency.
  SimTime byte_time = cfg_.realistic ? dev_.byte_time() : 0;
  if (cfg_.realistic && byte_time == 0) byte_time = SimTime(10'000'000'000LL / dev_.baud());
  SimTime t = std::max(now, host_wire_free_);
  for (auto b : bytes) {
    t += byte_time;
    to_device_.push_back({t + cfg_.latency, b});
  }
  host_wire_free_ = t;
}

void Link::pump(SimTime now) {
  while (!to_device_.empty() && to_device_.front().at <= now) {
    // Deliver a run of bytes with the same arrival time in one call.
    SimTime at = to_device_.front().at;
    std::vector<std::uint8_t> run;
    while (!to_device_.empty() && to_device_.front().at == at) {
      run.push_back(to_device_.front().byte);
      to_device_.pop_front();
    }
    dev_.rx(at, run);
  }
  dev_.advance(now);
  for (auto& chunk : dev_.take_tx()) {
    for (std::size_t i = 0; i < chunk.bytes.size(); ++i)
      to_host_.push_back({chunk.start + SimTime(i + 1) * chunk.byte_time + cfg_.latency, chunk.bytes[i]});
  }
}

std::vector<std::uint8_t> Link::to_host(SimTime now) {
  std::vector<std::uint8_t> out;
  while (!to_host_.empty() && to_host_.front().at <= now) {
    out.push_back(to_host_.front().byte);
    to_host_.pop_front();
  }
  return out;
}

SimTime Link::next_deadline() const {
  SimTime t = dev_.next_event();
  if (!to_device_.empty()) t = std::min(t, to_device_.front().at);
  if (!to_host_.empty()) t = std::min(t, to_host_.front().at);
  return t;
}

}  // namespace espbak::sim
