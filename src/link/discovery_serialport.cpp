// The OS's serial ports through libserialport (Linux, macOS): the
// platform half of discovery.hpp. Windows: discovery_win.cpp.
#include <libserialport.h>

#include "espbak/link/discovery.hpp"

namespace espbak {

namespace {

// libserialport's strings belong to the port structure: copy, never free.
std::string take(const char* s) { return s ? s : ""; }

PortInfo info_of(sp_port* p) {
  PortInfo info;
  info.device = sp_get_port_name(p);
  if (const char* d = sp_get_port_description(p)) info.description = d;
  if (sp_get_port_transport(p) == SP_TRANSPORT_USB) {
    int vid = 0, pid = 0;
    if (sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK) info.usb = UsbId{std::uint16_t(vid), std::uint16_t(pid)};
    info.serial_number = take(sp_get_port_usb_serial(p));
    info.product = take(sp_get_port_usb_product(p));
    info.manufacturer = take(sp_get_port_usb_manufacturer(p));
  }
  return info;
}

bool macos_pseudo_port(const std::string& device) {
  // esptool cli_util._get_port_list skips these on macOS.
  for (const char* s : {"Bluetooth-Incoming-Port", "wlan-debug", "cu.debug-console"})
    if (device.ends_with(s)) return true;
  return false;
}

}  // namespace

std::vector<PortInfo> enumerate_serial_ports() {
  std::vector<PortInfo> out;
  sp_port** list = nullptr;
  if (sp_list_ports(&list) != SP_OK) return out;
  for (sp_port** p = list; *p; ++p) {
    PortInfo info = info_of(*p);
    if (!macos_pseudo_port(info.device)) out.push_back(std::move(info));
  }
  sp_free_port_list(list);
  return out;
}

std::optional<PortInfo> describe_port(const std::string& device) {
  if (device.find("://") != std::string::npos) return std::nullopt;
  sp_port* p = nullptr;
  // libserialport refuses ptys and missing devices here; that is fine.
  if (sp_get_port_by_name(device.c_str(), &p) != SP_OK) return std::nullopt;
  PortInfo info = info_of(p);
  info.device = device;
  sp_free_port(p);
  return info;
}

}  // namespace espbak
