#pragma once
// The manifest beside a backup: FILE.json, written by read_flash next to
// FILE (docs/manifest.md, issue 15). It says what the backup is of (chip
// family, MAC, flash ID and size), what was read (the range, the file's
// MD5 and SHA-256, the erased ranges the survey skipped) and, when the range
// covers them, the bootloader image header's flash settings and the
// partition table. write_flash reads it before touching a chip. This is the
// model and the reader; the writer is ops/manifest_io.hpp (JSON is written
// with ops' JsonObject, and the partition table in ops' one JSON form).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/backup/partition_table.hpp"

namespace espbak::backup {

constexpr std::string_view kManifestFormat = "espbak-backup-manifest";
// Additive changes (new keys) keep version 1; a reader refuses any other.
constexpr std::int64_t kManifestFormatVersion = 1;
constexpr std::string_view kManifestSuffix = ".json";

struct ManifestRange {
  std::uint32_t address = 0;
  std::uint32_t size = 0;
  bool operator==(const ManifestRange&) const = default;
};

// The bootloader image header's flash settings (bytes 2 and 3), named as
// the chip row's tables name them ("dio", "40m", "4MB"); a code the table
// lacks is its hex ("0x5").
struct ManifestImageHeader {
  std::uint32_t address = 0;  // the chip row's bootloader_offset
  std::string flash_mode, flash_freq, flash_size;
  bool operator==(const ManifestImageHeader&) const = default;
};

struct Manifest {
  std::int64_t format_version = kManifestFormatVersion;
  std::string espbak_version;
  std::string created;  // UTC, ISO 8601: "2026-12-02T15:31:00Z"
  std::string port;
  struct Chip {
    std::string family;       // ChipInfo::cli_name, as --chip takes it
    std::string description;  // what espbak prints after "Chip is"
    std::string mac;          // "24:0a:c4:00:00:01"
  } chip;
  struct Flash {
    // RDID: manufacturer (byte 0), device (bytes 1, 2 as esptool prints
    // them); the size RDID encodes. nullopt: unknown (null in the JSON).
    std::optional<std::uint8_t> manufacturer;
    std::optional<std::uint16_t> device;
    std::optional<std::uint32_t> size;
  } flash;
  ManifestRange range;  // what was read
  struct File {
    std::string name;  // the backup's file name, without a directory
    std::uint64_t size = 0;
    std::string md5, sha256;  // lower-case hex
  } file;
  // Flash addresses the survey found erased and did not transfer (merged,
  // ascending); empty when no survey ran (--no-skip-erased).
  std::vector<ManifestRange> erased_ranges;
  std::optional<ManifestImageHeader> image_header;
  std::optional<PartitionTable> partition_table;

  // Read from 0 to the end of a flash of known size.
  bool whole_flash() const { return range.address == 0 && flash.size && range.size == *flash.size; }
};

// FILE.json for FILE.
std::string manifest_path(const std::string& backup_path);

// Reads and checks a manifest's text: JSON (util/json.hpp), the format id,
// format_version 1, every key of version 1 present with its type and range
// (docs/manifest.md); keys it does not know are ignored. Throws
// Error(input) with one line naming the key and the problem.
Manifest parse_manifest(std::string_view text);

// The manifest beside `backup_path`: nullopt when FILE.json does not exist;
// Error(input) "'FILE.json': ..." when it exists but cannot be read or
// parse_manifest refuses it.
std::optional<Manifest> read_manifest_beside(const std::string& backup_path);

}  // namespace espbak::backup
