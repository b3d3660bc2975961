// Reading firmware images by esptool v5.3.1's rules (esptool/bin_image.py:
// BaseFirmwareImage.load_common_header / load_segment / read_checksum /
// verify, ESP8266ROMFirmwareImage, ESP8266V2FirmwareImage,
// ESP32FirmwareImage.load_extended_header). Where esptool dies of a Python
// exception on a short file (struct.error, TypeError), espbak says which
// part is missing instead.
#include "espbak/image/firmware_image.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "espbak/util/error.hpp"
#include "espbak/util/sha256.hpp"

namespace espbak::image {

namespace {

Error bad(const std::string& what) { return Error(ErrorKind::input, what); }

std::uint16_t u16_at(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint16_t(b[at] | (b[at + 1] << 8));
}
std::uint32_t u32_at(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint32_t(b[at]) | std::uint32_t(b[at + 1]) << 8 | std::uint32_t(b[at + 2]) << 16 |
         std::uint32_t(b[at + 3]) << 24;
}

// A read position over the image, as esptool's BytesIO.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return pos_ < bytes_.size() ? bytes_.size() - pos_ : 0; }
  std::span<const std::uint8_t> take(std::size_t n, const char* what) {
    if (left() < n)
      throw bad(fmt::format("Image is truncated: {} needs {} bytes at offset {:#x}, the file has {} more", what, n,
                            pos_, left()));
    auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  // Up to n bytes (fewer at the end), as file.read(n).
  std::span<const std::uint8_t> take_some(std::size_t n) {
    n = std::min(n, left());
    auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  void skip(std::size_t n) { pos_ += n; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

struct CommonHeader {
  std::size_t segments;
  std::uint8_t flash_mode, flash_size_freq;
  std::uint32_t entry;
};

CommonHeader read_common_header(Reader& r, std::uint8_t expected_magic) {
  auto h = r.take(8, "the 8-byte image header");
  if (h[0] != expected_magic) throw bad(fmt::format("Invalid firmware image magic={:#x}", h[0]));
  return {h[1], h[2], h[3], u32_at(h, 4)};
}

// BaseFirmwareImage.warn_if_unusual_segment (the ESP8266 images only; the
// ESP32 image class overrides it with nothing).
void warn_if_unusual(FirmwareImage& img, std::uint32_t addr, std::uint32_t len) {
  if (addr > 0x40200000 || addr < 0x3FFE0000 || len > 65536)
    img.warnings.push_back(fmt::format("Suspicious segment {:#x}, length {}", addr, len));
}

Segment& read_segment(Reader& r, FirmwareImage& img, bool check_unusual) {
  Segment s;
  s.file_offset = std::uint32_t(r.pos());
  auto h = r.take(8, fmt::format("the header of segment {}", img.segments.size()).c_str());
  s.addr = u32_at(h, 0);
  s.stored_length = u32_at(h, 4);
  if (check_unusual) warn_if_unusual(img, s.addr, s.stored_length);
  auto data = r.take_some(s.stored_length);
  if (data.size() < s.stored_length)
    throw bad(fmt::format("End of file reading segment {:#x}, length {} (actual length {})", s.addr,
                          s.stored_length, data.size()));
  s.data.assign(data.begin(), data.end());
  if (s.addr != 0 && s.data.size() % 4) {
    img.warnings.push_back(fmt::format("Segment {} at {:#x} has length {:#x}, not a multiple of 4 (zero-padded)",
                                       img.segments.size(), s.addr, s.stored_length));
    s.data.resize(s.data.size() + 4 - s.data.size() % 4, 0);
  }
  img.segments.push_back(std::move(s));
  return img.segments.back();
}

// The checksum is the last byte of a 16-byte line (align_file_position).
void read_checksum(Reader& r, FirmwareImage& img) {
  r.skip(15 - r.pos() % 16);
  img.checksum = r.take(1, "the checksum byte")[0];
  img.data_length = r.pos();
  std::uint8_t sum = kChecksumSeed;
  for (const auto& s : img.segments)
    if (s.in_checksum) sum = checksum(s.data, sum);
  img.calculated_checksum = sum;
}

void verify_segment_count(const FirmwareImage& img) {
  if (img.segments.size() > kMaxSegments)
    throw bad(fmt::format("Invalid segment count {} (max 16). Usually this indicates a linker script problem.",
                          img.segments.size()));
}

ExtendedHeader read_extended_header(Reader& r, const ChipInfo& chip, FirmwareImage& img) {
  auto b = r.take(16, "the 16-byte extended header");
  ExtendedHeader x;
  x.wp_pin = b[0];
  x.clk_drv = b[1] & 0x0F, x.q_drv = b[1] >> 4;
  x.d_drv = b[2] & 0x0F, x.cs_drv = b[2] >> 4;
  x.hd_drv = b[3] & 0x0F, x.wp_drv = b[3] >> 4;
  x.chip_id = u16_at(b, 4);
  if (chip.image.chip_id && x.chip_id != *chip.image.chip_id)
    img.warnings.push_back(fmt::format("Unexpected chip ID in image. Expected {} but value was {}. Is this image for "
                                       "a different chip model?",
                                       *chip.image.chip_id, x.chip_id));
  x.min_rev = b[6];
  x.min_rev_full = u16_at(b, 7);
  x.max_rev_full = u16_at(b, 9);
  if (b[15] > 1) throw bad(fmt::format("Invalid value for append_digest field ({:#04x}). Should be 0 or 1.", b[15]));
  x.append_digest = b[15] == 1;
  return x;
}

FirmwareImage parse_esp32(Reader& r, std::span<const std::uint8_t> bytes, const ChipInfo& chip) {
  FirmwareImage img;
  CommonHeader h = read_common_header(r, kMagic);
  img.flash_mode = h.flash_mode, img.flash_size_freq = h.flash_size_freq, img.entry = h.entry;
  img.extended = read_extended_header(r, chip, img);
  for (std::size_t i = 0; i < h.segments; ++i) read_segment(r, img, false);
  read_checksum(r, img);
  if (img.extended->append_digest) {
    auto stored = r.take_some(32);
    img.stored_digest.assign(stored.begin(), stored.end());
    img.calculated_digest = sha256(bytes.first(img.data_length));
  }
  verify_segment_count(img);
  return img;
}

FirmwareImage parse_esp8266_v1(Reader& r) {
  FirmwareImage img;
  CommonHeader h = read_common_header(r, kMagic);
  img.flash_mode = h.flash_mode, img.flash_size_freq = h.flash_size_freq, img.entry = h.entry;
  for (std::size_t i = 0; i < h.segments; ++i) read_segment(r, img, true);
  read_checksum(r, img);
  verify_segment_count(img);
  return img;
}

// The v2 image: a first header (0xEA, "segment count" 4), the IROM segment
// (stored with load address 0, not checksummed), then a v1 image.
FirmwareImage parse_esp8266_v2(Reader& r) {
  FirmwareImage img;
  img.version = 2;
  CommonHeader first = read_common_header(r, kEsp8266V2Magic);
  if (first.segments != 4)
    img.warnings.push_back(fmt::format("V2 header has unexpected \"segment\" count {} (usually 4)", first.segments));
  Segment& irom = read_segment(r, img, false);
  irom.addr = 0;
  irom.in_checksum = false;
  CommonHeader h = read_common_header(r, kMagic);
  if (first.flash_mode != h.flash_mode)
    img.warnings.push_back(fmt::format("Flash mode value in first header ({:#04x}) disagrees with second ({:#04x}). "
                                       "Using second value.",
                                       first.flash_mode, h.flash_mode));
  if (first.flash_size_freq != h.flash_size_freq)
    img.warnings.push_back(fmt::format("Flash size/freq value in first header ({:#04x}) disagrees with second "
                                       "({:#04x}). Using second value.",
                                       first.flash_size_freq, h.flash_size_freq));
  if (first.entry != h.entry)
    img.warnings.push_back(fmt::format("Entrypoint address in first header ({:#010x}) disagrees with second header "
                                       "({:#010x}). Using second value.",
                                       first.entry, h.entry));
  img.flash_mode = h.flash_mode, img.flash_size_freq = h.flash_size_freq, img.entry = h.entry;
  for (std::size_t i = 0; i < h.segments; ++i) read_segment(r, img, true);
  read_checksum(r, img);
  verify_segment_count(img);
  return img;
}

}  // namespace

bool FirmwareImage::digest_valid() const {
  return stored_digest.size() == calculated_digest.size() &&
         std::equal(stored_digest.begin(), stored_digest.end(), calculated_digest.begin());
}

std::uint8_t checksum(std::span<const std::uint8_t> data, std::uint8_t seed) {
  for (auto b : data) seed ^= b;
  return seed;
}

FirmwareImage parse_firmware_image(const ChipInfo& chip, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) throw bad("Image is empty.");
  Reader r(bytes);
  if (chip.quirks.extended_image_header) return parse_esp32(r, bytes, chip);
  // LoadFirmwareImage: the ESP8266's first byte picks the format.
  if (bytes[0] == kMagic) return parse_esp8266_v1(r);
  if (bytes[0] == kEsp8266V2Magic) return parse_esp8266_v2(r);
  throw bad(fmt::format("Invalid image magic number: {}", bytes[0]));
}

const ChipInfo* chip_by_image_id(std::uint16_t id) {
  for (const auto& chip : all_chips())
    if (chip.image.chip_id && *chip.image.chip_id == id) return &chip;
  return nullptr;
}

const ChipInfo& detect_image_chip(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) throw bad("Image is empty.");
  if (bytes[0] != kMagic && bytes[0] != kEsp8266V2Magic)
    throw bad(fmt::format("This is not a valid image (invalid magic number: {:#x}).", bytes[0]));
  const ChipInfo* esp8266 = nullptr;
  for (const auto& chip : all_chips())
    if (!chip.quirks.extended_image_header) esp8266 = &chip;
  // esptool reads up to 16 bytes after the 8-byte header and looks at the
  // last one read and at the fifth (0 when the file ends before it); with
  // nothing after the header it fails with an IndexError, espbak reads an
  // ESP8266 image.
  const std::size_t read = std::min<std::size_t>(bytes.size(), 24);
  if (read <= 8) return *esp8266;
  if (bytes[read - 1] > 1) return *esp8266;  // "Append digest field not 0 or 1."
  // Only the low byte of the 16-bit chip id field (extended_header[4:5]).
  const ChipInfo* chip = chip_by_image_id(read > 12 ? bytes[12] : 0);
  return chip ? *chip : *esp8266;
}

}  // namespace espbak::image
