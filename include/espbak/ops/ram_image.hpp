#pragma once
// A firmware image's load segments and entry point, as load_ram sends them
// to RAM: a minimal, self-contained reader of esptool's image layout
// (bin_image.py: the 8-byte common header, the 16-byte extended header on
// every chip but the ESP8266, then address/length/data segments). It reads
// only what load_ram needs; the full image parser (image_info) is a
// separate piece of work, which this reader should move onto.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace espbak {

struct RamSegment {
  std::uint32_t addr = 0;
  std::vector<std::uint8_t> data;
};

struct RamImage {
  std::uint32_t entry = 0;
  std::vector<RamSegment> segments;
};

// Error(input) with one line naming the problem (docs/errors.md): too short
// for its header, wrong magic byte, more than 16 segments, a segment past
// the end of the file. `extended_header`: the chip row's
// quirks.extended_image_header. Bytes after the last segment (checksum,
// digest) are not read.
RamImage parse_ram_image(std::span<const std::uint8_t> bytes, bool extended_header);

// load_ram FILE: reads and parses the file before connecting.
RamImage read_ram_image_file(const std::string& path, bool extended_header);

}  // namespace espbak
