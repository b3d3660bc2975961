#pragma once
// Partitions by name on a connected chip: the table read from the flash
// (espbak/backup/partition_table.hpp parses it) and the entry a
// `--partition NAME` names. Used by read_flash, write_flash, erase_region,
// verify_flash, partition_table and nvs_dump.
#include <cstdint>
#include <string>
#include <string_view>

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

}  // namespace espbak
