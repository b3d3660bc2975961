#pragma once
// What differs between two backups of one flash, and what lies there
// (issue 15, `espbak diff A B`): the differing bytes merged to 4 KB
// sectors, each range named by the area it falls in (a partition of the
// backup's table, an SDK area at the end of an ESP8266's flash, the
// bootloader, the table itself, or nothing) and marked when the firmware
// rewrites that data by itself (Wi-Fi settings, RF calibration, NVS), so
// that two backups differing only there can be told apart from a changed
// firmware. Pure functions over bytes: no file, no port.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/backup/partition_table.hpp"
#include "espbak/chips/chip.hpp"

namespace espbak::backup {

// Differences are reported by flash sector (the unit a write erases).
constexpr std::uint32_t kDiffSectorSize = 0x1000;

// One backup: the bytes read from the flash starting at `address`.
struct BackupImage {
  std::uint32_t address = 0;
  std::span<const std::uint8_t> bytes;
  std::uint64_t end() const { return std::uint64_t(address) + bytes.size(); }
  bool covers(std::uint64_t from, std::uint64_t to) const { return from >= address && to <= end(); }
};

enum class AreaKind { partition, sdk, bootloader, partition_table, unpartitioned };
// "partition", "sdk", "bootloader", "partition_table", "unpartitioned" (the JSON "kind").
std::string_view area_kind_name(AreaKind kind);

// A named stretch of the flash, [start, end).
struct FlashArea {
  std::uint64_t start = 0, end = 0;
  AreaKind kind = AreaKind::unpartitioned;
  std::string name = {};    // the partition's name, "system_param", "bootloader", "partition table", "unpartitioned"
  std::string detail = {};  // a partition's "data/nvs", an SDK area's description; else empty
  // Data the firmware rewrites by itself: ESP-IDF nvs, phy_init and
  // otadata partitions, the ESP8266 SDK's parameter sectors.
  bool rewritten_by_firmware = false;
  // "nvs (data/nvs)", "bootloader".
  std::string label() const;
  bool same_as(const FlashArea& other) const { return start == other.start && end == other.end; }
};

// The areas of the whole 32-bit flash address space, sorted, without gaps
// or overlaps: "unpartitioned" until something names a stretch.
class FlashLayout {
 public:
  FlashLayout();
  // Puts `area` over whatever it covers (clipped to 4 GB; empty: ignored).
  void paint(FlashArea area);
  const std::vector<FlashArea>& areas() const { return areas_; }
  const FlashArea& at(std::uint64_t address) const;

 private:
  std::vector<FlashArea> areas_;
};

// ESP-IDF's nvs, phy_init and otadata partitions (data/nvs, data/phy,
// data/ota): the firmware writes them by itself.
bool partition_rewritten_by_firmware(const Partition& part);

// The table's entries, the table's own sector and, below it, the
// bootloader: from `bootloader_offset` (the chip row's) when the chip is
// known, else from 0. Entries win where they cover the other two (ESP-IDF
// 5.x may list bootloader and partition_table entries itself).
FlashLayout layout_from_partition_table(const PartitionTable& table, std::optional<std::uint32_t> bootloader_offset);
// The chip's end-of-flash areas on a flash of `flash_size` bytes; an area
// that does not fit is left out.
FlashLayout layout_from_end_of_flash(std::span<const EndOfFlashArea> areas, std::uint64_t flash_size);

// Where the backups' bytes disagree, or only one backup has any.
enum class Coverage { both, only_a, only_b };

struct DiffRange {
  std::uint32_t address = 0;
  std::uint64_t size = 0;
  FlashArea area;  // the whole area the range lies in
  Coverage coverage = Coverage::both;
  // Both backups hold the range and it lies in data the firmware rewrites.
  // Bytes only one backup holds never count as volatile: the two do not
  // cover the same flash, so the difference cannot be put down to the
  // firmware's own writes.
  bool is_volatile() const { return coverage == Coverage::both && area.rewritten_by_firmware; }
};

struct BackupDiff {
  std::vector<DiffRange> ranges;  // by address
  // Bytes that differ, plus the bytes only one of the backups holds.
  std::uint64_t bytes_different = 0;
  bool identical() const { return ranges.empty(); }
  // Every range is volatile (true for identical backups: nothing differs
  // outside volatile data, which is the question a script asks).
  bool volatile_only() const;
};

// Compares the bytes at each flash address both backups hold; an address
// only one of them holds (different sizes or start addresses) counts as a
// difference. Differing sectors are merged into ranges (aligned to flash
// sectors, clipped to what the backups cover), split where an area of
// `layout` or the coverage changes.
BackupDiff diff_backups(const BackupImage& a, const BackupImage& b, const FlashLayout& layout);

// ---- Which chip, which layout ---------------------------------------------

// The chip a backup is for, from its bytes: an image at a chip's
// bootloader offset whose header names that chip (detect_image_chip,
// esptool's rule: the extended header's chip id, else an ESP8266 image).
// nullptr: no image at any chip's bootloader offset.
const ChipInfo* detect_backup_chip(const BackupImage& backup);

// The flash size the image header at the chip's bootloader offset gives
// (byte 3, high nibble, named by the chip's flash_sizes): the size the
// firmware was built for and the ESP8266 SDKs place their areas by.
// nullopt: no image header there, or a code the chip does not know.
std::optional<std::uint32_t> header_flash_size(const BackupImage& backup, const ChipInfo& chip);

// The partition table in the backup at `table_offset`: nullopt when the
// backup does not reach it or holds no table there (no entry magic).
// Throws Error(input) when a table is there but does not parse.
std::optional<PartitionTable> table_in_backup(const BackupImage& backup, std::uint32_t table_offset);

}  // namespace espbak::backup
