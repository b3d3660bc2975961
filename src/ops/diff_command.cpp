// espbak diff A B (espbak/ops/diff_command.hpp): two backup files, their
// manifests, and the report of backup/backup_diff.hpp's comparison.
#include "espbak/ops/diff_command.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "espbak/backup/backup_diff.hpp"
#include "espbak/backup/manifest.hpp"
#include "espbak/ops/image.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {

namespace {

using backup::BackupImage;
using backup::Manifest;

struct Backup {
  std::string file;
  Bytes data;
  std::optional<Manifest> manifest;
  BackupImage image() const { return {.address = address, .bytes = data}; }
  std::uint32_t address = 0;
};

// FILE.json beside FILE, when there is one, read by the same reader
// write_flash uses (backup/manifest.hpp). A manifest that exists but does
// not read is an error: the user relies on it for what the backup covers.
std::optional<Manifest> read_manifest(Reporter& report, const std::string& file, std::uint64_t file_size) {
  std::optional<Manifest> manifest = backup::read_manifest_beside(file);
  if (manifest && manifest->file.size != file_size) {
    report.warning(fmt::format("{} describes a file of {} bytes, {} has {}: the manifest is not used",
                               backup::manifest_path(file), manifest->file.size, file, file_size));
    return std::nullopt;
  }
  return manifest;
}

Backup load_backup(Reporter& report, const std::string& file) {
  Backup b;
  b.file = file;
  b.data = std::move(load_regions({{0, file}}).front().data);
  b.manifest = read_manifest(report, file, b.data.size());
  return b;
}

std::string size_text(std::uint64_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return fmt::format("{} MB", bytes >> 20);
  if (bytes >= 1024 && bytes % 1024 == 0) return fmt::format("{} KB", bytes >> 10);
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  return fmt::format("{:.1f} KB", double(bytes) / 1024);
}

std::string span_text(std::uint64_t start, std::uint64_t size) {
  return size == 0 ? fmt::format("nothing at {:#010x}", start)
                   : fmt::format("{:#010x}-{:#010x}", start, start + size - 1);
}

// The manifest's chip, else --chip, else the chip the bytes name. A
// manifest records what was read, so it wins over --chip (with a warning
// when they disagree); detection from an image header is a guess.
const ChipInfo* choose_chip(Reporter& report, const DiffArgs& args, const Backup& a, const Backup& b) {
  for (const Backup* x : {&a, &b}) {
    if (!x->manifest || x->manifest->chip.family.empty()) continue;
    const ChipInfo* chip = find_chip(x->manifest->chip.family);
    if (!chip) {
      report.warning(fmt::format("{}.json names chip '{}', which espbak does not know", x->file,
                                 x->manifest->chip.family));
      continue;
    }
    if (args.chip && args.chip != chip)
      report.warning(fmt::format("--chip {} ignored: {}.json says the backup is of an {}", args.chip->cli_name,
                                 x->file, chip->name));
    return chip;
  }
  if (args.chip) return args.chip;
  for (const Backup* x : {&a, &b})
    if (const ChipInfo* chip = backup::detect_backup_chip(x->image())) return chip;
  return nullptr;
}

struct Layout {
  backup::FlashLayout areas;
  std::string basis = "none";  // the JSON "layout"
  std::string description;     // for the narrative line
  std::optional<std::uint32_t> table_offset, flash_size;
};

std::optional<backup::PartitionTable> find_table(Reporter& report, const DiffArgs& args, const Backup& a,
                                                 const Backup& b, std::string& source) {
  for (const Backup* x : {&a, &b}) {
    try {
      if (auto table = backup::table_in_backup(x->image(), args.table_offset)) {
        source = x->file;
        return table;
      }
    } catch (const Error& e) {
      report.warning(fmt::format("{}: the partition table at {:#x} does not read ({}); not used to name areas",
                                 x->file, args.table_offset, e.what()));
    }
    if (x->manifest && x->manifest->partition_table) {
      source = x->file + ".json";
      return x->manifest->partition_table;
    }
  }
  return std::nullopt;
}

Layout choose_layout(Reporter& report, const DiffArgs& args, const ChipInfo* chip, const Backup& a, const Backup& b) {
  Layout layout;
  std::string source;
  if (auto table = find_table(report, args, a, b, source)) {
    layout.areas = backup::layout_from_partition_table(
        *table, chip ? std::optional<std::uint32_t>(chip->bootloader_offset) : std::nullopt);
    layout.basis = "partition_table";
    layout.table_offset = table->table_offset;
    layout.description = fmt::format("the partition table at {:#x} (from {})", table->table_offset, source);
    return layout;
  }
  if (!chip || chip->backup.end_of_flash_areas.empty()) {
    layout.description = "nothing: no partition table, and no chip with known areas (see --chip)";
    return layout;
  }
  // The size the firmware was built for (its image header) places the
  // SDK's areas; else the chip's flash as the manifest has it; else the
  // backups are taken to end where the flash does.
  std::optional<std::uint32_t> size;
  for (const Backup* x : {&a, &b})
    if (!size && (size = backup::header_flash_size(x->image(), *chip))) source = x->file + "'s image header";
  for (const Backup* x : {&a, &b})
    if (!size && x->manifest && (size = x->manifest->flash.size)) source = x->file + ".json";
  if (!size) {
    size = std::uint32_t(std::min<std::uint64_t>(std::max(a.image().end(), b.image().end()), 0xFFFFFFFFu));
    source = "the end of the backup";
  }
  layout.areas = backup::layout_from_end_of_flash(chip->backup.end_of_flash_areas, *size);
  layout.basis = "end_of_flash";
  layout.flash_size = size;
  layout.description = fmt::format("the {} areas at the end of a {} flash (size from {})", chip->name,
                                   flash_size_name(*size), source);
  return layout;
}

JsonObject backup_json(const Backup& b) {
  JsonObject j;
  j.set("file", b.file);
  j.set("address", b.address);
  j.set("size", std::uint64_t(b.data.size()));
  return j;
}

}  // namespace

int cmd_diff(Reporter& report, const DiffArgs& args) {
  Backup a = load_backup(report, args.file_a);
  Backup b = load_backup(report, args.file_b);
  if (a.data.empty() && b.data.empty())
    throw Error(ErrorKind::input,
                fmt::format("'{}' and '{}' are both empty: there is nothing to compare", a.file, b.file));
  // A backup without a manifest is taken to start where the other's does.
  const std::optional<std::uint32_t> at_a = a.manifest ? std::optional(a.manifest->range.address) : std::nullopt;
  const std::optional<std::uint32_t> at_b = b.manifest ? std::optional(b.manifest->range.address) : std::nullopt;
  a.address = at_a.value_or(at_b.value_or(0));
  b.address = at_b.value_or(at_a.value_or(0));
  for (const Backup* x : {&a, &b})
    if (x->image().end() > (1ull << 32))
      throw Error(ErrorKind::input, fmt::format("'{}' at {:#x} runs past the 4 GB address space", x->file, x->address));

  const ChipInfo* chip = choose_chip(report, args, a, b);
  const Layout layout = choose_layout(report, args, chip, a, b);
  report.info(fmt::format("Naming areas by {}.", layout.description));
  if (a.address != b.address || a.data.size() != b.data.size())
    report.warning(fmt::format("{} covers {} and {} covers {}: what only one of them holds counts as different", a.file,
                               span_text(a.address, a.data.size()), b.file, span_text(b.address, b.data.size())));

  const backup::BackupDiff diff = backup::diff_backups(a.image(), b.image(), layout.areas);
  JsonObject& json = report.json();
  json.set("a", backup_json(a));
  json.set("b", backup_json(b));
  if (chip) json.set("chip", std::string(chip->cli_name));
  json.set("layout", layout.basis);
  if (layout.table_offset) json.set("partition_table_offset", *layout.table_offset);
  if (layout.flash_size) json.set("flash_size", *layout.flash_size);
  json.set("identical", diff.identical());
  json.set_strings("ranges", {});

  std::uint64_t total = 0;
  std::size_t outside = 0;
  std::vector<std::string> volatile_names;
  for (const auto& r : diff.ranges) {
    total += r.size;
    if (!r.is_volatile()) ++outside;
    else if (std::find(volatile_names.begin(), volatile_names.end(), r.area.name) == volatile_names.end())
      volatile_names.push_back(r.area.name);
    const std::string only = r.coverage == backup::Coverage::only_a   ? a.file
                             : r.coverage == backup::Coverage::only_b ? b.file
                                                                      : "";
    report.result(fmt::format("{}  {}  {}{}{}", span_text(r.address, r.size), size_text(r.size), r.area.label(),
                              r.is_volatile() ? "  volatile" : "", only.empty() ? "" : "  only in " + only));
    JsonObject j;
    j.set("address", r.address);
    j.set("size", r.size);
    j.set("area", r.area.name);
    j.set("kind", std::string(backup::area_kind_name(r.area.kind)));
    if (!r.area.detail.empty()) j.set("detail", r.area.detail);
    j.set("volatile", r.is_volatile());
    if (!only.empty()) j.set("only_in", only);
    json.push("ranges", j);
  }
  json.set("bytes_different", diff.bytes_different);
  json.set("volatile_only", diff.volatile_only());

  if (diff.identical()) {
    report.result(fmt::format("identical: {} at {:#010x}", size_text(a.data.size()), a.address));
    return 0;
  }
  const std::size_t n = diff.ranges.size();
  std::string where;
  if (outside == 0) {
    std::string names;
    for (const auto& name : volatile_names) names += (names.empty() ? "" : ", ") + name;
    where = fmt::format("all in data the firmware rewrites ({})", names);
  } else {
    where = fmt::format("{} range{} outside volatile data", outside, outside == 1 ? "" : "s");
  }
  report.result(fmt::format("{} range{}, {} differ ({} differing byte{}); {}", n, n == 1 ? "" : "s",
                            size_text(total), diff.bytes_different, diff.bytes_different == 1 ? "" : "s", where));
  return 1;
}

}  // namespace espbak
