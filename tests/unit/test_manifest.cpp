// Backup manifests (FILE.json, docs/manifest.md): what manifest_json
// writes, parse_manifest reads back field for field; every way a manifest
// can be broken is refused in one line naming the key.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "espbak/backup/manifest.hpp"
#include "espbak/ops/manifest_io.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/sha256.hpp"

using namespace espbak;
using namespace espbak::backup;

namespace {

Manifest sample() {
  Manifest m;
  m.espbak_version = "0.1.0";
  m.created = "2026-12-02T15:31:00Z";
  m.port = "/dev/ttyUSB0";
  m.chip = {"esp32c3", "ESP32-C3 (QFN32) (revision v0.4)", "24:0a:c4:00:00:01"};
  m.flash.manufacturer = 0xEF;
  m.flash.device = 0x4016;
  m.flash.size = 0x400000;
  m.range = {0, 0x400000};
  m.file = {"d1-mini.bin", 0x400000, std::string(32, 'a'), std::string(64, '0')};
  m.erased_ranges = {{0x100000, 0x10000}, {0x200000, 0x200000}};
  m.image_header = ManifestImageHeader{0, "dio", "40m", "4MB"};
  PartitionTable t;
  t.md5_present = true;
  t.entries = {{.name = "nvs", .type = kTypeData, .subtype = kSubtypeDataNvs, .offset = 0x9000, .size = 0x6000},
               {.name = "factory", .type = kTypeApp, .subtype = 0, .offset = 0x10000, .size = 0x100000,
                .flags = kFlagEncrypted | kFlagReadonly}};
  m.partition_table = t;
  return m;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    parse_manifest(text);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("a manifest written by manifest_json reads back field for field", "[manifest]") {
  const Manifest m = sample();
  const std::string text = manifest_json(m);
  CHECK(text.back() == '\n');
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  const Manifest back = parse_manifest(text);
  CHECK(back.format_version == 1);
  CHECK(back.espbak_version == m.espbak_version);
  CHECK(back.created == m.created);
  CHECK(back.port == m.port);
  CHECK(back.chip.family == m.chip.family);
  CHECK(back.chip.description == m.chip.description);
  CHECK(back.chip.mac == m.chip.mac);
  CHECK(back.flash.manufacturer == m.flash.manufacturer);
  CHECK(back.flash.device == m.flash.device);
  CHECK(back.flash.size == m.flash.size);
  CHECK(back.range == m.range);
  CHECK(back.file.name == m.file.name);
  CHECK(back.file.size == m.file.size);
  CHECK(back.file.md5 == m.file.md5);
  CHECK(back.file.sha256 == m.file.sha256);
  CHECK(back.erased_ranges == m.erased_ranges);
  REQUIRE(back.image_header);
  CHECK(*back.image_header == *m.image_header);
  REQUIRE(back.partition_table);
  CHECK(back.partition_table->table_offset == 0x8000);
  CHECK(back.partition_table->md5_present);
  REQUIRE(back.partition_table->entries.size() == 2);
  const auto& f = back.partition_table->entries[1];
  CHECK(f.name == "factory");
  CHECK(f.type == kTypeApp);
  CHECK(f.offset == 0x10000);
  CHECK(f.size == 0x100000);
  CHECK(f.flags == (kFlagEncrypted | kFlagReadonly));
  CHECK(back.whole_flash());
}

TEST_CASE("manifest keys come in the schema's order, numbers as integers", "[manifest]") {
  const std::string text = manifest_json(sample());
  std::size_t last = 0;
  for (const char* key : {"\"format\"", "\"format_version\"", "\"espbak_version\"", "\"created\"", "\"port\"",
                          "\"chip\"", "\"flash\"", "\"range\"", "\"file\"", "\"erased_ranges\"", "\"image_header\"",
                          "\"partition_table\""}) {
    const auto at = text.find(key);
    CAPTURE(key);
    REQUIRE(at != std::string::npos);
    CHECK(at >= last);
    last = at;
  }
  CHECK(text.find("\"format_version\":1,") != std::string::npos);
  CHECK(text.find("\"flash\":{\"manufacturer\":239,\"device\":16406,\"size\":4194304}") != std::string::npos);
  CHECK(text.find("\"erased_ranges\":[{\"address\":1048576,\"size\":65536},") != std::string::npos);
}

TEST_CASE("what a manifest may leave out or add", "[manifest]") {
  Manifest m = sample();
  m.image_header.reset();
  m.partition_table.reset();
  m.erased_ranges.clear();
  m.flash = {};
  const std::string text = manifest_json(m);
  CHECK(text.find("image_header") == std::string::npos);
  CHECK(text.find("partition_table") == std::string::npos);
  CHECK(text.find("\"erased_ranges\":[]") != std::string::npos);
  CHECK(text.find("\"flash\":{\"manufacturer\":null,\"device\":null,\"size\":null}") != std::string::npos);
  const Manifest back = parse_manifest(text);
  CHECK_FALSE(back.image_header);
  CHECK_FALSE(back.partition_table);
  CHECK(back.erased_ranges.empty());
  CHECK_FALSE(back.flash.size);
  CHECK_FALSE(back.flash.manufacturer);
  CHECK_FALSE(back.whole_flash());  // no size known: not a whole-flash backup
  // Keys of a later minor revision are ignored (format_version stays 1).
  const std::string later = replaced(text, "\"port\":", "\"future\":{\"x\":[1,2]},\"port\":");
  CHECK(parse_manifest(later).port == "/dev/ttyUSB0");
  // A range that is not from 0, or short of the flash, is no whole-flash backup.
  m = sample();
  m.range = {0, 0x100000};
  CHECK_FALSE(parse_manifest(manifest_json(m)).whole_flash());
}

TEST_CASE("a broken manifest is refused in one line naming the key", "[manifest]") {
  const std::string good = manifest_json(sample());
  struct Case {
    std::string from, to, message;
  };
  const std::vector<Case> cases = {
      {"{\"format\"", "[{\"format\"", "JSON: "},  // unbalanced
      {"\"format\":\"espbak-backup-manifest\"", "\"format\":\"other\"",
       "\"format\" is 'other', not 'espbak-backup-manifest'"},
      {"\"format\":\"espbak-backup-manifest\",", "", "\"format\" is missing"},
      {"\"format_version\":1", "\"format_version\":2", "\"format_version\" is 2; this espbak reads version 1 only"},
      {"\"format_version\":1", "\"format_version\":0", "\"format_version\" is 0;"},
      {"\"format_version\":1", "\"format_version\":\"1\"", "\"format_version\" must be a whole number"},
      {"\"format_version\":1", "\"format_version\":1.0", "\"format_version\" must be a whole number"},
      {"\"espbak_version\":\"0.1.0\"", "\"espbak_version\":null", "\"espbak_version\" must be a string"},
      {"\"family\":\"esp32c3\"", "\"family\":3", "\"chip.family\" must be a string"},
      {"\"family\":\"esp32c3\"", "\"family\":\"\"", "\"chip.family\" is empty"},
      {",\"mac\":\"24:0a:c4:00:00:01\"", "", "\"chip.mac\" is missing"},
      {"\"chip\":{", "\"chip\":[{", "JSON: "},
      {"\"manufacturer\":239", "\"manufacturer\":256", "\"flash.manufacturer\" is 256, outside 0..255"},
      {"\"device\":16406", "\"device\":-1", "\"flash.device\" is -1, outside 0..65535"},
      {"\"size\":4194304}", "\"size\":\"4MB\"}", "\"flash.size\" must be a whole number"},
      {"\"range\":{\"address\":0,\"size\":4194304}", "\"range\":{\"address\":0,\"size\":4294967296}",
       "\"range.size\" is 4294967296, outside 0..4294967295"},
      {"\"range\":{\"address\":0,", "\"range\":{\"address\":4294963200,", "\"range\" ends past 4 GB"},
      {"\"range\":{\"address\":0,\"size\":4194304}", "\"range\":7", "\"range\" must be an object"},
      {"\"md5\":\"aaaaaaaa", "\"md5\":\"AAAAAAAA", "\"file.md5\" must be 32 lower-case hex digits"},
      {"\"sha256\":\"00", "\"sha256\":\"", "\"file.sha256\" must be 64 lower-case hex digits"},
      {"\"erased_ranges\":[", "\"erased_ranges\":{\"a\":[", "JSON: "},
      {"\"erased_ranges\":[{\"address\":1048576,\"size\":65536}", "\"erased_ranges\":[{\"address\":1048576}",
       "\"erased_ranges[0].size\" is missing"},
      {"\"erased_ranges\":[{\"address\":1048576,\"size\":65536},{\"address\":2097152,\"size\":2097152}]",
       "\"erased_ranges\":\"none\"", "\"erased_ranges\" must be an array"},
      {"\"port\":", "\"port\":\"a\",\"port\":", "\"port\" is given twice"},
      {"\"flash_mode\":\"dio\"", "\"flash_mode\":2", "\"image_header.flash_mode\" must be a string"},
      {"\"type_id\":1", "\"type_id\":300", "\"partition_table.partitions[0].type_id\" is 300, outside 0..255"},
      {"\"encrypted\":false", "\"encrypted\":\"no\"", "\"partition_table.partitions[0].encrypted\" must be true or false"},
      {"\"md5_present\":true", "\"md5_present\":1", "\"partition_table.md5_present\" must be true or false"},
      {"\"name\":\"nvs\"", "\"name\":\"a-name-of-17-byte\"", "\"partition_table.partitions[0].name\" is longer than 16 bytes"},
      // The binary table's rules hold for the manifest's copy (diff and --partition name areas by it).
      {"\"offset\":65536", "\"offset\":40960",
       "\"partition_table\" is not a valid table (partition table at 0x8000: partition 'factory' at 0xa000 overlaps 'nvs'"},
      {"\"name\":\"factory\"", "\"name\":\"nvs\"", "two entries are named 'nvs'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.from, c.to);
    const std::string broken = replaced(good, c.from, c.to);
    CHECK_THAT(error_of(broken), Catch::Contains(c.message));
  }
  CHECK_THAT(error_of("[]"), Catch::Contains("\"(top level)\" must be an object"));
  // Text from the file is shown escaped: the message stays one line (error_of checks).
  CHECK_THAT(error_of(replaced(good, "\"format\":\"espbak-backup-manifest\"", "\"format\":\"a\\nb\"")),
             Catch::Contains("\"format\" is 'a\\x0ab'"));
  CHECK_THAT(error_of(replaced(good, "\"port\":", "\"p\\n\":1,\"p\\n\":2,\"port\":")),
             Catch::Contains("\"p\\x0a\" is given twice"));
  CHECK_THAT(error_of(""), Catch::Contains("JSON: "));
}

TEST_CASE("read_manifest_beside: absent, present, broken", "[manifest]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("espbak-manifest-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  const std::string backup = (dir / "b.bin").string();
  CHECK(manifest_path(backup) == backup + ".json");
  CHECK_FALSE(read_manifest_beside(backup));
  auto put = [&](const std::string& text) { std::ofstream(manifest_path(backup), std::ios::binary) << text; };
  put(manifest_json(sample()));
  auto m = read_manifest_beside(backup);
  REQUIRE(m);
  CHECK(m->chip.family == "esp32c3");
  put("{\"format\":\"espbak-backup-manifest\",\"format_version\":2}");
  try {
    read_manifest_beside(backup);
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    CHECK(std::string(e.what()) ==
          "manifest '" + manifest_path(backup) + "': \"format_version\" is 2; this espbak reads version 1 only");
  }
  put("not json");
  CHECK_THROWS_WITH(read_manifest_beside(backup), Catch::StartsWith("manifest '" + manifest_path(backup) + "': JSON: "));
  fs::remove(manifest_path(backup));
  fs::create_directory(manifest_path(backup));
  CHECK_THROWS_WITH(read_manifest_beside(backup), Catch::EndsWith("': not a regular file"));
  fs::remove_all(dir);
}

TEST_CASE("Sha256 fed piece by piece gives the one-shot digest", "[manifest]") {
  std::vector<std::uint8_t> data(1000);
  std::mt19937 rng(7);
  for (auto& b : data) b = std::uint8_t(rng());
  for (std::size_t cut : {0, 1, 55, 56, 63, 64, 65, 128, 999, 1000}) {
    CAPTURE(cut);
    Sha256 h;
    h.update(std::span(data).first(cut));
    // the rest in uneven pieces
    for (std::size_t at = cut; at < data.size();) {
      const std::size_t n = std::min<std::size_t>(data.size() - at, 1 + at % 77);
      h.update(std::span(data).subspan(at, n));
      at += n;
    }
    CHECK(h.finish() == sha256(data));
  }
  // FIPS 180-2 "abc", in three pieces.
  Sha256 abc;
  for (std::uint8_t c : {'a', 'b', 'c'}) abc.update(std::span(&c, 1));
  CHECK(to_hex(abc.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
