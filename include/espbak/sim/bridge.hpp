#pragma once
// The USB-to-UART bridge between the host and the chip (espsim --bridge):
// the highest baud rate it carries reliably and its latency. Above that rate
// bytes get corrupted, so a host that picks its baud rate (espbak -b auto)
// meets something that can fail. Figures and sources: docs/espsim.md.
#include <cstdint>
#include <optional>
#include <string>

namespace espbak::sim {

struct BridgeModel {
  const char* name;
  // Highest reliable baud rate; 0: the rate does not matter (USB end to end).
  std::uint32_t max_baud;
  std::uint32_t latency_ms;  // per direction, the --latency-ms default
};

// nullopt for an unknown name.
std::optional<BridgeModel> find_bridge(const std::string& name);
// "cp2102|ch340|ftdi|usb-jtag-serial"
std::string bridge_names();

// Probability that a byte is corrupted when the chip's UART runs faster than
// the bridge's reliable maximum (a model, not a measurement: docs/espsim.md).
inline constexpr double kOverspeedCorruptRate = 0.01;

}  // namespace espbak::sim
