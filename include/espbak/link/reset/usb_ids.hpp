#pragma once
// Espressif's USB IDs (esptool loader.py ESPRESSIF_VID, USB_JTAG_SERIAL_PID;
// fact sheet section 6). The USB-Serial/JTAG peripheral of the C3, S3, C6
// and later chips needs its own reset sequence (reset/sequences.hpp), and
// port discovery tries Espressif ports first (discovery.cpp).
#include <cstdint>
#include <optional>

#include "espbak/link/transport.hpp"

namespace espbak {

inline constexpr std::uint16_t kEspressifVid = 0x303A;
inline constexpr std::uint16_t kUsbJtagSerialPid = 0x1001;

// Whether a port with this USB ID is the chip's own USB-Serial/JTAG port.
constexpr bool is_usb_jtag_serial(const std::optional<UsbId>& id) {
  return id && id->vid == kEspressifVid && id->pid == kUsbJtagSerialPid;
}

}  // namespace espbak
