#pragma once
// What a Windows device id says about a USB serial adapter. SetupAPI names
// a COM port's device "USB\VID_303A&PID_1001\<serial>" (device instance id,
// SPDRP_HARDWAREID is the same without the last part); FTDI's own driver
// uses "FTDIBUS\VID_0403+PID_6001+<serial>\0000". Where Windows made the
// last part up (composite devices: "6&1a2b3c&0&0000") there is no serial.
// Pure parsing, so it is unit-tested on every host (discovery_win.cpp uses it).
#include <optional>
#include <string>
#include <string_view>

#include "espbak/link/transport.hpp"

namespace espbak {

struct UsbDeviceId {
  UsbId usb;
  std::string serial_number;  // "" when the id carries none
};

// nullopt when `id` has no VID_xxxx with PID_xxxx (e.g. "ACPI\PNP0501\1").
std::optional<UsbDeviceId> parse_usb_device_id(std::string_view id);

}  // namespace espbak
