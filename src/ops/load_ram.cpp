// load_ram FILE and run: code into RAM and started (esptool v5.3.1 cmds.py
// load_ram, run), and the image reader load_ram needs (ram_image.hpp).
#include <fmt/format.h>

#include <fstream>
#include <iterator>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/image.hpp"
#include "espbak/ops/ram_image.hpp"
#include "espbak/protocol/opcodes.hpp"
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

void cmd_load_ram(Session& s, const std::string& path) {
  s.refuse_in_secure_download_mode("load_ram", "RAM downloads are refused");
  // The file is read again here, now that the chip (and so its header form)
  // is known: the check before connecting used --chip or the ESP32 form.
  RamImage image = read_ram_image_file(path, s.chip().quirks.extended_image_header);
  Reporter& r = s.report();
  r.info(fmt::format("Loading '{}' to RAM...", path));
  // Each segment: MEM_BEGIN, then MEM_DATA blocks of ESP_RAM_BLOCK bytes.
  // Not retried: a repeat after a fault would need the whole image again.
  Loader& l = s.loader();
  for (std::size_t i = 0; i < image.segments.size(); ++i) {
    const RamSegment& seg = image.segments[i];
    const auto size = std::uint32_t(seg.data.size());
    r.info(fmt::format("Downloading {} bytes at {:#010x}...", size, seg.addr));
    const std::uint32_t blocks = (size + kRamBlockSize - 1) / kRamBlockSize;
    l.mem_begin(size, blocks, kRamBlockSize, seg.addr);
    for (std::uint32_t seq = 0; seq < blocks; ++seq) {
      const std::uint32_t from = seq * kRamBlockSize;
      l.mem_block(std::span(seg.data).subspan(from, std::min(kRamBlockSize, size - from)), seq);
    }
  }
  r.info(fmt::format("Loaded {} segments from '{}' to RAM, executing at {:#010x}.", image.segments.size(), path,
                     image.entry));
  l.mem_finish(image.entry);
  r.json().set("segments", std::uint64_t(image.segments.size()));
  r.json().set("entry", fmt::format("{:#010x}", image.entry));
}

void cmd_run(Session& s) {
  s.refuse_in_secure_download_mode("run", "FLASH_END is not how the mode leaves the loader");
  s.attach_flash();  // esptool run_cli: attach_flash (with the flash's software reset), then run()
  s.loader().reset_flash_chip();
  s.loader().run_user_code();
}

}  // namespace espbak
