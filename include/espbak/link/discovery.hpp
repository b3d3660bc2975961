#pragma once
// Finding the port a chip is on when the user gave none (esptool v5
// get_default_connected_device / cli_util._get_port_list, fact sheet 6):
// the candidate list comes from ESPBAK_PORTS when set, else from the OS
// (libserialport; SetupAPI on Windows), filtered by --port-filter and
// ordered so the likeliest ESP boards come first. Pure functions except
// enumerate_serial_ports() and describe_port().
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/link/transport.hpp"

namespace espbak {

struct PortInfo {
  std::string device;  // what open_transport() takes
  std::optional<UsbId> usb;
  std::string serial_number, product, manufacturer, description;
  bool listed = false;  // came from ESPBAK_PORTS (tried in the order given)
};

// A USB bridge seen on ESP boards, or "" (see discovery.cpp for sources).
std::string_view known_esp_bridge(UsbId id);

// esptool v5 --port-filter: vid=, pid=, name=, serial= (repeatable; several
// values of one key are alternatives, different keys must all match).
struct PortFilter {
  std::vector<std::uint16_t> vids, pids;
  std::vector<std::string> names, serials;
  bool empty() const { return vids.empty() && pids.empty() && names.empty() && serials.empty(); }
};
// Throws Error(usage) for a malformed filter.
PortFilter parse_port_filters(const std::vector<std::string>& specs);
bool port_matches(const PortInfo& port, const PortFilter& filter);

// ESPBAK_PORTS: port names separated by whitespace or commas.
std::vector<PortInfo> parse_port_list(std::string_view text);

// Serial ports the OS reports (libserialport; on Windows SetupAPI with the
// registry's SERIALCOMM list as fallback), with USB details. Skips macOS
// pseudo ports as esptool does.
std::vector<PortInfo> enumerate_serial_ports();

// Filters and orders candidates for trying: listed ports keep their order;
// enumerated ones go Espressif VID first, then known ESP bridges, then
// USB-serial device names (ttyUSB/ttyACM, usbserial/usbmodem), then the
// rest, each group in reverse name order (esptool tries its sorted list
// from the end).
std::vector<PortInfo> order_candidates(std::vector<PortInfo> ports, const PortFilter& filter);

// USB details of one named port, when the OS knows them (nullopt for ptys,
// URLs and unknown devices).
std::optional<PortInfo> describe_port(const std::string& device);

}  // namespace espbak
