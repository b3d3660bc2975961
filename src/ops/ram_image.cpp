// The image reader load_ram needs (ram_image.hpp): esptool v5.3.1
// bin_image.py's segment layout, nothing else. Its own file so that the
// fuzz target (tests/fuzz/fuzz_ram_image) builds without the ops layer.
#include <fmt/format.h>

#include <fstream>
#include <iterator>

#include "espbak/ops/image.hpp"  // kImageMagic
#include "espbak/ops/ram_image.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

namespace {

constexpr std::uint8_t kEsp8266V2Magic = 0xEA;      // ESP8266V2FirmwareImage.IMAGE_V2_MAGIC
constexpr std::size_t kCommonHeaderSize = 8;        // magic, segments, flash mode, size/freq, u32 entry
constexpr std::size_t kExtendedHeaderSize = 16;     // ESP32 and later
constexpr std::size_t kSegmentHeaderSize = 8;       // u32 address, u32 length
constexpr std::size_t kMaxSegments = 16;            // bin_image.py verify()

std::uint32_t le32(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint32_t(b[at]) | std::uint32_t(b[at + 1]) << 8 | std::uint32_t(b[at + 2]) << 16 |
         std::uint32_t(b[at + 3]) << 24;
}

}  // namespace

RamImage parse_ram_image(std::span<const std::uint8_t> bytes, bool extended_header) {
  const std::size_t header = kCommonHeaderSize + (extended_header ? kExtendedHeaderSize : 0);
  if (bytes.size() < header)
    throw Error(ErrorKind::input, fmt::format("image too short: {} bytes, its header needs {}", bytes.size(), header));
  if (bytes[0] == kEsp8266V2Magic && !extended_header)
    throw Error(ErrorKind::input,
                "ESP8266 V2 (OTA bootloader) image: load_ram takes a V1 image (magic 0xe9); espbak does not read V2 "
                "images");
  if (bytes[0] != kImageMagic)
    throw Error(ErrorKind::input, fmt::format("Invalid firmware image magic={:#x}", bytes[0]));
  const std::size_t count = bytes[1];
  if (count > kMaxSegments)
    throw Error(ErrorKind::input, fmt::format("Invalid segment count {} (max 16). Usually this indicates a linker "
                                              "script problem.",
                                              count));
  RamImage image;
  image.entry = le32(bytes, 4);
  std::size_t at = header;
  for (std::size_t i = 0; i < count; ++i) {
    if (bytes.size() - at < kSegmentHeaderSize)
      throw Error(ErrorKind::input, fmt::format("End of file reading the header of segment {} at offset {:#x}", i, at));
    RamSegment seg;
    seg.addr = le32(bytes, at);
    const std::uint32_t size = le32(bytes, at + 4);
    at += kSegmentHeaderSize;
    if (bytes.size() - at < size)
      throw Error(ErrorKind::input, fmt::format("End of file reading segment {:#x}, length {} (actual length {})",
                                                seg.addr, size, bytes.size() - at));
    seg.data.assign(bytes.begin() + std::ptrdiff_t(at), bytes.begin() + std::ptrdiff_t(at + size));
    at += size;
    image.segments.push_back(std::move(seg));
  }
  return image;
}

RamImage read_ram_image_file(const std::string& path, bool extended_header) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::input, fmt::format("cannot read image file '{}'", path));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorKind::input, fmt::format("cannot read image file '{}'", path));
  try {
    return parse_ram_image(bytes, extended_header);
  } catch (const Error& e) {
    throw Error(e.kind(), fmt::format("{}: {}", path, e.what()));
  }
}

}  // namespace espbak
