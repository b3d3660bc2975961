#pragma once
// Partitions by name on a connected chip: the table read from the flash
// (espbak/backup/partition_table.hpp parses it) and the entry a
// `--partition NAME` names. Used by read_flash, write_flash, erase_region,
// verify_flash, partition_table and nvs_dump.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/backup/partition_table.hpp"
#include "espbak/ops/report.hpp"
#include "espbak/ops/session.hpp"

namespace espbak {

// Reads the table's 0xC00 bytes at `table_offset` (attaching the flash
// first where the ROM needs it) and parses them. Error(input) when there is
// no valid table there, with the chip row's backup.no_partition_table_note
// added (the ESP8266's: which of its SDKs write one).
backup::PartitionTable read_partition_table(Session& s, std::uint32_t table_offset);

// The entry named `name`, or Error(input) naming the partitions there are.
const backup::Partition& find_partition(const backup::PartitionTable& table, std::string_view name);

// The table as JSON, the one form every command and the manifest use:
// {"offset", "md5_present", "partitions": [{"name", "type", "subtype",
// "type_id", "subtype_id", "offset", "size", "encrypted", "readonly"}]}
// (type/subtype as gen_esp32part.py names them, numbers as integers).
JsonObject partition_table_json(const backup::PartitionTable& table);
JsonObject partition_json(const backup::Partition& part);

// ---- partition_table and --partition NAME (src/ops/partition_commands.cpp) ----

// `--partition NAME [--partition-table-offset N]` of read_flash,
// write_flash, erase_region and verify_flash.
struct PartitionChoice {
  std::string name;
  std::uint32_t table_offset = backup::kDefaultPartitionTableOffset;
};

// The table as partition_table prints it: a header line, one line per
// entry (Name, Type, Subtype, Offset, Size, Flags; hex offsets and sizes,
// flags colon-separated as gen_esp32part.py's CSV has them), then the MD5
// line ("MD5 of the table: ok", or that the table has none).
std::vector<std::string> partition_table_lines(const backup::PartitionTable& table);

// "Partition 'nvs' (data/nvs) at 0x9000, size 0x6000" (", encrypted" etc.).
std::string partition_line(const backup::Partition& part);

// partition_table FILE: `bytes` is a bare table (it starts with AA 50) or a
// flash backup covering the table at `table_offset`. Error(input) naming
// `file` when it is neither (a backup too short to reach the offset).
backup::PartitionTable partition_table_from_file(std::span<const std::uint8_t> bytes, std::uint32_t table_offset,
                                                 const std::string& file);

// Reads the table and finds the entry (read_partition_table,
// find_partition), prints partition_line and sets the JSON "partition".
backup::Partition resolve_partition(Session& s, const PartitionChoice& choice);

}  // namespace espbak
