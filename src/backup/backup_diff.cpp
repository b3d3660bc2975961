// What differs between two backups, and what lies there
// (espbak/backup/backup_diff.hpp).
#include "espbak/backup/backup_diff.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "espbak/image/firmware_image.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak::backup {

namespace {

constexpr std::uint64_t kAddressSpaceEnd = 1ull << 32;

FlashArea unpartitioned(std::uint64_t start, std::uint64_t end) {
  return {.start = start, .end = end, .kind = AreaKind::unpartitioned, .name = "unpartitioned"};
}

// The bytes of `backup` in [from, to), which it must cover.
std::span<const std::uint8_t> slice(const BackupImage& backup, std::uint64_t from, std::uint64_t to) {
  return backup.bytes.subspan(std::size_t(from - backup.address), std::size_t(to - from));
}

std::uint64_t count_differing(std::span<const std::uint8_t> x, std::span<const std::uint8_t> y) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < x.size(); ++i) n += x[i] != y[i];
  return n;
}

}  // namespace

std::string_view area_kind_name(AreaKind kind) {
  switch (kind) {
    case AreaKind::partition: return "partition";
    case AreaKind::sdk: return "sdk";
    case AreaKind::bootloader: return "bootloader";
    case AreaKind::partition_table: return "partition_table";
    case AreaKind::unpartitioned: return "unpartitioned";
  }
  return "unpartitioned";
}

std::string FlashArea::label() const { return detail.empty() ? name : fmt::format("{} ({})", name, detail); }

FlashLayout::FlashLayout() { areas_.push_back(unpartitioned(0, kAddressSpaceEnd)); }

void FlashLayout::paint(FlashArea area) {
  area.end = std::min(area.end, kAddressSpaceEnd);
  if (area.start >= area.end) return;
  std::vector<FlashArea> out;
  for (auto& old : areas_) {
    if (old.end <= area.start || old.start >= area.end) {
      out.push_back(std::move(old));
      continue;
    }
    if (old.start < area.start) {
      FlashArea left = old;
      left.end = area.start;
      out.push_back(std::move(left));
    }
    if (area.end < old.end) {
      FlashArea right = old;
      right.start = area.end;
      out.push_back(std::move(right));
    }
  }
  out.push_back(std::move(area));
  std::sort(out.begin(), out.end(), [](const FlashArea& x, const FlashArea& y) { return x.start < y.start; });
  areas_ = std::move(out);
}

const FlashArea& FlashLayout::at(std::uint64_t address) const {
  auto it = std::upper_bound(areas_.begin(), areas_.end(), address,
                             [](std::uint64_t a, const FlashArea& area) { return a < area.start; });
  return *std::prev(it);  // areas_ starts at 0 and has no gaps
}

bool partition_rewritten_by_firmware(const Partition& part) {
  // ESP-IDF: NVS (Wi-Fi, PHY calibration and the app's keys), phy_init
  // (PHY calibration data when CONFIG_ESP_PHY_INIT_DATA_IN_PARTITION) and
  // otadata (rewritten on every OTA boot selection).
  return part.type == kTypeData &&
         (part.subtype == kSubtypeDataNvs || part.subtype == kSubtypeDataPhy || part.subtype == kSubtypeDataOta);
}

FlashLayout layout_from_partition_table(const PartitionTable& table, std::optional<std::uint32_t> bootloader_offset) {
  FlashLayout layout;
  const std::uint64_t boot = bootloader_offset.value_or(0);
  if (boot < table.table_offset)
    layout.paint({.start = boot, .end = table.table_offset, .kind = AreaKind::bootloader, .name = "bootloader"});
  layout.paint({.start = table.table_offset,
                .end = std::uint64_t(table.table_offset) + kPartitionTableSectorSize,
                .kind = AreaKind::partition_table,
                .name = "partition table"});
  for (const auto& part : table.entries)
    layout.paint({.start = part.offset,
                  .end = part.end(),
                  .kind = AreaKind::partition,
                  .name = printable_name(part.name),  // one line per range, whatever the table holds
                  .detail = partition_type_name(part.type) + "/" + partition_subtype_name(part.type, part.subtype),
                  .rewritten_by_firmware = partition_rewritten_by_firmware(part)});
  return layout;
}

FlashLayout layout_from_end_of_flash(std::span<const EndOfFlashArea> areas, std::uint64_t flash_size) {
  FlashLayout layout;
  for (const auto& area : areas) {
    if (area.from_end > flash_size || area.size > area.from_end) continue;
    const std::uint64_t start = flash_size - area.from_end;
    layout.paint({.start = start,
                  .end = start + area.size,
                  .kind = AreaKind::sdk,
                  .name = std::string(area.name),
                  .detail = std::string(area.description),
                  .rewritten_by_firmware = area.rewritten_by_firmware});
  }
  return layout;
}

bool BackupDiff::volatile_only() const {
  return std::all_of(ranges.begin(), ranges.end(), [](const DiffRange& r) { return r.is_volatile(); });
}

BackupDiff diff_backups(const BackupImage& a, const BackupImage& b, const FlashLayout& layout) {
  BackupDiff diff;
  // What the backups cover together; an empty one covers nothing.
  std::uint64_t lo = kAddressSpaceEnd, hi = 0;
  for (const BackupImage* x : {&a, &b})
    if (!x->bytes.empty()) lo = std::min<std::uint64_t>(lo, x->address), hi = std::max(hi, x->end());
  if (lo >= hi) return diff;

  // A piece of a sector lies in one area and has one coverage: it is cut
  // where an area ends or a backup starts or ends.
  auto next_cut = [&](std::uint64_t p, std::uint64_t limit) {
    std::uint64_t cut = std::min(limit, layout.at(p).end);
    for (std::uint64_t edge : {std::uint64_t(a.address), a.end(), std::uint64_t(b.address), b.end()})
      if (edge > p && edge < cut) cut = edge;
    return cut;
  };
  for (std::uint64_t sector = lo / kDiffSectorSize * kDiffSectorSize; sector < hi; sector += kDiffSectorSize) {
    const std::uint64_t s0 = std::max(sector, lo), s1 = std::min(sector + kDiffSectorSize, hi);
    for (std::uint64_t p = s0, q; p < s1; p = q) {
      q = next_cut(p, s1);
      const bool in_a = !a.bytes.empty() && a.covers(p, q), in_b = !b.bytes.empty() && b.covers(p, q);
      std::uint64_t differing = 0;
      if (in_a && in_b) differing = count_differing(slice(a, p, q), slice(b, p, q));
      else if (in_a || in_b) differing = q - p;
      if (differing == 0) continue;
      diff.bytes_different += differing;
      const FlashArea& area = layout.at(p);
      const Coverage coverage = in_a && in_b ? Coverage::both : in_a ? Coverage::only_a : Coverage::only_b;
      if (!diff.ranges.empty()) {
        DiffRange& last = diff.ranges.back();
        if (last.address + last.size == p && last.area.same_as(area) && last.coverage == coverage) {
          last.size += q - p;
          continue;
        }
      }
      diff.ranges.push_back({.address = std::uint32_t(p), .size = q - p, .area = area, .coverage = coverage});
    }
  }
  return diff;
}

const ChipInfo* detect_backup_chip(const BackupImage& backup) {
  for (const auto& chip : all_chips()) {
    const std::uint64_t at = chip.bootloader_offset;
    if (!backup.covers(at, at + 1)) continue;
    auto bytes = backup.bytes.subspan(std::size_t(at - backup.address));
    if (bytes[0] != 0xE9 && bytes[0] != 0xEA) continue;  // no image header (esptool's ESPLoader.ESP_IMAGE_MAGIC)
    const ChipInfo& named = image::detect_image_chip(bytes);
    if (named.bootloader_offset == chip.bootloader_offset) return &named;
  }
  return nullptr;
}

std::optional<std::uint32_t> header_flash_size(const BackupImage& backup, const ChipInfo& chip) {
  const std::uint64_t at = chip.bootloader_offset;
  if (!backup.covers(at, at + 4)) return std::nullopt;
  auto header = slice(backup, at, at + 4);
  if (header[0] != 0xE9 && header[0] != 0xEA) return std::nullopt;
  for (const auto& size : chip.flash_sizes)
    if (size.code == (header[3] & 0xF0)) {
      // "2MB-c1", "4MB-c1": the ESP8266's 1024+1024 maps of the same size.
      std::string_view name = size.name.substr(0, size.name.find('-'));
      return parse_flash_size_name(name);
    }
  return std::nullopt;
}

std::optional<PartitionTable> table_in_backup(const BackupImage& backup, std::uint32_t table_offset) {
  if (!backup.covers(table_offset, std::uint64_t(table_offset) + kPartitionEntrySize)) return std::nullopt;
  const std::uint64_t end = std::min(backup.end(), std::uint64_t(table_offset) + kPartitionTableMaxLength);
  auto bytes = slice(backup, table_offset, end);
  if (!looks_like_partition_table(bytes)) return std::nullopt;
  return parse_partition_table(bytes, table_offset);
}

}  // namespace espbak::backup
