#pragma once
// What the chip files of the ESP32 family share because esptool's classes
// inherit it from ESP32ROM (esptool v5.3.1 targets/esp32.py), so each file
// states only where its chip differs. Private to src/chips.
#include <optional>
#include <vector>

#include "espbak/chips/chip.hpp"

namespace espbak::chip_family {

// ESP32ROM.FLASH_SIZES: image header byte 3, high nibble.
inline std::vector<FlashCode> esp32_flash_sizes() {
  return {{"1MB", 0x00},  {"2MB", 0x10},  {"4MB", 0x20},  {"8MB", 0x30},
          {"16MB", 0x40}, {"32MB", 0x50}, {"64MB", 0x60}, {"128MB", 0x70}};
}

// ESP32ROM.FLASH_FREQUENCY: image header byte 3, low nibble.
inline std::vector<FlashCode> esp32_flash_freqs() {
  return {{"80m", 0xF}, {"40m", 0x0}, {"26m", 0x1}, {"20m", 0x2}};
}

// Only the ESP8266 has the SDK's chip_id(): esptool's other classes raise
// NotSupportedError.
inline std::optional<std::uint32_t> no_chip_id(const FieldReader&) { return std::nullopt; }

}  // namespace espbak::chip_family
