#pragma once
// An ESP-IDF partition table as the second-stage bootloader reads it, in
// the binary format ESP-IDF's components/partition_table/gen_esp32part.py
// (v1.5, ESP-IDF 5.5) writes: 32-byte entries "<2sBBLL16sL" (magic AA 50,
// type, subtype, offset, size, name, flags), an optional MD5 entry
// (EB EB, 14 x FF, the MD5 of the entries before it) and an end marker of
// 32 x FF, all within 0xC00 bytes of the table's 4 KB sector. Pure
// functions over bytes: no file, no port.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace espbak::backup {

constexpr std::uint32_t kDefaultPartitionTableOffset = 0x8000;  // CONFIG_PARTITION_TABLE_OFFSET's default
constexpr std::size_t kPartitionTableMaxLength = 0xC00;          // gen_esp32part.py MAX_PARTITION_LENGTH
constexpr std::size_t kPartitionTableSectorSize = 0x1000;        // PARTITION_TABLE_SIZE
constexpr std::size_t kPartitionEntrySize = 32;

// Partition types (gen_esp32part.py TYPES).
constexpr std::uint8_t kTypeApp = 0x00;
constexpr std::uint8_t kTypeData = 0x01;
constexpr std::uint8_t kTypeBootloader = 0x02;
constexpr std::uint8_t kTypePartitionTable = 0x03;

// Data subtypes that name volatile data and the NVS (SUBTYPES[DATA_TYPE]).
constexpr std::uint8_t kSubtypeDataOta = 0x00;
constexpr std::uint8_t kSubtypeDataPhy = 0x01;
constexpr std::uint8_t kSubtypeDataNvs = 0x02;
constexpr std::uint8_t kSubtypeDataNvsKeys = 0x04;

// Flag bits (PartitionDefinition.FLAGS).
constexpr std::uint32_t kFlagEncrypted = 1u << 0;
constexpr std::uint32_t kFlagReadonly = 1u << 1;

struct Partition {
  std::string name;  // up to 16 bytes, NUL padding removed
  std::uint8_t type = 0;
  std::uint8_t subtype = 0;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  std::uint32_t flags = 0;

  bool encrypted() const { return (flags & kFlagEncrypted) != 0; }
  bool readonly() const { return (flags & kFlagReadonly) != 0; }
  std::uint64_t end() const { return std::uint64_t(offset) + size; }
  bool contains(std::uint32_t address) const { return address >= offset && address < end(); }
};

struct PartitionTable {
  std::uint32_t table_offset = kDefaultPartitionTableOffset;
  std::vector<Partition> entries;  // in table order
  // The MD5 entry was present (it always matches: a mismatch is an error).
  bool md5_present = false;
  // What gen_esp32part.py warns about but accepts ("unknown flag(s)").
  std::vector<std::string> warnings;

  const Partition* find(std::string_view name) const;
  // The entry whose range holds `address` (nullptr: none).
  const Partition* containing(std::uint32_t address) const;
};

// "app", "data", "bootloader", "partition_table", else "0x40".
std::string partition_type_name(std::uint8_t type);
// "factory", "ota_0", "nvs", ... as gen_esp32part.py names them, else "0x99".
std::string partition_subtype_name(std::uint8_t type, std::uint8_t subtype);

// A name as messages and tables show it: bytes outside printable ASCII as
// \xNN (a name is 16 bytes the table's author chose; a corrupt table may
// hold newlines or control bytes there).
std::string printable_name(std::string_view name);

// True when `bytes` starts with an entry's magic (AA 50): a table is there.
bool looks_like_partition_table(std::span<const std::uint8_t> bytes);

// Reads the table from the start of `bytes` (the table's sector or more;
// at most 0xC00 bytes are looked at). Throws Error(input) with one line
// naming what is wrong: no table (first entry without magic), an entry
// with a bad magic, an MD5 entry that does not match, no end marker within
// 0xC00 bytes, duplicate names, overlapping entries, an entry that ends
// past 4 GB. `table_offset` is where the bytes were read from (reported,
// and checked: only bootloader and partition_table entries may lie below
// the table's sector end, as gen_esp32part.py verify() has it).
PartitionTable parse_partition_table(std::span<const std::uint8_t> bytes,
                                     std::uint32_t table_offset = kDefaultPartitionTableOffset);

// The entries' bytes as gen_esp32part.py to_binary() lays them out (MD5
// entry included, padded with FF to 0xC00). For tests and espsim boards.
std::vector<std::uint8_t> serialize_partition_table(const std::vector<Partition>& entries, bool with_md5 = true);

}  // namespace espbak::backup
