#include "espbak/ops/list_ports.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "espbak/link/discovery.hpp"

namespace espbak {

void cmd_list_ports(Reporter& report, const ListPortsArgs& args) {
  PortFilter filter = parse_port_filters(args.port_filters);
  std::vector<PortInfo> ports = enumerate_serial_ports();
  if (!args.port_list.empty()) {
    auto listed = parse_port_list(args.port_list);
    // A port both listed and enumerated is shown once, as listed.
    std::erase_if(ports, [&](const PortInfo& p) {
      return std::any_of(listed.begin(), listed.end(), [&](const PortInfo& l) { return l.device == p.device; });
    });
    ports.insert(ports.begin(), listed.begin(), listed.end());
  }
  ports = order_candidates(std::move(ports), filter);
  JsonObject& json = report.json();
  for (const auto& p : ports) {
    std::string bridge = p.usb ? std::string(known_esp_bridge(*p.usb)) : std::string();
    std::string line = p.device;
    if (p.usb) line += fmt::format("  {:04X}:{:04X}", p.usb->vid, p.usb->pid);
    else line += "  ----:----";
    if (!p.serial_number.empty()) line += "  serial " + p.serial_number;
    if (!p.product.empty()) line += "  \"" + p.product + "\"";
    else if (!p.description.empty()) line += "  \"" + p.description + "\"";
    if (!bridge.empty()) line += "  [ESP bridge: " + bridge + "]";
    if (p.listed) line += "  (from ESPBAK_PORTS)";
    report.result(line);

    JsonObject o;
    o.set("device", p.device);
    if (p.usb) {
      o.set("vid", fmt::format("0x{:04X}", p.usb->vid));
      o.set("pid", fmt::format("0x{:04X}", p.usb->pid));
    }
    o.set("serial_number", p.serial_number);
    o.set("product", p.product);
    o.set("manufacturer", p.manufacturer);
    o.set("description", p.description);
    o.set("esp_bridge", !bridge.empty());
    if (!bridge.empty()) o.set("bridge", bridge);
    o.set("from_espbak_ports", p.listed);
    json.push("ports", o);
  }
  if (ports.empty()) {
    json.set_strings("ports", {});
    report.info(filter.empty() ? "No serial ports found." : "No serial ports match --port-filter.");
  }
}

}  // namespace espbak
