// Port discovery: candidate lists, --port-filter, ordering (fact sheet 6).
// What the OS reports comes from discovery_serialport.cpp (libserialport)
// or discovery_win.cpp (SetupAPI), whichever the build compiles.
#include "espbak/link/discovery.hpp"

#include <algorithm>
#include <cctype>

#include "espbak/link/reset/usb_ids.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {

namespace {

struct Bridge {
  std::uint16_t vid, pid;
  const char* name;
};

// USB bridges found on ESP dev boards. Sources: esptool loader.py
// (ESPRESSIF_VID, USB_JTAG_SERIAL_PID: reset/usb_ids.hpp; 10C4:EA64 in
// HARDWARE_FLOW_CONTROL_VID_PIDS; PID 0x55D4 for the CH9102 driver hint in
// cmds.py run_stub); the other IDs are the Linux USB serial drivers' device
// tables (drivers/usb/serial/cp210x.c 10C4:EA60, ch341.c 1A86:7523/7522,
// ftdi_sio_ids.h 0403:6001/6010/6014/6015) for the bridges Espressif's
// DevKits and ESP-Prog use (CP2102N, CH340/CH9102, FT2232HL).
constexpr Bridge kBridges[] = {
    {kEspressifVid, kUsbJtagSerialPid, "Espressif USB-Serial/JTAG"},
    {0x10C4, 0xEA60, "Silicon Labs CP210x"},
    {0x10C4, 0xEA64, "Silicon Labs CP2102C"},
    {0x1A86, 0x7523, "WCH CH340"},
    {0x1A86, 0x7522, "WCH CH340K"},
    {0x1A86, 0x55D4, "WCH CH9102"},
    {0x0403, 0x6001, "FTDI FT232R"},
    {0x0403, 0x6010, "FTDI FT2232 (ESP-Prog)"},
    {0x0403, 0x6014, "FTDI FT232H"},
    {0x0403, 0x6015, "FTDI FT231X"},
};

std::string base_name(const std::string& device) {
  auto slash = device.find_last_of('/');
  return slash == std::string::npos ? device : device.substr(slash + 1);
}

// Higher = tried earlier.
int port_class(const PortInfo& p) {
  if (p.usb && p.usb->vid == kEspressifVid) return 4;
  if (p.usb && !known_esp_bridge(*p.usb).empty()) return 3;
  for (const char* pattern : {"ttyUSB", "ttyACM", "usbserial", "usbmodem"})
    if (p.device.find(pattern) != std::string::npos) return 2;
  return 1;
}

}  // namespace

std::string_view known_esp_bridge(UsbId id) {
  for (const auto& b : kBridges)
    if (b.vid == id.vid && b.pid == id.pid) return b.name;
  if (id.vid == kEspressifVid) return "Espressif USB";
  return {};
}

PortFilter parse_port_filters(const std::vector<std::string>& specs) {
  PortFilter f;
  for (const auto& spec : specs) {
    // "vid=0x303a,pid=0x1001" or one key=value per option
    std::size_t pos = 0;
    while (pos <= spec.size()) {
      auto comma = spec.find(',', pos);
      std::string item = spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      auto eq = item.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
        throw Error(ErrorKind::usage, "--port-filter takes key=value (vid=, pid=, name=, serial=), got '" + item + "'");
      std::string key = item.substr(0, eq), value = item.substr(eq + 1);
      if (key == "vid" || key == "pid") {
        auto v = parse_u32(value);
        if (!v || *v > 0xFFFF) throw Error(ErrorKind::usage, "--port-filter " + key + " must be a 16-bit number, got '" + value + "'");
        (key == "vid" ? f.vids : f.pids).push_back(std::uint16_t(*v));
      } else if (key == "name") {
        f.names.push_back(value);
      } else if (key == "serial") {
        f.serials.push_back(value);
      } else {
        throw Error(ErrorKind::usage, "--port-filter key '" + key + "' not recognised (vid, pid, name, serial)");
      }
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  return f;
}

bool port_matches(const PortInfo& p, const PortFilter& f) {
  // esptool: name= and serial= are substring matches; a port without the
  // attribute never matches a filter on it.
  if (!f.vids.empty() && (!p.usb || std::find(f.vids.begin(), f.vids.end(), p.usb->vid) == f.vids.end())) return false;
  if (!f.pids.empty() && (!p.usb || std::find(f.pids.begin(), f.pids.end(), p.usb->pid) == f.pids.end())) return false;
  if (!f.names.empty() &&
      std::none_of(f.names.begin(), f.names.end(), [&](const std::string& n) { return p.device.find(n) != std::string::npos; }))
    return false;
  if (!f.serials.empty() && std::none_of(f.serials.begin(), f.serials.end(), [&](const std::string& s) {
        return !p.serial_number.empty() && p.serial_number.find(s) != std::string::npos;
      }))
    return false;
  return true;
}

std::vector<PortInfo> parse_port_list(std::string_view text) {
  std::vector<PortInfo> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) {
      PortInfo p;
      if (auto described = describe_port(cur)) p = *described;
      p.device = cur;
      p.listed = true;
      out.push_back(std::move(p));
    }
    cur.clear();
  };
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',') flush();
    else cur += c;
  }
  flush();
  return out;
}

std::vector<PortInfo> order_candidates(std::vector<PortInfo> ports, const PortFilter& filter) {
  std::erase_if(ports, [&](const PortInfo& p) { return !port_matches(p, filter); });
  std::stable_sort(ports.begin(), ports.end(), [](const PortInfo& a, const PortInfo& b) {
    if (a.listed || b.listed) return a.listed && !b.listed;  // listed ones first, in the given order
    int ca = port_class(a), cb = port_class(b);
    if (ca != cb) return ca > cb;
    return base_name(a.device) > base_name(b.device);
  });
  return ports;
}

}  // namespace espbak
