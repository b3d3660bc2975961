#pragma once
// nvs_dump (src/ops/nvs_dump.cpp): the namespaces, keys, types and values of
// an ESP-IDF NVS partition (espbak/backup/nvs.hpp reads it), from a file or
// from the chip. Problems in the partition are warnings and the exit is 0;
// input that is no usable NVS is refused in one line (Error(input), 3).
#include <cstdint>
#include <string>
#include <vector>

#include "espbak/backup/nvs.hpp"
#include "espbak/backup/partition_table.hpp"
#include "espbak/ops/report.hpp"
#include "espbak/ops/session.hpp"

namespace espbak {

struct NvsDumpArgs {
  // An NVS partition image, or a whole-flash backup holding a partition
  // table at table_offset; empty: the partition is read from the chip.
  std::string file;
  // --partition NAME: the data/nvs partition to dump (required for the
  // chip, and for a backup whose table has several).
  std::string partition;
  std::uint32_t table_offset = backup::kDefaultPartitionTableOffset;
};

// Usage checks before anything is read (Error(usage)): FILE or
// --partition given, the table offset 4 KB-aligned.
void check_nvs_dump_args(const NvsDumpArgs& args);
void cmd_nvs_dump_file(Reporter& report, const NvsDumpArgs& args);
void cmd_nvs_dump_partition(Session& s, const NvsDumpArgs& args);

// The data/nvs entry `name` names (or the table's only one when `name` is
// empty); Error(input) for a partition of another type, none, or a missing
// name, Error(usage) when several NVS partitions leave the choice open.
const backup::Partition& choose_nvs_partition(const backup::PartitionTable& table, const std::string& name);

// What nvs_dump prints on stdout: per namespace its `key  type  value`
// lines, then the summary line. Problems are not among them (warnings).
std::vector<std::string> nvs_dump_lines(const backup::NvsPartition& nvs);
// The "nvs" object of --json (docs/cli.md "nvs_dump").
JsonObject nvs_json(const backup::NvsPartition& nvs);

}  // namespace espbak
