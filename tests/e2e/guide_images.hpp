#pragma once
// Firmware images for the guide command-line table
// (test_guide_command_lines.cpp), built to esptool's image layout so the
// header bytes esptool would patch can be worked out in the test.
// Layout (esptool v5.3.1 esptool/bin_image.py, ESP8266ROMFirmwareImage and
// ESP32FirmwareImage): 8-byte header (0xE9, segment count, flash mode,
// size<<4|freq, entry); on chips after the ESP8266 a 16-byte extended
// header (wp pin, three drive bytes, u16 chip id, min rev, u16 min/max
// full rev, 4 reserved, "digest appended" flag); segments (u32 address,
// u32 length, data); zero padding so the checksum (0xEF xor every segment
// byte) is the last byte of a 16-byte line; then, if flagged, the SHA-256
// of everything before it.
#include <array>
#include <cstdint>
#include <optional>

#include "harness.hpp"

namespace e2e {

struct ImageSpec {
  bool extended_header = true;        // false: ESP8266
  std::uint16_t chip_id = 0;          // esptool targets/*.py IMAGE_CHIP_ID
  bool sha256_appended = true;        // ignored without the extended header
  std::uint8_t flash_mode = 1;        // qout: no guide asks for it, so a change shows
  std::uint8_t size_freq = 0x12;      // size code 1, frequency code 2 (20m)
  std::size_t segment_size = 0x1000;  // bytes of the one segment
  std::size_t trailing = 0;           // bytes after the image (a merged firmware)
  std::uint32_t seed = 1;
};

struct BuiltImage {
  Bytes bytes;
  std::size_t data_length = 0;  // header .. checksum line, what the digest covers
  bool sha256_appended = false;
};

BuiltImage build_image(const ImageSpec& spec);

// FIPS 180-4 SHA-256, written here so the digest check does not lean on
// espbak's own code.
std::array<std::uint8_t, 32> sha256_of(const std::uint8_t* data, std::size_t size);

// `image` with header bytes 2 and 3 set as esptool's _update_image_flash_params
// would leave them, and the appended digest recomputed when the image has one.
Bytes patched_image(const BuiltImage& image, std::uint8_t flash_mode, std::uint8_t size_freq);

}  // namespace e2e
