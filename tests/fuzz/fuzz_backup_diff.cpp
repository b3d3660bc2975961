// libFuzzer target: diff's readers and comparison (backup/backup_diff.hpp)
// on arbitrary bytes.
// Input: byte 0 picks the mode. Odd: the rest is a manifest's text for
// parse_manifest, the reader diff uses (its table as diff names areas
// by it). Even: byte 1 is where the partition table is looked
// for (its low 2 bits times 4 KB), bytes 2-3 split the rest into backups A
// and B, byte 4 gives B a start 4 KB * (bits 0-1) away from A's (0).
// Invariants checked (a violation aborts, which libFuzzer reports):
//  - only Error(input) is thrown, with a one-line, non-empty message;
//  - ranges are sorted, non-empty, disjoint, within what the backups cover;
//    each lies in one area, its label one line; the bytes counted differ
//    fit in the ranges;
//  - identical backups (same start, same bytes; or both empty) give no
//    range, anything else at least one; volatile_only agrees with the ranges.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "espbak/backup/backup_diff.hpp"
#include "espbak/backup/manifest.hpp"
#include "espbak/util/error.hpp"

namespace {

using namespace espbak::backup;

void require(bool ok) {
  if (!ok) std::abort();
}

template <typename F>
void expect_input_errors_only(F&& f) {
  try {
    f();
  } catch (const espbak::Error& e) {
    const std::string what = e.what();
    require(e.kind() == espbak::ErrorKind::input);
    require(!what.empty() && what.find('\n') == std::string::npos);
  }
}

void check_diff(const BackupImage& a, const BackupImage& b, const FlashLayout& layout) {
  const BackupDiff d = diff_backups(a, b, layout);
  std::uint64_t lo = ~0ull, hi = 0, covered = 0;
  for (const BackupImage* x : {&a, &b})
    if (!x->bytes.empty()) lo = std::min<std::uint64_t>(lo, x->address), hi = std::max(hi, x->end());
  std::uint64_t last_end = 0;
  bool all_volatile = true;
  for (const auto& r : d.ranges) {
    require(r.size > 0 && r.address >= last_end && r.address >= lo && r.address + r.size <= hi);
    require(layout.at(r.address).same_as(r.area) && r.address + r.size <= r.area.end);
    require(r.area.label().find('\n') == std::string::npos);
    last_end = r.address + r.size;
    covered += r.size;
    all_volatile = all_volatile && r.is_volatile();
  }
  require(d.bytes_different <= covered);
  require(d.identical() == d.ranges.empty());
  require(d.volatile_only() == all_volatile);
  // Two empty backups cover nothing, wherever they start: nothing differs.
  const bool same = (a.bytes.empty() && b.bytes.empty()) ||
                    (a.address == b.address && a.bytes.size() == b.bytes.size() &&
                     std::equal(a.bytes.begin(), a.bytes.end(), b.bytes.begin()));
  require(same == d.identical());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  if (data[0] & 1) {
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    expect_input_errors_only([&] {
      const Manifest m = parse_manifest(text);
      if (m.partition_table) (void)layout_from_partition_table(*m.partition_table, std::nullopt);
    });
    return 0;
  }
  const std::uint32_t table_offset = (data[1] & 3u) * kDiffSectorSize;
  std::span<const std::uint8_t> rest(data + 5, size - 5);
  const std::size_t split = std::min<std::size_t>(rest.size(), std::size_t(data[2]) | std::size_t(data[3]) << 8);
  const BackupImage a{.address = 0, .bytes = rest.first(split)};
  const BackupImage b{.address = (data[4] & 3u) * kDiffSectorSize, .bytes = rest.subspan(split)};

  for (const BackupImage* x : {&a, &b}) {
    const espbak::ChipInfo* chip = detect_backup_chip(*x);
    for (const auto& c : espbak::all_chips())
      if (auto flash = header_flash_size(*x, c)) {
        check_diff(a, b, layout_from_end_of_flash(c.backup.end_of_flash_areas, *flash));
        break;
      }
    expect_input_errors_only([&] {
      if (auto table = table_in_backup(*x, table_offset))
        check_diff(a, b, layout_from_partition_table(*table, chip ? std::optional(chip->bootloader_offset)
                                                                   : std::nullopt));
    });
  }
  check_diff(a, b, FlashLayout());
  return 0;
}
