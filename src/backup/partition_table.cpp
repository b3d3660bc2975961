// The binary ESP-IDF partition table (espbak/backup/partition_table.hpp).
#include "espbak/backup/partition_table.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "espbak/util/bytes.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/md5.hpp"

namespace espbak::backup {

namespace {

using util::all_ff;
using util::le32;

constexpr std::uint8_t kEntryMagic[2] = {0xAA, 0x50};  // PartitionDefinition.MAGIC_BYTES
constexpr std::uint8_t kMd5Magic[2] = {0xEB, 0xEB};    // MD5_PARTITION_BEGIN[:2]

void put_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = std::uint8_t(v >> (8 * i));
}

struct SubtypeName {
  std::uint8_t type;
  std::uint8_t subtype;
  const char* name;
};

// gen_esp32part.py SUBTYPES (ota_N and tee_N are computed below).
constexpr SubtypeName kSubtypeNames[] = {
    {kTypeBootloader, 0x00, "primary"}, {kTypeBootloader, 0x01, "ota"},      {kTypeBootloader, 0x02, "recovery"},
    {kTypePartitionTable, 0x00, "primary"}, {kTypePartitionTable, 0x01, "ota"},
    {kTypeApp, 0x00, "factory"},        {kTypeApp, 0x20, "test"},
    {kTypeData, 0x00, "ota"},           {kTypeData, 0x01, "phy"},            {kTypeData, 0x02, "nvs"},
    {kTypeData, 0x03, "coredump"},      {kTypeData, 0x04, "nvs_keys"},       {kTypeData, 0x05, "efuse"},
    {kTypeData, 0x06, "undefined"},     {kTypeData, 0x80, "esphttpd"},       {kTypeData, 0x81, "fat"},
    {kTypeData, 0x82, "spiffs"},        {kTypeData, 0x83, "littlefs"},       {kTypeData, 0x90, "tee_ota"},
};

// The name as the bootloader compares it: the 16 bytes up to the first NUL.
std::string entry_name(const std::uint8_t* p) {
  std::size_t n = 0;
  while (n < 16 && p[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(p), n);
}

Partition decode_entry(const std::uint8_t* p) {
  Partition part;
  part.type = p[2];
  part.subtype = p[3];
  part.offset = le32(p + 4);
  part.size = le32(p + 8);
  part.name = entry_name(p + 12);
  part.flags = le32(p + 28);
  return part;
}

void check_entries(const PartitionTable& table) {
  for (std::size_t i = 0; i < table.entries.size(); ++i)
    for (std::size_t j = i + 1; j < table.entries.size(); ++j)
      if (table.entries[i].name == table.entries[j].name)
        throw Error(ErrorKind::input,
                    fmt::format("partition table at 0x{:x}: two entries are named '{}' (names must be unique)",
                                table.table_offset, printable_name(table.entries[i].name)));
  for (const auto& part : table.entries)
    if (part.end() > 0x100000000ull)
      throw Error(ErrorKind::input,
                  fmt::format("partition table at 0x{:x}: partition '{}' (0x{:x}, size 0x{:x}) ends past 4 GB",
                              table.table_offset, printable_name(part.name), part.offset, part.size));
  std::vector<const Partition*> by_offset;
  for (const auto& part : table.entries) by_offset.push_back(&part);
  std::stable_sort(by_offset.begin(), by_offset.end(),
                   [](const Partition* a, const Partition* b) { return a->offset < b->offset; });
  const std::uint64_t table_end = std::uint64_t(table.table_offset) + kPartitionTableSectorSize;
  for (std::size_t i = 0; i < by_offset.size(); ++i) {
    const Partition& part = *by_offset[i];
    // The primary bootloader and the table's own entry lie below it
    // (gen_esp32part.py verify(): is_primary_bootloader / _partition_table).
    const bool below_allowed = (part.type == kTypeBootloader || part.type == kTypePartitionTable) && part.subtype == 0;
    if (part.offset < table_end && !below_allowed)
      throw Error(ErrorKind::input,
                  fmt::format("partition table at 0x{:x}: partition '{}' at 0x{:x} lies below the end of the "
                              "table's sector (0x{:x})",
                              table.table_offset, printable_name(part.name), part.offset, table_end));
    if (i > 0 && part.offset < by_offset[i - 1]->end())
      throw Error(ErrorKind::input,
                  fmt::format("partition table at 0x{:x}: partition '{}' at 0x{:x} overlaps '{}' (0x{:x}-0x{:x})",
                              table.table_offset, printable_name(part.name), part.offset,
                              printable_name(by_offset[i - 1]->name),
                              by_offset[i - 1]->offset, by_offset[i - 1]->end() - 1));
  }
}

}  // namespace

const Partition* PartitionTable::find(std::string_view name) const {
  for (const auto& part : entries)
    if (part.name == name) return &part;
  return nullptr;
}

const Partition* PartitionTable::containing(std::uint32_t address) const {
  for (const auto& part : entries)
    if (part.contains(address)) return &part;
  return nullptr;
}

std::string printable_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7F && b != '\\') out += c;
    else out += fmt::format("\\x{:02x}", b);
  }
  return out;
}

std::string partition_type_name(std::uint8_t type) {
  switch (type) {
    case kTypeApp: return "app";
    case kTypeData: return "data";
    case kTypeBootloader: return "bootloader";
    case kTypePartitionTable: return "partition_table";
    default: return fmt::format("0x{:02x}", type);
  }
}

std::string partition_subtype_name(std::uint8_t type, std::uint8_t subtype) {
  // NUM_PARTITION_SUBTYPE_APP_OTA = 16 from 0x10; NUM_PARTITION_SUBTYPE_APP_TEE = 2 from 0x30.
  if (type == kTypeApp && subtype >= 0x10 && subtype < 0x20) return fmt::format("ota_{}", subtype - 0x10);
  if (type == kTypeApp && subtype >= 0x30 && subtype < 0x32) return fmt::format("tee_{}", subtype - 0x30);
  for (const auto& known : kSubtypeNames)
    if (known.type == type && known.subtype == subtype) return known.name;
  return fmt::format("0x{:02x}", subtype);
}

bool looks_like_partition_table(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == kEntryMagic[0] && bytes[1] == kEntryMagic[1];
}

PartitionTable parse_partition_table(std::span<const std::uint8_t> bytes, std::uint32_t table_offset) {
  PartitionTable table;
  table.table_offset = table_offset;
  if (!looks_like_partition_table(bytes))
    throw Error(ErrorKind::input,
                bytes.size() >= 2 && all_ff(bytes.first(std::min<std::size_t>(bytes.size(), kPartitionEntrySize)))
                    ? fmt::format("no partition table at 0x{:x}: the sector is erased", table_offset)
                    : fmt::format("no partition table at 0x{:x}: its first entry has no AA 50 magic "
                                  "(another --partition-table-offset?)",
                                  table_offset));
  Md5 md5;
  const std::size_t limit = std::min(bytes.size(), kPartitionTableMaxLength);
  for (std::size_t at = 0; at + kPartitionEntrySize <= limit; at += kPartitionEntrySize) {
    auto entry = bytes.subspan(at, kPartitionEntrySize);
    if (all_ff(entry)) {
      check_entries(table);
      return table;
    }
    if (entry[0] == kMd5Magic[0] && entry[1] == kMd5Magic[1]) {
      auto computed = Md5(md5).finish();
      if (!std::equal(computed.begin(), computed.end(), entry.begin() + 16))
        throw Error(ErrorKind::input,
                    fmt::format("partition table at 0x{:x}: its MD5 entry does not match (computed {}, stored {})",
                                table_offset, to_hex(computed), to_hex(entry.subspan(16))));
      table.md5_present = true;
      continue;
    }
    if (entry[0] != kEntryMagic[0] || entry[1] != kEntryMagic[1])
      throw Error(ErrorKind::input, fmt::format("partition table at 0x{:x}: entry {} (at +0x{:x}) has no AA 50 magic",
                                                table_offset, at / kPartitionEntrySize, at));
    md5.update(entry);
    Partition part = decode_entry(entry.data());
    if (std::uint32_t unknown = part.flags & ~(kFlagEncrypted | kFlagReadonly))
      table.warnings.push_back(
          fmt::format("partition '{}' has unknown flag bits 0x{:08x}", printable_name(part.name), unknown));
    table.entries.push_back(std::move(part));
  }
  throw Error(ErrorKind::input,
              bytes.size() < kPartitionTableMaxLength && !bytes.empty()
                  ? fmt::format("partition table at 0x{:x} is cut short: no end marker in its {} bytes", table_offset,
                                bytes.size())
                  : fmt::format("partition table at 0x{:x} has no end marker within 0x{:x} bytes", table_offset,
                                kPartitionTableMaxLength));
}

std::vector<std::uint8_t> serialize_partition_table(const std::vector<Partition>& entries, bool with_md5) {
  std::vector<std::uint8_t> out;
  for (const auto& part : entries) {
    std::array<std::uint8_t, kPartitionEntrySize> e{};
    e[0] = kEntryMagic[0];
    e[1] = kEntryMagic[1];
    e[2] = part.type;
    e[3] = part.subtype;
    put_le32(e.data() + 4, part.offset);
    put_le32(e.data() + 8, part.size);
    std::memcpy(e.data() + 12, part.name.data(), std::min<std::size_t>(part.name.size(), 16));
    put_le32(e.data() + 28, part.flags);
    out.insert(out.end(), e.begin(), e.end());
  }
  if (with_md5) {
    auto digest = Md5::of(out);
    out.push_back(kMd5Magic[0]);
    out.push_back(kMd5Magic[1]);
    out.insert(out.end(), 14, 0xFF);
    out.insert(out.end(), digest.begin(), digest.end());
  }
  if (out.size() >= kPartitionTableMaxLength) throw Error(ErrorKind::input, "partition table longer than 0xC00 bytes");
  out.resize(kPartitionTableMaxLength, 0xFF);
  return out;
}

}  // namespace espbak::backup
