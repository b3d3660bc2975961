#include "espbak/sim/bridge.hpp"

#include <array>

namespace espbak::sim {

namespace {

// Sources (docs/espsim.md "USB bridges"):
// - CP2102: Silicon Labs CP2102/9 datasheet, "baud rates 300 bps to 1 Mbps".
// - CH340: WCH CH340 datasheet, "50 bps to 2 Mbps".
// - FTDI FT232R: FT232R datasheet, up to 3 Mbaud; latency timer default
//   16 ms (FTDI AN232B-04 "Data Throughput, Latency and Handshaking").
// - USB-Serial/JTAG (ESP32-C3/S3/...): USB full speed end to end, the baud
//   rate setting is ignored (ESP-IDF "USB Serial/JTAG Controller Console").
// Latency of the CP210x / CH340 / USB-Serial/JTAG: one USB full-speed
// frame (1 ms), the polling interval of their bulk IN endpoints.
constexpr std::array<BridgeModel, 4> kBridges{{
    {"cp2102", 1'000'000, 1},
    {"ch340", 2'000'000, 1},
    {"ftdi", 3'000'000, 16},
    {"usb-jtag-serial", 0, 1},
}};

}  // namespace

std::optional<BridgeModel> find_bridge(const std::string& name) {
  for (const auto& b : kBridges)
    if (name == b.name) return b;
  return std::nullopt;
}

std::string bridge_names() {
  std::string out;
  for (const auto& b : kBridges) {
    if (!out.empty()) out.push_back('|');
    out.append(b.name);
  }
  return out;
}

}  // namespace espbak::sim
