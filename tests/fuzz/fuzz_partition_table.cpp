// libFuzzer target: the binary partition table reader
// (backup/partition_table.hpp) on arbitrary bytes.
// Input: the bytes as read from the table's sector.
// Invariants checked (a violation aborts, which libFuzzer reports):
//  - only Error(input) is thrown, with a one-line, non-empty message;
//  - a parsed table has at most 0xC00 / 32 entries, unique names of at most
//    16 bytes, no two overlapping, none ending past 4 GB;
//  - serializing the entries and parsing that again gives the same entries.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "espbak/backup/partition_table.hpp"
#include "espbak/util/error.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace espbak::backup;
  std::span<const std::uint8_t> bytes(data, size);
  PartitionTable table;
  try {
    table = parse_partition_table(bytes);
  } catch (const espbak::Error& e) {
    const std::string what = e.what();
    require(e.kind() == espbak::ErrorKind::input);
    require(!what.empty() && what.find('\n') == std::string::npos);
    return 0;
  }
  require(table.entries.size() <= kPartitionTableMaxLength / kPartitionEntrySize);
  for (std::size_t i = 0; i < table.entries.size(); ++i) {
    const auto& a = table.entries[i];
    require(a.name.size() <= 16 && a.end() <= 0x100000000ull);
    for (std::size_t j = i + 1; j < table.entries.size(); ++j) {
      const auto& b = table.entries[j];
      require(a.name != b.name);
      require(a.end() <= b.offset || b.end() <= a.offset || a.size == 0 || b.size == 0);
    }
  }
  // Names with a NUL inside cannot round-trip; the reader stops at it, so none has one.
  if (table.entries.size() < kPartitionTableMaxLength / kPartitionEntrySize - 1) {
    auto again = parse_partition_table(serialize_partition_table(table.entries));
    require(again.entries.size() == table.entries.size());
    for (std::size_t i = 0; i < again.entries.size(); ++i) {
      const auto& a = table.entries[i];
      const auto& b = again.entries[i];
      require(a.name == b.name && a.type == b.type && a.subtype == b.subtype && a.offset == b.offset &&
              a.size == b.size && a.flags == b.flags);
    }
  }
  return 0;
}
