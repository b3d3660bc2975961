// image_info's report, worded as esptool v5.3.1 cmds.py image_info,
// _parse_image_info_header, _print_image_info, _parse_app_info and
// _parse_bootloader_info word it (Python's format specs rendered with
// fmt's equivalents: "{:#8x}", "{:#07x}", "{:#010x}", "{:#04x}", "{:#02x}").
#include "espbak/image/image_info.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "espbak/util/error.hpp"

namespace espbak::image {

namespace {

std::uint16_t u16_at(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint16_t(b[at] | (b[at + 1] << 8));
}
std::uint32_t u32_at(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint32_t(b[at]) | std::uint32_t(b[at + 1]) << 8 | std::uint32_t(b[at + 2]) << 16 |
         std::uint32_t(b[at + 3]) << 24;
}

// esptool util.sanitize_string: the field's bytes without their NULs (all
// of them, not only the trailing ones).
std::string sanitized(std::span<const std::uint8_t> field) {
  std::string s;
  for (auto c : field)
    if (c) s.push_back(char(c));
  return s;
}

std::string lower_hex(std::span<const std::uint8_t> bytes) {
  std::string s;
  for (auto b : bytes) s += fmt::format("{:02x}", b);
  return s;
}

// 2**n // 1024 in decimal, for any n a byte holds (Python's integers do not overflow).
std::string power_of_two_kb(unsigned n) {
  if (n < 10) return "0";
  std::string digits = "1";  // least significant first
  for (unsigned i = 10; i < n; ++i) {
    int carry = 0;
    for (auto& d : digits) {
      int v = (d - '0') * 2 + carry;
      d = char('0' + v % 10);
      carry = v / 10;
    }
    if (carry) digits.push_back(char('0' + carry));
  }
  return std::string(digits.rbegin(), digits.rend());
}

// cmds.py FLASH_MODES.
constexpr const char* kFlashModes[] = {"QIO", "QOUT", "DIO", "DOUT"};

const char* flash_code_name(const std::vector<FlashCode>& table, std::uint8_t code) {
  for (const auto& c : table)  // get_key_from_value: the first name with that code
    if (c.code == code) return c.name.data();
  return nullptr;
}

std::string title_lines(std::vector<InfoLine>& out, const std::string& title) {
  out.push_back({InfoLine::Kind::info, title});
  out.push_back({InfoLine::Kind::info, std::string(title.size(), '=')});
  return title;
}

void info(std::vector<InfoLine>& out, std::string text) { out.push_back({InfoLine::Kind::info, std::move(text)}); }
void warn(std::vector<InfoLine>& out, std::string text) { out.push_back({InfoLine::Kind::warning, std::move(text)}); }

// The names of every MEMORY_MAP range the address falls in (ImageSegment.get_memory_type).
std::vector<std::string_view> memory_types(const ChipInfo& chip, std::uint32_t addr) {
  std::vector<std::string_view> names;
  for (const auto& r : chip.image.memory_map)
    if (r.start <= addr && addr < r.end) names.push_back(r.name);
  return names;
}

bool has(const std::vector<std::string_view>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void describe_header(std::vector<InfoLine>& out, const ChipInfo& chip, const FirmwareImage& image) {
  info(out, "");
  title_lines(out, fmt::format("{} Image Header", chip.name));
  info(out, fmt::format("Image version: {}", image.version));
  info(out, image.entry ? fmt::format("Entry point: {:#8x}", image.entry) : "Entry point not set");
  info(out, fmt::format("Segments: {}", image.segments.size()));
  std::uint8_t size_bits = image.flash_size_freq & 0xF0, freq_bits = image.flash_size_freq & 0x0F;
  if (const char* size = flash_code_name(chip.flash_sizes, size_bits))
    info(out, fmt::format("Flash size: {}", size));
  else
    warn(out, fmt::format("Invalid flash size ({:#02x})", size_bits));
  if (const char* freq = flash_code_name(chip.flash_freqs, freq_bits))
    info(out, fmt::format("Flash freq: {}", freq));
  else
    warn(out, fmt::format("Invalid flash frequency ({:#02x})", freq_bits));
  if (image.flash_mode < 4)
    info(out, fmt::format("Flash mode: {}", kFlashModes[image.flash_mode]));
  else
    warn(out, fmt::format("Invalid flash mode ({})", image.flash_mode));
}

void describe_extended_header(std::vector<InfoLine>& out, const ChipInfo& chip, const ExtendedHeader& x) {
  info(out, "");
  title_lines(out, fmt::format("{} Extended Image Header", chip.name));
  info(out, fmt::format("WP pin: {:#02x}{}", x.wp_pin, x.wp_pin == kWpPinDisabled ? " (disabled)" : ""));
  info(out, fmt::format("Flash pins drive settings: clk_drv: {:#02x}, q_drv: {:#02x}, d_drv: {:#02x}, "
                        "cs0_drv: {:#02x}, hd_drv: {:#02x}, wp_drv: {:#02x}",
                        x.clk_drv, x.q_drv, x.d_drv, x.cs_drv, x.hd_drv, x.wp_drv));
  const ChipInfo* named = chip_by_image_id(x.chip_id);
  info(out, fmt::format("Chip ID: {} ({})", x.chip_id, named ? named->name : "Unknown ID"));
  info(out, fmt::format("Minimal chip revision: v{}.{}, (legacy min_rev = {})", x.min_rev_full / 100,
                        x.min_rev_full % 100, x.min_rev));
  info(out, fmt::format("Maximal chip revision: v{}.{}", x.max_rev_full / 100, x.max_rev_full % 100));
}

void describe_app(std::vector<InfoLine>& out, const AppDescription& app) {
  info(out, "");
  title_lines(out, "Application Information");
  info(out, "Project name: " + app.project_name);
  info(out, "App version: " + app.version);
  info(out, fmt::format("Compile time: {} {}", app.date, app.time));
  info(out, "ELF file SHA256: " + app.elf_sha256);
  info(out, "ESP-IDF: " + app.idf_ver);
  info(out, fmt::format("Minimal eFuse block revision: {}.{}", app.min_efuse_blk_rev_full / 100,
                        app.min_efuse_blk_rev_full % 100));
  info(out, fmt::format("Maximal eFuse block revision: {}.{}", app.max_efuse_blk_rev_full / 100,
                        app.max_efuse_blk_rev_full % 100));
  if (app.mmu_page_size) info(out, fmt::format("MMU page size: {} KB", power_of_two_kb(app.mmu_page_size)));
  info(out, fmt::format("Secure version: {}", app.secure_version));
}

}  // namespace

std::optional<AppDescription> parse_app_description(std::span<const std::uint8_t> s) {
  // "<II8s32s32s16s16s32s32sHHB3s72s": magic, secure_version, reserv1,
  // version, project_name, time, date, idf_ver, app_elf_sha256, min/max
  // eFuse block revision, mmu_page_size, reserv3, reserv2.
  if (s.size() < kAppDescSize || u32_at(s, 0) != kAppDescMagic) return std::nullopt;
  AppDescription d;
  d.secure_version = u32_at(s, 4);
  d.version = sanitized(s.subspan(16, 32));
  d.project_name = sanitized(s.subspan(48, 32));
  d.time = sanitized(s.subspan(80, 16));
  d.date = sanitized(s.subspan(96, 16));
  d.idf_ver = sanitized(s.subspan(112, 32));
  d.elf_sha256 = lower_hex(s.subspan(144, 32));
  d.min_efuse_blk_rev_full = u16_at(s, 176);
  d.max_efuse_blk_rev_full = u16_at(s, 178);
  d.mmu_page_size = s[180];
  return d;
}

std::optional<BootloaderDescription> parse_bootloader_description(std::span<const std::uint8_t> s) {
  // "<B3sI32s24s16s": magic_byte, reserv1, version, idf_ver, date_time, reserv2.
  if (s.size() < kBootloaderDescSize || s[0] != kBootloaderDescMagic) return std::nullopt;
  BootloaderDescription d;
  d.version = u32_at(s, 4);
  d.idf_ver = sanitized(s.subspan(8, 32));
  d.date_time = sanitized(s.subspan(40, 24));
  return d;
}

std::vector<InfoLine> describe_image(const ChipInfo& chip, const FirmwareImage& image) {
  std::vector<InfoLine> out;
  for (const auto& w : image.warnings) warn(out, w);
  describe_header(out, chip, image);
  if (image.extended) describe_extended_header(out, chip, *image.extended);
  info(out, "");

  title_lines(out, "Segments Information");
  info(out, fmt::format("{:>7}  {:>7}  {:>10}  {:>10}  {:10}", "Segment", "Length", "Load addr", "File offs",
                        "Memory types"));
  info(out, fmt::format("{}  {}  {}  {}  {}", std::string(7, '-'), std::string(7, '-'), std::string(10, '-'),
                        std::string(10, '-'), std::string(12, '-')));
  const Segment* app_desc = nullptr;
  const Segment* bootloader_desc = nullptr;
  for (std::size_t i = 0; i < image.segments.size(); ++i) {
    const Segment& seg = image.segments[i];
    auto types = memory_types(chip, seg.addr);
    std::string names;
    for (auto t : types) names += (names.empty() ? "" : ", ") + std::string(t);
    // The first DROM segment starts with esp_app_desc_t; a DRAM one of 80
    // bytes or more with esp_bootloader_desc_t (the last such one counts).
    if (has(types, "DROM") && !app_desc)
      app_desc = &seg;
    else if (has(types, "DRAM") && seg.data.size() >= kBootloaderDescSize)
      bootloader_desc = &seg;
    info(out, fmt::format("{:7}  {:#07x}  {:#010x}  {:#010x}  {}", i, seg.data.size(), seg.addr, seg.file_offset,
                          names));
  }
  info(out, "");

  title_lines(out, fmt::format("{} Image Footer", chip.name));
  info(out, image.checksum_valid()
                ? fmt::format("Checksum: {:#04x} (valid)", image.checksum)
                : fmt::format("Checksum: {:#04x} (invalid - calculated {:#04x})", image.checksum,
                              image.calculated_checksum));
  if (image.digest_appended())
    info(out, fmt::format("Validation hash: {} ({})", lower_hex(image.calculated_digest),
                          image.digest_valid() ? "valid" : "invalid"));

  // esptool tests the segment's bytes for truth: an empty DROM segment
  // lets the bootloader description through.
  if (app_desc && !app_desc->data.empty()) {
    if (auto app = parse_app_description(app_desc->data)) describe_app(out, *app);
  } else if (bootloader_desc) {
    if (auto boot = parse_bootloader_description(bootloader_desc->data)) {
      info(out, "");
      title_lines(out, "Bootloader Information");
      info(out, fmt::format("Bootloader version: {}", boot->version));
      info(out, "ESP-IDF: " + boot->idf_ver);
      info(out, "Compile time: " + boot->date_time);
    }
  }
  return out;
}

namespace {

// esptool's `Detected image type: ` + detected_chip.upper() (v4 and v5): the
// ROM class's CHIP_NAME ("ESP32-S3"), or "esp8266" when the header names no chip.
std::string detected_type_line(const ChipInfo& target) {
  std::string upper(target.name);
  for (auto& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  return "Detected image type: " + upper;
}

}  // namespace

std::vector<InfoLine> describe_image_file(std::span<const std::uint8_t> bytes, const ChipInfo* chip) {
  std::vector<InfoLine> out;
  const ChipInfo& target = chip ? *chip : detect_image_chip(bytes);
  if (chip) {  // _parse_image_info_header checks the magic in either case
    if (bytes.empty()) throw Error(ErrorKind::input, "Image is empty.");
    if (bytes[0] != kMagic && bytes[0] != kEsp8266V2Magic)
      throw Error(ErrorKind::input,
                  fmt::format("This is not a valid image (invalid magic number: {:#x}).", bytes[0]));
  }
  FirmwareImage image = parse_firmware_image(target, bytes);
  info(out, fmt::format("Image size: {} bytes", bytes.size()));
  if (!chip) info(out, detected_type_line(target));
  for (auto& line : describe_image(target, image)) out.push_back(std::move(line));
  return out;
}

// esptool v4.9.1 cmds.py image_info with --version 1 (v4's default): the
// legacy lines, `File size: N (bytes)`, the entry point as "{:8x}", one
// "Segment N: len 0x%05x load 0x%08x file_offs 0x%08x [TYPES]" line per
// segment (bin_image.py ImageSegment.__repr__, types joined by ","), the
// checksum as "{:02x}" and, with a digest appended, `Validation Hash:`.
std::vector<InfoLine> describe_image_file_v1(std::span<const std::uint8_t> bytes, const ChipInfo* chip) {
  std::vector<InfoLine> out;
  info(out, fmt::format("File size: {} (bytes)", bytes.size()));
  if (bytes.empty()) throw Error(ErrorKind::input, "File is empty");
  if (bytes[0] != kMagic && bytes[0] != kEsp8266V2Magic)
    throw Error(ErrorKind::input, fmt::format("This is not a valid image (invalid magic number: {:#x})", bytes[0]));
  const ChipInfo& target = chip ? *chip : detect_image_chip(bytes);
  if (!chip) info(out, detected_type_line(target));
  const FirmwareImage image = parse_firmware_image(target, bytes);
  for (const auto& w : image.warnings) warn(out, w);
  info(out, fmt::format("Image version: {}", image.version));
  info(out, image.entry ? fmt::format("Entry point: {:8x}", image.entry) : "Entry point not set");
  info(out, fmt::format("{} segments", image.segments.size()));
  info(out, "");
  for (std::size_t i = 0; i < image.segments.size(); ++i) {
    const Segment& seg = image.segments[i];
    std::string names;
    for (auto t : memory_types(target, seg.addr)) names += (names.empty() ? "" : ",") + std::string(t);
    info(out, fmt::format("Segment {}: len {:#07x} load {:#010x} file_offs {:#010x} [{}]", i + 1, seg.data.size(),
                          seg.addr, seg.file_offset, names));
  }
  info(out, image.checksum_valid() ? fmt::format("Checksum: {:02x} (valid)", image.checksum)
                                   : fmt::format("Checksum: {:02x} (invalid - calculated {:02x})", image.checksum,
                                                 image.calculated_checksum));
  if (image.digest_appended())
    info(out, fmt::format("Validation Hash: {} ({})", lower_hex(image.calculated_digest),
                          image.digest_valid() ? "valid" : "invalid"));
  return out;
}

}  // namespace espbak::image
