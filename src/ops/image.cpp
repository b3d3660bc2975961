#include "espbak/ops/image.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"
#include "file_stamp.hpp"

namespace espbak {

namespace {

// esptool cmds.py FLASH_MODES.
struct ModeCode {
  const char* name;
  std::uint8_t code;
};
constexpr ModeCode kFlashModes[] = {{"qio", 0}, {"qout", 1}, {"dio", 2}, {"dout", 3}};

std::optional<std::uint8_t> lookup(const std::vector<FlashCode>& table, const std::string& name) {
  for (const auto& c : table)
    if (c.name == name) return c.code;
  return std::nullopt;
}

std::string names_of(const std::vector<FlashCode>& table) {
  std::string s;
  for (const auto& c : table) {
    if (!s.empty()) s += ", ";
    s += c.name;
  }
  return s;
}

std::optional<std::uint8_t> mode_code(const std::string& name) {
  for (const auto& m : kFlashModes)
    if (name == m.name) return m.code;
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> flash_mode_name(std::uint8_t code) {
  for (const auto& m : kFlashModes)
    if (code == m.code) return m.name;
  return std::nullopt;
}

Bytes pad_to(Bytes data, std::size_t alignment, std::uint8_t fill) {
  if (alignment > 1 && data.size() % alignment) data.resize(data.size() + alignment - data.size() % alignment, fill);
  return data;
}

namespace {

std::string describe_change(const FileStamp& before, const FileStamp& now) {
  if (before.device != now.device || before.inode != now.inode) return "replaced by another file";
  if (before.size != now.size) return fmt::format("size {} -> {} bytes", before.size, now.size);
  return "modified";
}

}  // namespace

std::vector<FlashRegion> load_regions(const std::vector<std::pair<std::uint32_t, std::string>>& pairs) {
  std::vector<FlashRegion> regions;
  for (const auto& [address, file] : pairs) {
    detail::FileRead read = detail::read_file_once(file);
    FlashRegion r;
    r.address = address;
    r.file = file;
    r.data = std::move(read.data);
    r.stamp = read.before;
    if (read.regular && (read.after != r.stamp || r.data.size() != r.stamp.size))
      throw Error(ErrorKind::input, fmt::format("'{}' changed while it was being read ({}); nothing was written", file,
                                                r.data.size() != r.stamp.size
                                                    ? fmt::format("{} bytes read of {}", r.data.size(), r.stamp.size)
                                                    : describe_change(r.stamp, read.after)));
    r.file_md5 = Md5::of(r.data);
    regions.push_back(std::move(r));
  }
  return regions;
}

std::optional<std::string> file_change(const FlashRegion& region) {
  bool regular = false;
  const std::optional<FileStamp> now = detail::stamp_now(region.file, regular);
  if (!now) return std::string("removed");
  if (!regular) return std::nullopt;  // a pipe or device: nothing to compare
  if (*now == region.stamp) return std::nullopt;
  return describe_change(region.stamp, *now);
}

void check_no_overlap(const std::vector<FlashRegion>& regions) {
  // Sorted by address, each region's first sector must come after the last
  // sector of the one before (esptool __init__.py AddrFilenamePairAction).
  std::vector<const FlashRegion*> sorted;
  for (const auto& r : regions) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const FlashRegion* a, const FlashRegion* b) { return a->address < b->address; });
  const std::uint64_t sector = 0x1000;
  bool have_previous = false;
  std::uint64_t previous_last_sector_byte = 0;
  for (const FlashRegion* r : sorted) {
    std::uint64_t sector_start = r->address & ~(sector - 1);
    std::uint64_t end = std::uint64_t(r->address) + r->data.size();
    std::uint64_t sector_end = ((end + sector - 1) & ~(sector - 1));
    if (have_previous && sector_start <= previous_last_sector_byte)
      throw Error(ErrorKind::input,
                  fmt::format("Detected overlap at address: {:#x} for file: {}", r->address, r->file));
    if (r->data.empty()) continue;  // skipped later; occupies no sector
    have_previous = true;
    previous_last_sector_byte = sector_end - 1;
  }
}

void check_regions_fit(const std::vector<FlashRegion>& regions, std::uint32_t flash_end) {
  for (const auto& r : regions) {
    if (std::uint64_t(r.address) + r.data.size() > flash_end)
      throw Error(ErrorKind::input,
                  fmt::format("File {} (length {}) at offset {:#x} will not fit in {} bytes ({}) of flash. "
                              "Change the flash_size argument, or flashing address.",
                              r.file, r.data.size(), r.address, flash_end, flash_size_name(flash_end)));
  }
}

void check_flash_params(const ChipInfo& chip, const FlashParams& params) {
  if (params.mode != "keep" && !mode_code(params.mode))
    throw Error(ErrorKind::usage, fmt::format("invalid flash mode '{}' (choose from keep, qio, qout, dio, dout)",
                                              params.mode));
  if (params.freq != "keep" && !lookup(chip.flash_freqs, params.freq))
    throw Error(ErrorKind::usage, fmt::format("flash frequency '{}' is not supported by {} (choose from keep, {})",
                                              params.freq, chip.name, names_of(chip.flash_freqs)));
  if (params.size != "keep" && params.size != "detect" && !lookup(chip.flash_sizes, params.size))
    throw Error(ErrorKind::usage,
                fmt::format("flash size '{}' is not supported by {} (choose from keep, detect, {})", params.size,
                            chip.name, names_of(chip.flash_sizes)));
}

std::optional<ImageLayout> parse_image_layout(const ChipInfo& chip, std::span<const std::uint8_t> image) {
  // Layout (esptool bin_image.py): 8-byte header (magic, segment count,
  // mode, size|freq, entry); on chips after the ESP8266 a 16-byte extended
  // header whose last byte says a SHA-256 digest is appended; segments of
  // (u32 addr, u32 len, data); padding so the checksum byte ends a 16-byte
  // line; then the digest.
  if (image.size() < 8 || image[0] != kImageMagic) return std::nullopt;
  std::size_t segments = image[1];
  if (segments > 16) return std::nullopt;  // BaseFirmwareImage.verify()
  const bool extended = chip.quirks.extended_image_header;
  std::size_t pos = 8;
  bool sha = false;
  if (extended) {
    if (image.size() < 24) return std::nullopt;
    std::uint8_t append_digest = image[23];
    if (append_digest > 1) return std::nullopt;
    sha = append_digest == 1;
    pos = 24;
  }
  for (std::size_t i = 0; i < segments; ++i) {
    if (pos + 8 > image.size()) return std::nullopt;
    std::uint32_t len = get_u32(image, pos + 4);
    pos += 8;
    if (len > image.size() - pos) return std::nullopt;
    pos += len;
  }
  pos += 15 - pos % 16;  // the checksum is the last byte of a 16-byte line
  if (pos >= image.size()) return std::nullopt;
  ImageLayout layout;
  layout.data_length = pos + 1;
  layout.sha256_appended = sha;
  if (sha && layout.data_length + 32 > image.size()) return std::nullopt;
  return layout;
}

PatchOutcome patch_image_header(const ChipInfo& chip, std::uint32_t address, const FlashParams& params, Bytes image) {
  PatchOutcome out;
  if (image.size() < 8 || address != chip.bootloader_offset || params.all_keep()) {
    out.image = std::move(image);
    return out;
  }
  check_flash_params(chip, params);
  if (image[0] != kImageMagic) {
    out.warnings.push_back(fmt::format(
        "Image file at {:#x} doesn't look like an image file, so not changing any flash settings.", address));
    out.image = std::move(image);
    return out;
  }
  auto layout = parse_image_layout(chip, image);
  if (!layout) {
    out.warnings.push_back(fmt::format(
        "Image file at {:#x} is not a valid {} image, so not changing any flash settings.", address, chip.name));
    out.image = std::move(image);
    return out;
  }
  std::uint8_t mode = image[2];
  std::uint8_t size_code = image[3] & 0xF0;
  std::uint8_t freq_code = image[3] & 0x0F;
  if (params.mode != "keep") mode = *mode_code(params.mode);
  if (params.freq != "keep") freq_code = *lookup(chip.flash_freqs, params.freq);
  if (params.size != "keep") size_code = *lookup(chip.flash_sizes, params.size);
  std::uint8_t size_freq = std::uint8_t(size_code | freq_code);
  if (mode != image[2] || size_freq != image[3]) {
    out.notes.push_back(fmt::format("Flash params set to {:#06x}", (unsigned(mode) << 8) | size_freq));
    image[2] = mode;
    image[3] = size_freq;
  }
  if (layout->sha256_appended) {
    auto digest = sha256(std::span(image.data(), layout->data_length));
    std::copy(digest.begin(), digest.end(), image.begin() + std::ptrdiff_t(layout->data_length));
    out.notes.push_back("SHA digest in image updated");
  }
  out.image = std::move(image);
  return out;
}

}  // namespace espbak
