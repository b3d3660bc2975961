#pragma once
// A firmware image as esptool v5.3.1 reads one (bin_image.py
// LoadFirmwareImage): the ESP8266's v1 (0xE9) and v2 (0xEA, IROM first)
// images, and the ESP32-family image with its 16-byte extended header and
// appended SHA-256. Pure functions over bytes: no file, no port.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "espbak/chips/chip.hpp"

namespace espbak::image {

constexpr std::uint8_t kMagic = 0xE9;          // ESPLoader.ESP_IMAGE_MAGIC
constexpr std::uint8_t kEsp8266V2Magic = 0xEA;  // ESP8266V2FirmwareImage.IMAGE_V2_MAGIC
constexpr std::uint8_t kChecksumSeed = 0xEF;    // ESPLoader.ESP_CHECKSUM_MAGIC
constexpr std::size_t kMaxSegments = 16;        // BaseFirmwareImage.verify()
constexpr std::uint8_t kWpPinDisabled = 0xEE;   // ESP32FirmwareImage.WP_PIN_DISABLED

struct Segment {
  std::uint32_t addr = 0;
  std::uint32_t file_offset = 0;  // where its 8-byte segment header starts
  // The bytes as esptool holds them: a segment with a non-zero address is
  // zero-padded to a multiple of 4 (ImageSegment.__init__).
  std::vector<std::uint8_t> data;
  std::uint32_t stored_length = 0;  // the length field in the file
  bool in_checksum = true;          // false for the ESP8266 v2 IROM segment
};

// The 16 bytes after the common header (ESP32FirmwareImage
// EXTENDED_HEADER_STRUCT_FMT "<BBBBHBHH" + 4 reserved + append_digest).
struct ExtendedHeader {
  std::uint8_t wp_pin = kWpPinDisabled;
  std::uint8_t clk_drv = 0, q_drv = 0, d_drv = 0, cs_drv = 0, hd_drv = 0, wp_drv = 0;
  std::uint16_t chip_id = 0;
  std::uint8_t min_rev = 0;
  std::uint16_t min_rev_full = 0, max_rev_full = 0;
  bool append_digest = false;
};

struct FirmwareImage {
  int version = 1;  // 2 for the ESP8266 v2 image
  std::uint8_t flash_mode = 0;
  std::uint8_t flash_size_freq = 0;  // size code high nibble, frequency low
  std::uint32_t entry = 0;
  std::optional<ExtendedHeader> extended;  // nullopt: an ESP8266 image
  std::vector<Segment> segments;
  std::uint8_t checksum = 0;             // stored
  std::uint8_t calculated_checksum = 0;  // 0xEF xor every checksummed byte
  // With an appended digest: the stored 32 bytes (fewer when the file ends
  // early) and the SHA-256 of the image up to its checksum byte.
  std::vector<std::uint8_t> stored_digest;
  std::array<std::uint8_t, 32> calculated_digest{};
  std::size_t data_length = 0;  // header .. checksum byte, inclusive
  // What esptool warns about while reading ("Suspicious segment ...").
  std::vector<std::string> warnings;

  bool digest_appended() const { return extended && extended->append_digest; }
  bool checksum_valid() const { return checksum == calculated_checksum; }
  bool digest_valid() const;
};

// Reads `bytes` as an image of `chip` (its row's extended_image_header
// quirk says which format). Throws Error(input) with one line naming what
// is wrong: empty, bad magic, truncated header / segment / checksum, an
// append_digest byte other than 0 or 1, more than 16 segments.
FirmwareImage parse_firmware_image(const ChipInfo& chip, std::span<const std::uint8_t> bytes);

// The chip an image is for when --chip is not given (esptool cmds.py
// _parse_image_info_header): the extended header's chip id byte names a
// chip row; an append_digest byte other than 0/1 or an unknown id means an
// ESP8266 image (a file shorter than 24 bytes: the last byte read stands for
// append_digest, a missing id byte for 0, as esptool reads them). Throws Error(input) for an empty file or a first byte that
// is neither 0xE9 nor 0xEA.
const ChipInfo& detect_image_chip(std::span<const std::uint8_t> bytes);

// The chip row whose IMAGE_CHIP_ID is `id` (nullptr: none).
const ChipInfo* chip_by_image_id(std::uint16_t id);

// esptool's checksum: `seed` xor every byte.
std::uint8_t checksum(std::span<const std::uint8_t> data, std::uint8_t seed = kChecksumSeed);

}  // namespace espbak::image
