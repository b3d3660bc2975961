// espbak diff A B (issue 15): two backups compared as a user runs it, on
// files and on backups read from espsim after the firmware (here: a
// write_flash standing in for it) rewrote its volatile data. Exit codes as
// diff(1): 0 identical, 1 different, 2 and up an error.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "harness.hpp"
#include "../support/image_builder.hpp"
#include "espbak/util/json.hpp"

using namespace e2e;

namespace {

constexpr std::uint32_t kMB = 1024 * 1024;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void put_le32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = std::uint8_t(v >> (8 * i));
}

// A binary partition table as gen_esp32part.py lays it out (32-byte
// entries "<2sBBLL16sL", no MD5 entry, 0xFF after): nvs, phy_init, factory.
Bytes partition_table() {
  struct Entry {
    const char* name;
    std::uint8_t type, subtype;
    std::uint32_t offset, size;
  };
  const Entry entries[] = {{"nvs", 1, 2, 0x9000, 0x6000}, {"phy_init", 1, 1, 0xF000, 0x1000},
                           {"factory", 0, 0, 0x10000, 0x80000}};
  Bytes t(0xC00, 0xFF);
  std::size_t at = 0;
  for (const auto& e : entries) {
    t[at] = 0xAA, t[at + 1] = 0x50, t[at + 2] = e.type, t[at + 3] = e.subtype;
    put_le32(t, at + 4, e.offset);
    put_le32(t, at + 8, e.size);
    std::fill(t.begin() + at + 12, t.begin() + at + 28, 0);
    std::copy(e.name, e.name + std::strlen(e.name), t.begin() + at + 12);
    put_le32(t, at + 28, 0);
    at += 32;
  }
  return t;
}

// A 1 MB ESP32-family flash: the bootloader at `boot_offset` (the ESP32's
// 0x1000 by default) with the chip's IMAGE_CHIP_ID, the table, an app at
// 0x10000.
Bytes esp32_flash(std::uint32_t boot_offset = 0x1000, std::uint16_t image_chip_id = 0) {
  Bytes f(kMB, 0xFF);
  // Revisions v0.0 - v3.99, ESP-IDF's default for the ESP32
  // (CONFIG_ESP_REV_MAX_FULL 399), so that write_flash takes it for
  // espsim's v3 part.
  test_images::Spec spec = test_images::esp32_app();
  spec.max_rev_full = 399;
  spec.chip_id = image_chip_id;
  const Bytes boot = test_images::build(spec);
  std::copy(boot.begin(), boot.end(), f.begin() + boot_offset);
  const Bytes table = partition_table();
  std::copy(table.begin(), table.end(), f.begin() + 0x8000);
  const Bytes app = random_bytes(0x8000, 7);
  std::copy(app.begin(), app.end(), f.begin() + 0x10000);
  return f;
}

// An ESP8266 application image for a 1 MB flash (header byte 3: 0x20).
Bytes esp8266_image() {
  test_images::Spec s;
  s.extended = false;
  s.flash_size_freq = 0x20;
  s.entry = 0x40100000;
  s.segments = {{0x40100000, random_bytes(0x400, 8)}};
  return test_images::build(s);
}

espbak::JsonValue json_of(const RunResult& r) { return espbak::parse_json(r.out); }

std::string path(const TempDir& dir, const std::string& name) { return (dir / name).string(); }

}  // namespace

TEST_CASE("diff on files: ranges named by the table, volatile_only, exit 1 when different and 0 when identical",
          "[diff][cli]") {
  TempDir dir;
  const Bytes a = esp32_flash();
  Bytes b = a;
  b[0x9010] ^= 0xFF;   // nvs
  b[0xF000] ^= 0xFF;   // phy_init
  b[0xA000] ^= 0x01;   // nvs, the next sector: one range with 0x9000
  write_file(dir / "a.bin", a);
  write_file(dir / "b.bin", b);

  auto r = run_espbak({"diff", path(dir, "a.bin"), path(dir, "b.bin")});
  INFO(describe(r));
  CHECK(r.code == 1);
  CHECK(contains(r.out, "0x00009000-0x0000afff  8 KB  nvs (data/nvs)  volatile\n"));
  CHECK(contains(r.out, "0x0000f000-0x0000ffff  4 KB  phy_init (data/phy)  volatile\n"));
  CHECK(contains(r.out, "2 ranges, 12 KB differ (3 differing bytes); all in data the firmware rewrites (nvs, "
                        "phy_init)\n"));
  CHECK(contains(r.out, "Naming areas by the partition table at 0x8000 (from " + path(dir, "a.bin") + ")"));
  CHECK(r.err.empty());

  // The app changed too: not volatile only. --json after the command or before it.
  b[0x12345] ^= 0xFF;
  write_file(dir / "b.bin", b);
  for (auto args : {std::vector<std::string>{"diff", path(dir, "a.bin"), path(dir, "b.bin"), "--json"},
                    std::vector<std::string>{"--json", "diff", path(dir, "a.bin"), path(dir, "b.bin")}}) {
    auto j = run_espbak(args);
    INFO(describe(j));
    CHECK(j.code == 1);
    const auto v = json_of(j);
    CHECK(v.find("identical")->as_bool() == false);
    CHECK(v.find("volatile_only")->as_bool() == false);
    CHECK(v.find("bytes_different")->as_integer() == 4);
    CHECK(v.find("ok")->as_bool() == true);
    CHECK(v.find("exit_code")->as_integer() == 1);
    CHECK(*v.find("layout")->as_string() == "partition_table");
    CHECK(*v.find("chip")->as_string() == "esp32");  // the bootloader's image header names it
    const auto& ranges = *v.find("ranges")->as_array();
    REQUIRE(ranges.size() == 3);
    CHECK(ranges[0].find("address")->as_integer() == 0x9000);
    CHECK(ranges[0].find("size")->as_integer() == 0x2000);
    CHECK(*ranges[0].find("area")->as_string() == "nvs");
    CHECK(*ranges[0].find("kind")->as_string() == "partition");
    CHECK(ranges[0].find("volatile")->as_bool() == true);
    CHECK(*ranges[2].find("area")->as_string() == "factory");
    CHECK(ranges[2].find("volatile")->as_bool() == false);
  }
  CHECK(contains(run_espbak({"diff", path(dir, "a.bin"), path(dir, "b.bin")}).out,
                 "3 ranges, 16 KB differ (4 differing bytes); 1 range outside volatile data\n"));

  auto same = run_espbak({"diff", path(dir, "a.bin"), path(dir, "a.bin")});
  INFO(describe(same));
  CHECK(same.code == 0);
  CHECK(contains(same.out, "identical: 1 MB at 0x00000000\n"));
  auto same_json = run_espbak({"--json", "diff", path(dir, "a.bin"), path(dir, "a.bin")});
  CHECK(same_json.code == 0);
  CHECK(json_of(same_json).find("identical")->as_bool() == true);
  CHECK(json_of(same_json).find("ranges")->as_array()->empty());
  CHECK(json_of(same_json).find("exit_code") == nullptr);
}

TEST_CASE("diff reads A.json for where a backup starts and its table, and a longer B tail differs", "[diff][cli]") {
  TempDir dir;
  // Two backups of the app partition only (0x10000, 8 KB); the table comes from the manifest.
  Bytes a = random_bytes(0x2000, 3), b = a;
  b[0x1800] ^= 1;
  b.resize(0x2800, 0xFF);  // B read 2 KB more
  write_file(dir / "a.bin", a);
  write_file(dir / "b.bin", b);
  // A whole manifest, as read_flash writes one (docs/manifest.md): diff
  // reads it with the reader write_flash uses.
  const std::string manifest = R"json({"format":"espbak-backup-manifest","format_version":1,"espbak_version":"0.1.0",
    "created":"2026-12-02T15:31:00Z","port":"/dev/ttyUSB0",
    "chip":{"family":"esp32c3","description":"ESP32-C3 (QFN32) (revision v0.4)","mac":"24:0a:c4:00:00:01"},
    "flash":{"manufacturer":null,"device":null,"size":null},
    "range":{"address":65536,"size":8192},"erased_ranges":[],
    "file":{"name":"a.bin","size":8192,"md5":"00000000000000000000000000000000",
            "sha256":"0000000000000000000000000000000000000000000000000000000000000000"},
    "partition_table":{"offset":32768,"md5_present":false,"partitions":[
      {"name":"nvs","type":"data","subtype":"nvs","type_id":1,"subtype_id":2,"offset":36864,"size":24576,
       "encrypted":false,"readonly":false},
      {"name":"app","type":"app","subtype":"factory","type_id":0,"subtype_id":0,"offset":65536,"size":65536,
       "encrypted":false,"readonly":false}]}})json";
  write_file(dir / "a.bin.json", Bytes(manifest.begin(), manifest.end()));

  auto r = run_espbak({"diff", path(dir, "a.bin"), path(dir, "b.bin")});
  INFO(describe(r));
  CHECK(r.code == 1);
  CHECK(contains(r.out, "Naming areas by the partition table at 0x8000 (from " + path(dir, "a.bin.json") + ")"));
  CHECK(contains(r.out, "0x00011000-0x00011fff  4 KB  app (app/factory)\n"));
  CHECK(contains(r.out, "0x00012000-0x000127ff  2 KB  app (app/factory)  only in " + path(dir, "b.bin") + "\n"));
  CHECK(contains(r.err, "counts as different"));  // the size mismatch, said once
  CHECK(line_count(r.err) == 1);
}

TEST_CASE("diff refuses bad input in one line with exit 2 or more", "[diff][cli][errors]") {
  TempDir dir;
  write_file(dir / "a.bin", Bytes(0x1000, 0xFF));
  write_file(dir / "empty1.bin", {});
  write_file(dir / "empty2.bin", {});
  write_file(dir / "m.bin", Bytes(0x1000, 0xFF));
  const std::string junk = "{\"format\": \"espbak-backup-manifest\", \"format_version\": 1, \"range\": [";
  write_file(dir / "m.bin.json", Bytes(junk.begin(), junk.end()));
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  const Case cases[] = {
      {{"diff", path(dir, "a.bin"), path(dir, "missing.bin")}, 3, "cannot open '" + path(dir, "missing.bin") + "'"},
      {{"diff", path(dir, "empty1.bin"), path(dir, "empty2.bin")}, 3, "are both empty: there is nothing to compare"},
      {{"diff", path(dir, "m.bin"), path(dir, "a.bin")}, 3, "manifest '" + path(dir, "m.bin.json") + "': JSON: "},
      {{"diff", "--partition-table-offset", "0xZZ", path(dir, "a.bin"), path(dir, "a.bin")}, 2,
       "invalid --partition-table-offset '0xZZ'"},
      {{"diff", path(dir, "a.bin")}, 2, ""},
  };
  for (const auto& c : cases) {
    auto r = run_espbak(c.args);
    INFO(describe(r));
    CHECK(r.code == c.code);
    CHECK(contains(r.err, c.message));
    if (c.code == 3) CHECK(line_count(r.err) == 1);
  }
}

TEST_CASE("diff of ESP8266 backups read from espsim: the SDK's Wi-Fi settings rewritten are volatile, the app is not",
          "[diff][flash]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp8266";
  so.flash_size = "1MB";
  Sim sim(dir, so);
  auto espbak = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-p", sim.port()});
    return run_espbak(args);
  };
  write_file(dir / "app.bin", esp8266_image());
  REQUIRE(espbak({"write_flash", "0", path(dir, "app.bin")}).code == 0);
  REQUIRE(espbak({"read_flash", "0", "ALL", path(dir, "a.bin")}).code == 0);
  // The SDK rewrites its system parameters (Wi-Fi configuration) at 1 MB - 0x3000.
  write_file(dir / "param.bin", random_bytes(64, 9));
  REQUIRE(espbak({"write_flash", "0xFD000", path(dir, "param.bin")}).code == 0);
  REQUIRE(espbak({"read_flash", "0", "ALL", path(dir, "b.bin")}).code == 0);

  auto r = run_espbak({"--json", "diff", path(dir, "a.bin"), path(dir, "b.bin")});
  INFO(describe(r));
  CHECK(r.code == 1);
  auto v = json_of(r);
  CHECK(v.find("volatile_only")->as_bool() == true);
  CHECK(*v.find("chip")->as_string() == "esp8266");  // the image header at 0
  CHECK(v.find("flash_size")->as_integer() == kMB);
  REQUIRE(v.find("ranges")->as_array()->size() == 1);
  CHECK(*(*v.find("ranges")->as_array())[0].find("area")->as_string() == "system_param");
  CHECK(*(*v.find("ranges")->as_array())[0].find("kind")->as_string() == "sdk");
  auto human = run_espbak({"diff", path(dir, "a.bin"), path(dir, "b.bin")});
  CHECK(human.code == 1);
  CHECK(contains(human.out, "0x000fd000-0x000fdfff  4 KB  system_param (SDK system parameters: Wi-Fi configuration)"
                            "  volatile\n"));

  // Now the application changes too.
  write_file(dir / "patch.bin", random_bytes(16, 10));
  REQUIRE(espbak({"write_flash", "0x2000", path(dir, "patch.bin")}).code == 0);
  REQUIRE(espbak({"read_flash", "0", "ALL", path(dir, "c.bin")}).code == 0);
  auto changed = run_espbak({"--json", "diff", path(dir, "a.bin"), path(dir, "c.bin")});
  INFO(describe(changed));
  CHECK(changed.code == 1);
  CHECK(json_of(changed).find("volatile_only")->as_bool() == false);
  CHECK(json_of(changed).find("ranges")->as_array()->size() == 2);
}

TEST_CASE("diff of ESP32 and ESP32-C3 backups read from espsim: nvs rewritten is volatile, the app is not",
          "[diff][flash]") {
  struct Part {
    const char* chip;
    std::uint32_t boot_offset;  // the chip row's bootloader_offset
    std::uint16_t image_chip_id;
  };
  const Part part = GENERATE(Part{"esp32", 0x1000, 0}, Part{"esp32c3", 0x0, 5});
  CAPTURE(part.chip);
  TempDir dir;
  SimOptions so;
  so.chip = part.chip;
  so.flash_size = "1MB";
  Sim sim(dir, so);
  auto espbak = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-p", sim.port()});
    return run_espbak(args);
  };
  const Bytes flash = esp32_flash(part.boot_offset, part.image_chip_id);
  write_file(dir / "boot.bin", Bytes(flash.begin() + part.boot_offset, flash.begin() + part.boot_offset + 0x1000));
  write_file(dir / "table.bin", partition_table());
  write_file(dir / "app.bin", Bytes(flash.begin() + 0x10000, flash.begin() + 0x18000));
  REQUIRE(espbak({"write_flash", hex_addr(part.boot_offset), path(dir, "boot.bin"), "0x8000", path(dir, "table.bin"), "0x10000",
                  path(dir, "app.bin")})
              .code == 0);
  REQUIRE(espbak({"read_flash", "0", "ALL", path(dir, "a.bin")}).code == 0);
  write_file(dir / "nvs.bin", random_bytes(32, 11));
  REQUIRE(espbak({"write_flash", "0xA000", path(dir, "nvs.bin")}).code == 0);
  REQUIRE(espbak({"read_flash", "0", "ALL", path(dir, "b.bin")}).code == 0);

  auto r = run_espbak({"diff", path(dir, "a.bin"), path(dir, "b.bin")});
  INFO(describe(r));
  CHECK(r.code == 1);
  CHECK(contains(r.out, "0x0000a000-0x0000afff  4 KB  nvs (data/nvs)  volatile\n"));
  CHECK(contains(r.out, "all in data the firmware rewrites (nvs)"));

  write_file(dir / "patch.bin", random_bytes(16, 12));
  REQUIRE(espbak({"write_flash", "0x11000", path(dir, "patch.bin")}).code == 0);
  REQUIRE(espbak({"read_flash", "0", "ALL", path(dir, "c.bin")}).code == 0);
  auto changed = run_espbak({"--json", "diff", path(dir, "a.bin"), path(dir, "c.bin")});
  INFO(describe(changed));
  CHECK(changed.code == 1);
  auto v = json_of(changed);
  CHECK(v.find("volatile_only")->as_bool() == false);
  const auto& ranges = *v.find("ranges")->as_array();
  REQUIRE(ranges.size() == 2);
  CHECK(*ranges[1].find("area")->as_string() == "factory");
}
