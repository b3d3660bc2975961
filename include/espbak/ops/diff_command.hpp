#pragma once
// espbak diff A B: what differs between two backup files and what lies
// there (src/ops/diff_command.cpp; the comparison itself is
// espbak/backup/backup_diff.hpp). Files in, lines out, no chip.
#include <cstdint>
#include <string>

#include "espbak/backup/partition_table.hpp"
#include "espbak/chips/chip.hpp"
#include "espbak/ops/report.hpp"

namespace espbak {

struct DiffArgs {
  std::string file_a, file_b;
  const ChipInfo* chip = nullptr;  // --chip; nullptr: auto (the manifest's, else detected)
  std::uint32_t table_offset = backup::kDefaultPartitionTableOffset;  // --partition-table-offset
};

// Reads both files and their manifests (FILE.json, when present), names the
// areas by A's partition table or manifest (else B's), or by the chip's
// end-of-flash areas, and reports the differing ranges. Returns diff(1)'s
// status: 0 identical, 1 different. Error(input): a file missing or
// unreadable, both files empty, a manifest that does not read.
int cmd_diff(Reporter& report, const DiffArgs& args);

}  // namespace espbak
