// What differs between two backups and what lies there
// (backup/backup_diff.hpp): sector ranges, their areas, volatile data,
// backups of different sizes, the ESP8266 SDK's areas, the chip and table
// found in a backup. (diff reads manifests with backup/manifest.hpp's
// parse_manifest, tested in test_manifest.cpp.)
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "espbak/backup/backup_diff.hpp"
#include "espbak/util/error.hpp"
#include "image_builder.hpp"

using namespace espbak;
using namespace espbak::backup;

namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::uint32_t kMB = 1u << 20;

// ESP-IDF's "Single factory app, no OTA" table plus an OTA data partition.
std::vector<Partition> entries() {
  return {
      {.name = "nvs", .type = kTypeData, .subtype = kSubtypeDataNvs, .offset = 0x9000, .size = 0x4000},
      {.name = "otadata", .type = kTypeData, .subtype = kSubtypeDataOta, .offset = 0xd000, .size = 0x2000},
      {.name = "phy_init", .type = kTypeData, .subtype = kSubtypeDataPhy, .offset = 0xf000, .size = 0x1000},
      {.name = "factory", .type = kTypeApp, .subtype = 0x00, .offset = 0x10000, .size = 0x100000},
      {.name = "storage", .type = kTypeData, .subtype = 0x82, .offset = 0x110000, .size = 0x10000},
  };
}

PartitionTable table() { return parse_partition_table(serialize_partition_table(entries())); }

BackupImage at(std::uint32_t address, const Bytes& bytes) { return {.address = address, .bytes = bytes}; }

struct Expect {
  std::uint32_t address;
  std::uint64_t size;
  std::string area;
  bool is_volatile;
};

void check_ranges(const BackupDiff& d, const std::vector<Expect>& want) {
  REQUIRE(d.ranges.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(d.ranges[i].address == want[i].address);
    CHECK(d.ranges[i].size == want[i].size);
    CHECK(d.ranges[i].area.name == want[i].area);
    CHECK(d.ranges[i].is_volatile() == want[i].is_volatile);
  }
}

}  // namespace

TEST_CASE("differing bytes become sector ranges, adjacent sectors merged, each byte counted", "[backup_diff]") {
  Bytes a(0x8000, 0xFF), b = a;
  b[0x1000] = 0;  // sector 1
  b[0x1FFF] = 0;
  b[0x2005] = 0;  // sector 2: adjacent, one range with sector 1
  b[0x5800] = 0;  // sector 5 alone
  const BackupDiff d = diff_backups(at(0, a), at(0, b), FlashLayout());
  check_ranges(d, {{0x1000, 0x2000, "unpartitioned", false}, {0x5000, 0x1000, "unpartitioned", false}});
  CHECK(d.bytes_different == 4);
  CHECK_FALSE(d.identical());
  CHECK_FALSE(d.volatile_only());

  const BackupDiff same = diff_backups(at(0, a), at(0, a), FlashLayout());
  CHECK(same.identical());
  CHECK(same.bytes_different == 0);
  CHECK(same.volatile_only());  // nothing differs outside volatile data
}

TEST_CASE("ranges on an ESP32 with a table: named by partition, bootloader and table, split at area ends",
          "[backup_diff]") {
  const ChipInfo& esp32 = chip(ChipId::esp32);
  const FlashLayout layout = layout_from_partition_table(table(), esp32.bootloader_offset);
  Bytes a(0x120000, 0xFF), b = a;
  for (std::uint32_t p : {0x0500u, 0x1500u, 0x7000u, 0x8010u, 0x9000u, 0xA000u, 0xC000u, 0xD000u, 0xF000u, 0x20000u,
                          0x115000u})
    b[p] = 0x00;
  const BackupDiff d = diff_backups(at(0, a), at(0, b), layout);
  // nvs's last sector (0xC000) and otadata's first (0xD000) are adjacent
  // but lie in two areas: two ranges.
  check_ranges(d, {{0x0000, 0x1000, "unpartitioned", false},
                   {0x1000, 0x1000, "bootloader", false},
                   {0x7000, 0x1000, "bootloader", false},
                   {0x8000, 0x1000, "partition table", false},
                   {0x9000, 0x2000, "nvs", true},
                   {0xC000, 0x1000, "nvs", true},
                   {0xD000, 0x1000, "otadata", true},
                   {0xF000, 0x1000, "phy_init", true},
                   {0x20000, 0x1000, "factory", false},
                   {0x115000, 0x1000, "storage", false}});
  CHECK(d.ranges[1].area.kind == AreaKind::bootloader);
  CHECK(d.ranges[3].area.kind == AreaKind::partition_table);
  CHECK(d.ranges[4].area.kind == AreaKind::partition);
  CHECK(d.ranges[4].area.label() == "nvs (data/nvs)");
  CHECK(d.ranges[6].area.label() == "otadata (data/ota)");
  CHECK(d.ranges[7].area.label() == "phy_init (data/phy)");
  CHECK(d.ranges[9].area.label() == "storage (data/spiffs)");  // data, but the app's: not volatile
  CHECK(area_kind_name(d.ranges[0].area.kind) == "unpartitioned");
  CHECK(d.bytes_different == 11);
  CHECK_FALSE(d.volatile_only());

  // Only nvs, otadata and phy_init changed: volatile only.
  Bytes c = a;
  c[0x9100] = c[0xD010] = c[0xF000] = 1;
  const BackupDiff v = diff_backups(at(0, a), at(0, c), layout);
  check_ranges(v, {{0x9000, 0x1000, "nvs", true}, {0xD000, 0x1000, "otadata", true}, {0xF000, 0x1000, "phy_init", true}});
  CHECK(v.volatile_only());

  // A name with a newline (a corrupt table) is shown escaped: one line per range.
  auto odd = entries();
  odd[0].name = "nv\ns";
  const FlashLayout escaped = layout_from_partition_table(parse_partition_table(serialize_partition_table(odd)), 0x1000);
  CHECK(escaped.at(0x9000).label() == "nv\\x0as (data/nvs)");

  // Without a chip the bootloader is everything below the table.
  const FlashLayout generic = layout_from_partition_table(table(), std::nullopt);
  CHECK(generic.at(0x0500).name == "bootloader");
  CHECK(layout.at(0x0500).name == "unpartitioned");
  // An ESP32-C3 has its bootloader at 0.
  CHECK(layout_from_partition_table(table(), chip(ChipId::esp32c3).bootloader_offset).at(0).name == "bootloader");
}

TEST_CASE("a range is cut where an area boundary falls inside a sector", "[backup_diff]") {
  FlashLayout layout;
  layout.paint({.start = 0x1800, .end = 0x3000, .kind = AreaKind::sdk, .name = "odd", .rewritten_by_firmware = true});
  Bytes a(0x4000, 0xFF), b = a;
  b[0x1100] = b[0x1900] = b[0x2100] = 0;
  const BackupDiff d = diff_backups(at(0, a), at(0, b), layout);
  check_ranges(d, {{0x1000, 0x800, "unpartitioned", false}, {0x1800, 0x1800, "odd", true}});
}

TEST_CASE("backups of different sizes or start addresses: what only one holds differs, never volatile",
          "[backup_diff]") {
  const FlashLayout layout = layout_from_partition_table(table(), chip(ChipId::esp32).bootloader_offset);
  SECTION("B longer: its tail is a range only B holds, though it lies in nvs") {
    Bytes a(0xA000, 0xFF), b(0xB000, 0xFF);
    const BackupDiff d = diff_backups(at(0, a), at(0, b), layout);
    check_ranges(d, {{0xA000, 0x1000, "nvs", false}});
    CHECK(d.ranges[0].coverage == Coverage::only_b);
    CHECK(d.bytes_different == 0x1000);
    CHECK_FALSE(d.volatile_only());
  }
  SECTION("A longer by 100 bytes, and a change in A's last shared sector") {
    Bytes b(0x20000, 0xFF), a(0x20000 + 100, 0xFF);
    b[0x1F000] = 0;
    const BackupDiff d = diff_backups(at(0, a), at(0, b), layout);
    check_ranges(d, {{0x1F000, 0x1000, "factory", false}, {0x20000, 100, "factory", false}});
    CHECK(d.ranges[0].coverage == Coverage::both);
    CHECK(d.ranges[1].coverage == Coverage::only_a);
    CHECK(d.bytes_different == 101);
  }
  SECTION("B starts earlier: the bytes before A's start are B's alone, the overlap compared") {
    Bytes a(0x1000, 0x11), b(0x2000, 0x11);
    const BackupDiff d = diff_backups(at(0x10000, a), at(0xF000, b), layout);
    check_ranges(d, {{0xF000, 0x1000, "phy_init", false}});
    CHECK(d.ranges[0].coverage == Coverage::only_b);
  }
  SECTION("an empty A: all of B differs") {
    Bytes a, b(0x2000, 0xFF);
    const BackupDiff d = diff_backups(at(0, a), at(0, b), FlashLayout());
    check_ranges(d, {{0, 0x2000, "unpartitioned", false}});
    CHECK(d.bytes_different == 0x2000);
  }
}

TEST_CASE("ESP8266 SDK areas at the end of a 1 MB and a 4 MB flash, as the NONOS SDK and Arduino core place them",
          "[backup_diff]") {
  const auto& areas = chip(ChipId::esp8266).backup.end_of_flash_areas;
  // NONOS SDK v3.0 examples: RF_CAL 0x3fb000, PHY_DATA 0x3fc000,
  // SYSTEM_PARAMETER 0x3fd000 (3 sectors) on 4 MB; 0xfb000, 0xfc000, 0xfd000 on 1 MB.
  for (std::uint32_t size : {1 * kMB, 4 * kMB}) {
    CAPTURE(size);
    const FlashLayout layout = layout_from_end_of_flash(areas, size);
    CHECK(layout.at(size - 0x5001).name == "unpartitioned");
    CHECK(layout.at(size - 0x5000).name == "rf_cal");
    CHECK(layout.at(size - 0x4000).name == "phy_init");
    CHECK(layout.at(size - 0x3000).name == "system_param");
    CHECK(layout.at(size - 1).name == "system_param");
    CHECK(layout.at(size - 0x3000).kind == AreaKind::sdk);
    CHECK(layout.at(size).name == "unpartitioned");
  }
  const FlashLayout one = layout_from_end_of_flash(areas, 1 * kMB);
  CHECK(one.at(0xFB000).start == 0xFB000);
  CHECK(one.at(0xFD000).end == 0x100000);

  Bytes a(kMB, 0xFF), b = a;
  b[0xFD010] = 0x42;  // the Wi-Fi configuration
  b[0xFB123] = 0x42;  // RF calibration
  b[0xFC000] = 0x42;  // PHY init data
  BackupDiff d = diff_backups(at(0, a), at(0, b), one);
  check_ranges(d, {{0xFB000, 0x1000, "rf_cal", true}, {0xFC000, 0x1000, "phy_init", true},
                   {0xFD000, 0x1000, "system_param", true}});
  CHECK(d.volatile_only());
  b[0x2000] = 0;  // the application
  d = diff_backups(at(0, a), at(0, b), one);
  REQUIRE(d.ranges.size() == 4);
  CHECK(d.ranges[0].area.name == "unpartitioned");
  CHECK_FALSE(d.volatile_only());
  // A flash too small for an area leaves it out.
  CHECK(layout_from_end_of_flash(areas, 0x4000).at(0).name == "phy_init");
}

TEST_CASE("the flash size of the image header, the chip of a backup, the table in it", "[backup_diff]") {
  const ChipInfo& esp8266 = chip(ChipId::esp8266);
  Bytes flash(0x10000, 0xFF);
  flash[0] = 0xE9, flash[1] = 1, flash[2] = 2;
  for (auto [code, size] : {std::pair{0x20, 1 * kMB}, std::pair{0x40, 4 * kMB}, std::pair{0x50, 2 * kMB},
                            std::pair{0x00, 512u << 10}}) {
    flash[3] = std::uint8_t(code);
    CHECK(header_flash_size(at(0, flash), esp8266) == size);
  }
  flash[3] = 0x70;  // no ESP8266 code
  CHECK_FALSE(header_flash_size(at(0, flash), esp8266));
  CHECK_FALSE(header_flash_size(at(0x1000, flash), esp8266));  // the backup does not hold 0
  CHECK(header_flash_size(at(0, Bytes(0x1000, 0xFF)), esp8266) == std::nullopt);

  // ESP8266 image at 0, ESP32 image at 0x1000, ESP32-C3 image at 0.
  test_images::Spec s8266;
  s8266.extended = false;
  s8266.segments = {{0x40100000, Bytes(0x40, 1)}};
  Bytes b8266 = test_images::build(s8266);
  b8266.resize(0x2000, 0xFF);
  CHECK(detect_backup_chip(at(0, b8266)) == &esp8266);
  Bytes b32(0x1000, 0xFF);
  const Bytes app = test_images::build(test_images::esp32_app());
  b32.insert(b32.end(), app.begin(), app.end());
  CHECK(detect_backup_chip(at(0, b32)) == &chip(ChipId::esp32));
  test_images::Spec c3 = test_images::esp32_app();
  c3.chip_id = 5;  // ESP32-C3's IMAGE_CHIP_ID
  CHECK(detect_backup_chip(at(0, test_images::build(c3))) == &chip(ChipId::esp32c3));
  CHECK(detect_backup_chip(at(0, Bytes(0x2000, 0xFF))) == nullptr);
  CHECK(detect_backup_chip(at(0, Bytes())) == nullptr);

  Bytes with_table(0x9000, 0xFF);
  const Bytes t = serialize_partition_table(entries());
  std::copy(t.begin(), t.end(), with_table.begin() + 0x8000);
  auto found = table_in_backup(at(0, with_table), 0x8000);
  REQUIRE(found);
  CHECK(found->entries.size() == entries().size());
  CHECK_FALSE(table_in_backup(at(0, Bytes(0x9000, 0xFF)), 0x8000));
  CHECK_FALSE(table_in_backup(at(0x10000, with_table), 0x8000));  // not covered
  CHECK_FALSE(table_in_backup(at(0, with_table), 0x9000));        // none there
  with_table[0x8000 + 32] = 0x12;                                   // the second entry's magic broken
  CHECK_THROWS_AS(table_in_backup(at(0, with_table), 0x8000), Error);
}
