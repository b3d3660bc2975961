// Partitions by name on a connected chip (espbak/ops/partitions.hpp).
#include "espbak/ops/partitions.hpp"

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
    if (const auto note = s.chip().backup.no_partition_table_note; !note.empty())
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

}  // namespace espbak
