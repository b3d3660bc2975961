// Partitions by name on a connected chip (espbak/ops/partitions.hpp).
#include "espbak/ops/partitions.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "espbak/util/error.hpp"

namespace espbak {

backup::PartitionTable read_partition_table(Session& s, std::uint32_t table_offset) {
  s.refuse_in_secure_download_mode("reading the partition table", "the ROM refuses flash reads there");
  Bytes raw;
  s.with_recovery(fmt::format("reading the partition table at {:#x}", table_offset), [&] {
    s.attach_flash();
    s.loader().read_flash(table_offset, backup::kPartitionTableMaxLength, raw);
  });
  try {
    return backup::parse_partition_table(raw, table_offset);
  } catch (const Error& e) {
    // The note says why a chip may have no table at all; a table that is
    // there but broken (bad MD5, overlaps) is reported as it is.
    if (const auto note = s.chip().backup.no_partition_table_note;
        !note.empty() && !backup::looks_like_partition_table(raw))
      throw Error(e.kind(), fmt::format("{}; {}", e.what(), note));
    throw;
  }
}

const backup::Partition& find_partition(const backup::PartitionTable& table, std::string_view name) {
  if (const auto* part = table.find(name)) return *part;
  std::string names;
  for (const auto& part : table.entries)
    names += (names.empty() ? "" : ", ") + backup::printable_name(part.name);
  throw Error(ErrorKind::input, fmt::format("no partition named '{}' in the table at {:#x} (it has: {})", backup::printable_name(name),
                                            table.table_offset, names.empty() ? "no entries" : names));
}

JsonObject partition_json(const backup::Partition& part) {
  JsonObject j;
  j.set("name", backup::printable_name(part.name));  // valid UTF-8 JSON whatever the 16 bytes hold
  j.set("type", backup::partition_type_name(part.type));
  j.set("subtype", backup::partition_subtype_name(part.type, part.subtype));
  j.set("type_id", int(part.type));
  j.set("subtype_id", int(part.subtype));
  j.set("offset", part.offset);
  j.set("size", part.size);
  j.set("encrypted", part.encrypted());
  j.set("readonly", part.readonly());
  return j;
}

JsonObject partition_table_json(const backup::PartitionTable& table) {
  JsonObject j;
  j.set("offset", table.table_offset);
  j.set("md5_present", table.md5_present);
  j.set_strings("partitions", {});  // an empty array until the first push
  for (const auto& part : table.entries) j.push("partitions", partition_json(part));
  return j;
}

namespace {

std::string flags_text(const backup::Partition& part) {
  std::string flags;
  if (part.encrypted()) flags = "encrypted";
  if (part.readonly()) flags += flags.empty() ? "readonly" : ":readonly";
  return flags;
}

}  // namespace

std::vector<std::string> partition_table_lines(const backup::PartitionTable& table) {
  struct Row {
    std::string cells[6];
  };
  std::vector<Row> rows = {{{"Name", "Type", "Subtype", "Offset", "Size", "Flags"}}};
  for (const auto& part : table.entries)
    rows.push_back({{backup::printable_name(part.name), backup::partition_type_name(part.type),
                     backup::partition_subtype_name(part.type, part.subtype), fmt::format("{:#x}", part.offset),
                     fmt::format("{:#x}", part.size), flags_text(part)}});
  std::size_t width[6] = {};
  for (const auto& row : rows)
    for (int c = 0; c < 6; ++c) width[c] = std::max(width[c], row.cells[c].size());
  std::vector<std::string> lines = {fmt::format("Partition table at {:#x}: {} {}", table.table_offset,
                                                table.entries.size(),
                                                table.entries.size() == 1 ? "entry" : "entries")};
  for (const auto& row : rows) {
    std::string line;
    for (int c = 0; c < 6; ++c) line += fmt::format("{:<{}}", row.cells[c], c == 5 ? 0 : width[c] + 2);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(std::move(line));
  }
  lines.push_back(table.md5_present ? "MD5 of the table: ok"
                                    : "MD5 of the table: none (the table has no MD5 entry, nothing to check)");
  return lines;
}

std::string partition_line(const backup::Partition& part) {
  const std::string flags = flags_text(part);
  return fmt::format("Partition '{}' ({}/{}) at {:#x}, size {:#x}{}{}", backup::printable_name(part.name),
                     backup::partition_type_name(part.type), backup::partition_subtype_name(part.type, part.subtype),
                     part.offset, part.size, flags.empty() ? "" : ", ", flags);
}

backup::PartitionTable partition_table_from_file(std::span<const std::uint8_t> bytes, std::uint32_t table_offset,
                                                 const std::string& file) {
  // A bare table (gen_esp32part.py's output, partition-table.bin) starts
  // with an entry; a flash backup starts with the bootloader or erased
  // flash and holds the table at its offset.
  if (!backup::looks_like_partition_table(bytes) && bytes.size() <= table_offset)
    throw Error(ErrorKind::input,
                fmt::format("'{}' is not a partition table (no AA 50 at its start) and, {} bytes long, not a "
                            "flash backup reaching the table at {:#x}",
                            file, bytes.size(), table_offset));
  try {
    if (backup::looks_like_partition_table(bytes)) return backup::parse_partition_table(bytes, table_offset);
    return backup::parse_partition_table(bytes.subspan(table_offset), table_offset);
  } catch (const Error& e) {
    throw Error(e.kind(), fmt::format("'{}': {}", file, e.what()));
  }
}

}  // namespace espbak
