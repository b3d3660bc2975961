// The binary partition table reader against tables laid out as
// gen_esp32part.py writes them, and each way a table can be broken.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "espbak/backup/partition_table.hpp"
#include "espbak/ops/partitions.hpp"
#include "espbak/util/json.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/md5.hpp"

using namespace espbak;
using namespace espbak::backup;

namespace {

// ESP-IDF's "Single factory app, no OTA" table (partitions_singleapp.csv).
std::vector<Partition> singleapp() {
  return {
      {.name = "nvs", .type = kTypeData, .subtype = kSubtypeDataNvs, .offset = 0x9000, .size = 0x6000},
      {.name = "phy_init", .type = kTypeData, .subtype = kSubtypeDataPhy, .offset = 0xf000, .size = 0x1000},
      {.name = "factory", .type = kTypeApp, .subtype = 0x00, .offset = 0x10000, .size = 0x100000},
  };
}

std::string error_of(const std::vector<std::uint8_t>& bytes) {
  try {
    parse_partition_table(bytes);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a gen_esp32part.py table reads back with names, types, flags and its MD5", "[partition]") {
  auto bytes = serialize_partition_table(singleapp());
  REQUIRE(bytes.size() == kPartitionTableMaxLength);
  // The MD5 entry's digest, computed by Python's hashlib over the three
  // entries (gen_esp32part.py to_binary): an independent check of the layout.
  CHECK(to_hex(std::span(bytes).subspan(3 * 32 + 16, 16)) == "f4ad4f4538564b5d7435b62c75b69524");
  CHECK(bytes[3 * 32] == 0xEB);
  CHECK(bytes[4 * 32] == 0xFF);

  auto table = parse_partition_table(bytes);
  CHECK(table.md5_present);
  REQUIRE(table.entries.size() == 3);
  CHECK(table.entries[1].name == "phy_init");
  CHECK(table.entries[2].offset == 0x10000);
  CHECK(table.entries[2].size == 0x100000);
  CHECK(table.find("nvs")->subtype == kSubtypeDataNvs);
  CHECK(table.find("missing") == nullptr);
  CHECK(table.containing(0xf800)->name == "phy_init");
  CHECK(table.containing(0x8000) == nullptr);
  CHECK(partition_subtype_name(kTypeData, kSubtypeDataNvs) == "nvs");
  CHECK(partition_subtype_name(kTypeApp, 0x13) == "ota_3");
  CHECK(partition_subtype_name(kTypeApp, 0x31) == "tee_1");
  CHECK(partition_subtype_name(kTypeData, 0x83) == "littlefs");
  CHECK(partition_subtype_name(kTypeData, 0x42) == "0x42");
  CHECK(partition_type_name(kTypeBootloader) == "bootloader");
  CHECK(partition_type_name(0x40) == "0x40");
}

TEST_CASE("flags, a 16-byte name, no MD5 entry and the bootloader's own entry are accepted", "[partition]") {
  auto parts = singleapp();
  parts[0].flags = kFlagEncrypted | kFlagReadonly;
  parts[2].name = "sixteen_chars_ok";
  parts.push_back({.name = "bootloader", .type = kTypeBootloader, .subtype = 0, .offset = 0x1000, .size = 0x7000});
  parts.push_back({.name = "odd", .type = kTypeData, .subtype = 0x99, .offset = 0x200000, .size = 0x1000,
                   .flags = 0x10});
  auto table = parse_partition_table(serialize_partition_table(parts, false));
  CHECK_FALSE(table.md5_present);
  CHECK(table.entries[0].encrypted());
  CHECK(table.entries[0].readonly());
  CHECK(table.entries[2].name == "sixteen_chars_ok");
  REQUIRE(table.warnings.size() == 1);
  CHECK(table.warnings[0].find("unknown flag bits 0x00000010") != std::string::npos);
}

TEST_CASE("a broken table is refused with a line naming the fault", "[partition]") {
  auto good = serialize_partition_table(singleapp());

  CHECK(error_of(std::vector<std::uint8_t>(0x1000, 0xFF)).find("the sector is erased") != std::string::npos);
  CHECK(error_of({0xE9, 0x03, 0x02}).find("no AA 50 magic") != std::string::npos);

  auto bad_md5 = good;
  bad_md5[3 * 32 + 20] ^= 1;
  CHECK(error_of(bad_md5).find("MD5 entry does not match") != std::string::npos);

  auto changed_entry = good;  // the MD5 covers the entries
  changed_entry[8] ^= 1;
  CHECK(error_of(changed_entry).find("MD5 entry does not match") != std::string::npos);

  auto bad_magic = good;
  bad_magic[32] = 0x00;
  CHECK(error_of(bad_magic).find("entry 1 (at +0x20) has no AA 50 magic") != std::string::npos);

  auto cut = std::vector<std::uint8_t>(good.begin(), good.begin() + 64);
  CHECK(error_of(cut).find("cut short") != std::string::npos);

  std::vector<Partition> many;
  for (std::uint32_t i = 0; i < 96; ++i)
    many.push_back({.name = "p" + std::to_string(i), .type = kTypeData, .subtype = 6, .offset = 0x10000 + i * 0x1000,
                    .size = 0x1000});
  std::vector<std::uint8_t> no_end;
  for (const auto& part : many) {
    auto one = serialize_partition_table({part}, false);
    no_end.insert(no_end.end(), one.begin(), one.begin() + 32);
  }
  CHECK(error_of(no_end).find("no end marker within 0xc00 bytes") != std::string::npos);

  auto overlap = singleapp();
  overlap[1].offset = 0xe000;
  CHECK(error_of(serialize_partition_table(overlap)).find("'phy_init' at 0xe000 overlaps 'nvs' (0x9000-0xefff)") !=
        std::string::npos);

  auto duplicate = singleapp();
  duplicate[1].name = "nvs";
  CHECK(error_of(serialize_partition_table(duplicate)).find("two entries are named 'nvs'") != std::string::npos);

  auto below = singleapp();
  below[0].offset = 0x8000;
  CHECK(error_of(serialize_partition_table(below)).find("lies below the end of the table's sector (0x9000)") !=
        std::string::npos);

  // Found by fuzz_partition_table: a name's bytes reach the message, which
  // must stay one line.
  auto newline_name = singleapp();
  newline_name[1].name = "bad\nname\xff";
  newline_name[1].offset = 0xe000;
  CHECK(error_of(serialize_partition_table(newline_name)).find("'bad\\x0aname\\xff' at 0xe000 overlaps") !=
        std::string::npos);

  auto past_4g = singleapp();
  past_4g[2].offset = 0xFFFF0000;
  CHECK(error_of(serialize_partition_table(past_4g)).find("ends past 4 GB") != std::string::npos);
}

TEST_CASE("the table's JSON form names types and subtypes and keeps numbers as integers", "[partition]") {
  auto parts = singleapp();
  parts[2].flags = kFlagReadonly;
  auto json = parse_json(partition_table_json(parse_partition_table(serialize_partition_table(parts))).dump());
  CHECK(json.find("offset")->as_integer() == 0x8000);
  CHECK(json.find("md5_present")->as_bool() == true);
  const auto& list = *json.find("partitions")->as_array();
  REQUIRE(list.size() == 3);
  CHECK(*list[0].find("subtype")->as_string() == "nvs");
  CHECK(*list[2].find("type")->as_string() == "app");
  CHECK(list[2].find("size")->as_integer() == 0x100000);
  CHECK(list[2].find("readonly")->as_bool() == true);
  CHECK(list[2].find("encrypted")->as_bool() == false);
  CHECK(parse_json(partition_table_json(PartitionTable{}).dump()).find("partitions")->as_array()->empty());
}
