// Backup manifests on a connected chip (espbak/ops/manifest_io.hpp): what
// read_flash writes beside a backup, and what write_flash checks before a
// backup goes onto a chip (docs/manifest.md, docs/cli.md "write_flash").
#include "espbak/ops/manifest_io.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "espbak/ops/part_file.hpp"
#include "espbak/ops/partitions.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {

namespace {

JsonObject range_json(const backup::ManifestRange& r) {
  JsonObject j;
  j.set("address", r.address);
  j.set("size", r.size);
  return j;
}

template <class T>
void set_or_null(JsonObject& j, const std::string& key, const std::optional<T>& v) {
  if (v) j.set(key, std::uint64_t(*v));
  else j.set_json(key, "null");
}

// Now, UTC, ISO 8601 to the second ("2026-12-02T15:31:00Z").
std::string utc_now() {
  using namespace std::chrono;
  const auto now = floor<seconds>(system_clock::now());
  const auto day = floor<days>(now);
  const year_month_day ymd{day};
  const hh_mm_ss hms{now - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", int(ymd.year()), unsigned(ymd.month()),
                     unsigned(ymd.day()), hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

// `length` bytes of the backup at flash address `at`, when the range read
// holds all of them.
std::optional<Bytes> bytes_at(const BackupRead& read, std::uint32_t at, std::uint32_t length) {
  if (at < read.address || std::uint64_t(at) + length > std::uint64_t(read.address) + read.size) return std::nullopt;
  std::ifstream in(read.file, std::ios::binary);
  Bytes out(length);
  in.seekg(std::streamoff(at - read.address));
  if (!in.read(reinterpret_cast<char*>(out.data()), std::streamsize(length)))
    throw Error(ErrorKind::input, fmt::format("cannot read back '{}' for its manifest", read.file));
  return out;
}

std::string code_name(const std::vector<FlashCode>& table, std::uint8_t code) {
  for (const auto& c : table)  // the first name with that code, as image_info shows it
    if (c.code == code) return std::string(c.name);
  return fmt::format("{:#x}", code);
}

// The common image header's flash settings (esptool bin_image.py: magic,
// segment count, flash mode, size << 4 | frequency).
std::optional<backup::ManifestImageHeader> image_header_of(const ChipInfo& chip, const BackupRead& read) {
  constexpr std::uint32_t kCommonHeaderSize = 8;
  auto header = bytes_at(read, chip.bootloader_offset, kCommonHeaderSize);
  if (!header || (*header)[0] != kImageMagic) return std::nullopt;
  backup::ManifestImageHeader h;
  h.address = chip.bootloader_offset;
  const std::uint8_t mode = (*header)[2], size_freq = (*header)[3];
  const auto mode_name = flash_mode_name(mode);
  h.flash_mode = mode_name ? std::string(*mode_name) : fmt::format("{:#x}", mode);
  h.flash_freq = code_name(chip.flash_freqs, size_freq & 0x0F);
  h.flash_size = code_name(chip.flash_sizes, size_freq & 0xF0);
  return h;
}

std::optional<backup::PartitionTable> partition_table_of(const BackupRead& read) {
  auto raw = bytes_at(read, backup::kDefaultPartitionTableOffset, backup::kPartitionTableMaxLength);
  if (!raw || !backup::looks_like_partition_table(*raw)) return std::nullopt;
  try {
    return backup::parse_partition_table(*raw, backup::kDefaultPartitionTableOffset);
  } catch (const Error&) {
    return std::nullopt;  // not a table (docs/manifest.md: then absent)
  }
}

std::string lower(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return text;
}

}  // namespace

std::string manifest_json(const backup::Manifest& m) {
  JsonObject j;
  j.set("format", std::string(backup::kManifestFormat));
  j.set("format_version", m.format_version);
  j.set("espbak_version", m.espbak_version);
  j.set("created", m.created);
  j.set("port", m.port);
  JsonObject chip;
  chip.set("family", m.chip.family);
  chip.set("description", m.chip.description);
  chip.set("mac", m.chip.mac);
  j.set("chip", chip);
  JsonObject flash;
  set_or_null(flash, "manufacturer", m.flash.manufacturer);
  set_or_null(flash, "device", m.flash.device);
  set_or_null(flash, "size", m.flash.size);
  j.set("flash", flash);
  j.set("range", range_json(m.range));
  JsonObject file;
  file.set("name", m.file.name);
  file.set("size", m.file.size);
  file.set("md5", m.file.md5);
  file.set("sha256", m.file.sha256);
  j.set("file", file);
  j.set_strings("erased_ranges", {});  // [] until the first push
  for (const auto& r : m.erased_ranges) j.push("erased_ranges", range_json(r));
  if (m.image_header) {
    JsonObject h;
    h.set("address", m.image_header->address);
    h.set("flash_mode", m.image_header->flash_mode);
    h.set("flash_freq", m.image_header->flash_freq);
    h.set("flash_size", m.image_header->flash_size);
    j.set("image_header", h);
  }
  if (m.partition_table) j.set("partition_table", partition_table_json(*m.partition_table));
  return j.dump() + "\n";
}

backup::Manifest manifest_for_read(Session& s, const BackupRead& read) {
  backup::Manifest m;
  m.espbak_version = read.espbak_version;
  m.created = utc_now();
  m.port = s.options().port;
  m.chip.family = std::string(s.chip().cli_name);
  m.chip.description = s.chip_description();
  m.chip.mac = s.mac() ? format_mac(*s.mac()) : std::string();
  // esptool print_flash_id(): manufacturer = byte 0; device = byte 1, byte 2.
  const std::uint32_t id = s.flash_id();  // read (and cached) before the read began
  m.flash.manufacturer = std::uint8_t(id & 0xFF);
  m.flash.device = std::uint16_t(((id >> 8) & 0xFF) << 8 | ((id >> 16) & 0xFF));
  m.flash.size = read.flash_size;
  m.range = {read.address, read.size};
  m.file.name = std::filesystem::path(read.file).filename().string();
  m.file.size = read.size;
  m.file.md5 = to_hex(read.md5);
  m.file.sha256 = to_hex(read.sha256);
  m.erased_ranges = read.erased;
  m.image_header = image_header_of(s.chip(), read);
  m.partition_table = partition_table_of(read);
  return m;
}

void write_manifest_beside(const backup::Manifest& m, const std::string& backup_path) {
  const std::string text = manifest_json(m);
  PartFile part(backup::manifest_path(backup_path));
  part.write(std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
  part.commit();
}

void attach_manifests(std::vector<FlashRegion>& regions, Reporter& report) {
  for (auto& region : regions) {
    region.manifest = backup::read_manifest_beside(region.file);
    if (!region.manifest) continue;
    const auto& m = *region.manifest;
    const std::string json = backup::manifest_path(region.file);
    if (m.file.md5 != to_hex(region.file_md5))  // (both checked hex: nothing to escape)
      report.warning(fmt::format("'{}' is not the file '{}' describes (MD5 {}, the manifest says {}); its checks "
                                 "apply all the same",
                                 region.file, json, to_hex(region.file_md5), m.file.md5));
  }
}

void check_manifests_against_chip(Session& s, const std::vector<FlashRegion>& regions, bool force) {
  Reporter& r = s.report();
  // A refusal, or with --force a warning that says what is being overridden.
  auto refuse = [&](const std::string& what, const std::string& json) {
    if (force) {
      r.warning(what + " (--force: writing it anyway)");
      return;
    }
    throw Error(ErrorKind::identity,
                fmt::format("{}: not written ({}; --force writes it anyway)", what, json));
  };
  std::optional<std::optional<std::uint32_t>> flash_size;  // read once, when a check needs it
  for (const auto& region : regions) {
    if (!region.manifest) continue;
    const auto& m = *region.manifest;
    const std::string json = backup::manifest_path(region.file);
    const ChipInfo& chip = s.chip();
    // (Here, not before connecting: --partition NAME gives the address only now.)
    if (m.range.address != region.address)
      r.warning(fmt::format("'{}' was read from {:#x} and is being written at {:#x}", region.file, m.range.address,
                            region.address));
    if (m.chip.family != chip.cli_name)
      refuse(fmt::format("'{}' is a backup of {} ({}) and this chip is {}", region.file,
                         backup::printable_name(m.chip.family), backup::printable_name(m.chip.description),
                         chip.cli_name),
             json);
    if (m.whole_flash()) {
      if (!flash_size) {
        flash_size = s.secure_download_mode() ? std::nullopt : s.with_recovery("reading the flash ID", [&] {
          s.attach_flash();
          return s.detected_flash_size();
        });
      }
      if (!*flash_size)
        r.warning(fmt::format("'{}' is a whole-flash backup of a {} flash; the size of this flash is unknown, so it "
                              "is not compared",
                              region.file, flash_size_name(*m.flash.size)));
      else if (**flash_size != *m.flash.size)
        refuse(fmt::format("'{}' is a whole-flash backup of a {} flash and this flash is {}", region.file,
                           flash_size_name(*m.flash.size), flash_size_name(**flash_size)),
               json);
    }
    const std::string here = s.mac() ? format_mac(*s.mac()) : std::string();
    if (!m.chip.mac.empty() && !here.empty() && lower(m.chip.mac) != here)
      r.warning(fmt::format("'{}': this is the backup of {}; MAC-bound data such as RF calibration and NVS keys will "
                            "be copied (this chip is {})",
                            region.file, backup::printable_name(m.chip.mac), here));
  }
}

}  // namespace espbak
