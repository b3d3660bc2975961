// Backup manifests against espsim (issue 15 points 1 and 2, docs/manifest.md):
// read_flash writes FILE.json beside FILE; write_flash checks a backup's
// FILE.json against the chip it is about to be written onto. For an
// ESP8266, an ESP32 and an ESP32-C3 (RISC-V).
#include <catch2/catch.hpp>

#include <regex>

#include "espbak/util/json.hpp"
#include "espbak/util/md5.hpp"
#include "guide_images.hpp"
#include "harness.hpp"

using namespace e2e;
using espbak::JsonValue;

namespace {

constexpr std::uint32_t kMB = 1024 * 1024;

struct ChipCase {
  const char* chip;
  std::uint32_t bootloader_offset;  // esptool BOOTLOADER_FLASH_OFFSET
  bool extended_header;
  std::uint16_t image_chip_id;  // esptool IMAGE_CHIP_ID
  std::uint8_t size_code_4mb;   // image header byte 3 high nibble for "4MB" (esptool FLASH_SIZES)
  const char* other_family;     // a chip of another family, for the refusals
};

const ChipCase kChips[] = {
    {"esp8266", 0x0, false, 0, 0x40, "esp32c3"},
    {"esp32", 0x1000, true, 0, 0x20, "esp8266"},
    {"esp32c3", 0x0, true, 5, 0x20, "esp32"},
};

const ChipCase& chip_case() {
  const int i = GENERATE(0, 1, 2);
  return kChips[i];
}

RunResult run(const Sim& sim, std::vector<std::string> args) {
  std::vector<std::string> full = {"-p", sim.port()};
  full.insert(full.end(), args.begin(), args.end());
  return run_espbak(full, std::chrono::seconds(60));
}

// One gen_esp32part.py entry ("<2sBBLL16sL").
void put_entry(Bytes& flash, std::uint32_t at, const std::string& name, std::uint8_t type, std::uint8_t subtype,
               std::uint32_t offset, std::uint32_t size) {
  Bytes e = {0xAA, 0x50, type, subtype};
  for (std::uint32_t v : {offset, size})
    for (int i = 0; i < 4; ++i) e.push_back(std::uint8_t(v >> (8 * i)));
  Bytes label(16, 0);
  std::copy(name.begin(), name.end(), label.begin());
  e.insert(e.end(), label.begin(), label.end());
  e.insert(e.end(), 4, 0);  // flags
  std::copy(e.begin(), e.end(), flash.begin() + at);
}

// A 1 MB board: a bootloader image (dio, 40m, 4MB in its header) at the
// chip's bootloader offset, a two-entry partition table at 0x8000 (no MD5
// entry; the rest of its sector erased, so the end marker is there), 64 KB
// of data at 0x10000, the rest erased.
Bytes board_flash(const ChipCase& c) {
  Bytes flash(kMB, 0xFF);
  ImageSpec spec;
  spec.extended_header = c.extended_header;
  spec.chip_id = c.image_chip_id;
  spec.sha256_appended = false;
  spec.flash_mode = 2;                // dio
  spec.size_freq = c.size_code_4mb;   // 4MB, 40m (code 0)
  const Bytes image = build_image(spec).bytes;
  std::copy(image.begin(), image.end(), flash.begin() + c.bootloader_offset);
  put_entry(flash, 0x8000, "nvs", 0x01, 0x02, 0x9000, 0x6000);
  put_entry(flash, 0x8020, "factory", 0x00, 0x00, 0x10000, 0xF0000);
  const Bytes data = random_bytes(0x10000, 15);
  std::copy(data.begin(), data.end(), flash.begin() + 0x10000);
  return flash;
}

std::string hex(std::span<const std::uint8_t> digest) {
  std::string s;
  for (auto b : digest) {
    const char* d = "0123456789abcdef";
    s += d[b >> 4];
    s += d[b & 15];
  }
  return s;
}

const JsonValue& key(const JsonValue& v, const char* name) {
  const JsonValue* found = v.find(name);
  INFO("key " << name);
  REQUIRE(found);
  return *found;
}
std::int64_t integer(const JsonValue& v, const char* name) {
  auto n = key(v, name).as_integer();
  INFO("key " << name);
  REQUIRE(n);
  return *n;
}
std::string text(const JsonValue& v, const char* name) {
  const std::string* s = key(v, name).as_string();
  INFO("key " << name);
  REQUIRE(s);
  return *s;
}

JsonValue manifest_of(const fs::path& backup) {
  const Bytes raw = read_file(fs::path(backup.string() + ".json"));
  return espbak::parse_json(std::string(raw.begin(), raw.end()));
}

std::string chip_line(const RunResult& r) {
  std::smatch m;
  const std::string all = r.out + r.err;
  REQUIRE(std::regex_search(all, m, std::regex("Chip is ([^\n]*)")));
  return m[1];
}

constexpr const char* kPartialWarning = "a whole-board restore needs the whole flash";

}  // namespace

TEST_CASE("read_flash writes FILE.json: chip, MAC, flash ID, range, digests, erased ranges, header, table",
          "[manifest]") {
  const ChipCase& c = chip_case();
  CAPTURE(c.chip);
  TempDir dir;
  const Bytes flash = board_flash(c);
  write_file(dir / "flash.bin", flash);
  SimOptions so;
  so.chip = c.chip;
  so.flash_size = "1MB";
  so.mac = "24:0a:c4:00:00:01";
  so.jedec_id = "c84014";  // GigaDevice, 1 MB
  Sim sim(dir, so);

  const fs::path out = dir / "back.bin";
  auto r = run(sim, {"--json", "read_flash", "0", "ALL", out.string()});
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(r.err.find(kPartialWarning) == std::string::npos);  // the whole flash was read
  const Bytes got = read_file(out);
  REQUIRE(got == flash);
  CHECK(espbak::parse_json(r.out).find("manifest")->as_string() != nullptr);
  CHECK(*espbak::parse_json(r.out).find("manifest")->as_string() == out.string() + ".json");
  CHECK(temporary_files(fs::path(out.string() + ".json")).empty());

  const JsonValue m = manifest_of(out);
  CHECK(text(m, "format") == "espbak-backup-manifest");
  CHECK(integer(m, "format_version") == 1);
  CHECK_FALSE(text(m, "espbak_version").empty());
  CHECK(std::regex_match(text(m, "created"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  CHECK(text(m, "port") == sim.port());
  const JsonValue& chip = key(m, "chip");
  CHECK(text(chip, "family") == c.chip);
  CHECK(text(chip, "description") == chip_line(r));
  CHECK(text(chip, "mac") == "24:0a:c4:00:00:01");
  const JsonValue& fl = key(m, "flash");
  CHECK(integer(fl, "manufacturer") == 0xC8);
  CHECK(integer(fl, "device") == 0x4014);
  CHECK(integer(fl, "size") == kMB);
  CHECK(integer(key(m, "range"), "address") == 0);
  CHECK(integer(key(m, "range"), "size") == kMB);
  const JsonValue& file = key(m, "file");
  CHECK(text(file, "name") == "back.bin");
  CHECK(integer(file, "size") == kMB);
  CHECK(text(file, "md5") == hex(espbak::Md5::of(got)));
  CHECK(text(file, "sha256") == hex(sha256_of(got.data(), got.size())));

  // Erased ranges: ascending, merged, all 0xFF in the file, and covering the
  // erased 896 KB after the data (whatever the survey's block size).
  const auto* erased = key(m, "erased_ranges").as_array();
  REQUIRE(erased);
  std::int64_t last_end = -1;
  bool tail_covered = false;
  for (const auto& range : *erased) {
    const auto address = integer(range, "address"), size = integer(range, "size");
    CHECK(size > 0);
    CHECK(address > last_end);  // sorted, and adjacent ranges merged
    last_end = address + size;
    REQUIRE(last_end <= kMB);
    CHECK(std::all_of(got.begin() + address, got.begin() + last_end, [](auto b) { return b == 0xFF; }));
    if (address <= 0x20000 && last_end == kMB) tail_covered = true;
  }
  CHECK(tail_covered);

  const JsonValue& header = key(m, "image_header");
  CHECK(integer(header, "address") == c.bootloader_offset);
  CHECK(text(header, "flash_mode") == "dio");
  CHECK(text(header, "flash_freq") == "40m");
  CHECK(text(header, "flash_size") == "4MB");
  const JsonValue& table = key(m, "partition_table");
  CHECK(integer(table, "offset") == 0x8000);
  CHECK(key(table, "md5_present").as_bool() == false);
  const auto* parts = key(table, "partitions").as_array();
  REQUIRE(parts);
  REQUIRE(parts->size() == 2);
  CHECK(text((*parts)[0], "name") == "nvs");
  CHECK(text((*parts)[0], "subtype") == "nvs");
  CHECK(integer((*parts)[0], "offset") == 0x9000);
  CHECK(text((*parts)[1], "name") == "factory");
  CHECK(text((*parts)[1], "type") == "app");
  CHECK(integer((*parts)[1], "size") == 0xF0000);
}

TEST_CASE("read_flash of part of the flash: the warning, what the manifest covers, --no-manifest", "[manifest]") {
  const ChipCase& c = chip_case();
  CAPTURE(c.chip);
  TempDir dir;
  write_file(dir / "flash.bin", board_flash(c));
  SimOptions so;
  so.chip = c.chip;
  so.flash_size = "1MB";
  Sim sim(dir, so);

  // From 0, short of the end: one warning line; the header is covered, the table is not.
  auto head = run(sim, {"read_flash", "0", "0x4000", (dir / "head.bin").string()});
  INFO(describe(head));
  REQUIRE(head.code == 0);
  const auto at = head.err.find(kPartialWarning);
  CHECK(at != std::string::npos);
  CHECK(head.err.find(kPartialWarning, at + 1) == std::string::npos);
  CHECK(head.err.find("0x4000 bytes from 0 of the 1MB flash") != std::string::npos);
  const JsonValue hm = manifest_of(dir / "head.bin");
  CHECK(integer(key(hm, "range"), "size") == 0x4000);
  CHECK(text(key(hm, "image_header"), "flash_mode") == "dio");
  CHECK(hm.find("partition_table") == nullptr);

  // Not from 0: no warning, neither header nor table.
  auto mid = run(sim, {"read_flash", "0x10000", "0x10000", (dir / "mid.bin").string()});
  INFO(describe(mid));
  REQUIRE(mid.code == 0);
  CHECK(mid.err.find(kPartialWarning) == std::string::npos);
  const JsonValue mm = manifest_of(dir / "mid.bin");
  CHECK(integer(key(mm, "range"), "address") == 0x10000);
  CHECK(mm.find("image_header") == nullptr);
  CHECK(mm.find("partition_table") == nullptr);
  CHECK(key(mm, "erased_ranges").as_array()->empty());  // all data there

  // --diff-with DIR never takes a manifest for an earlier image, even the newest file there.
  fs::create_directory(dir / "old");
  write_file(dir / "old" / "old.bin", Bytes(0x1000, 0xFF));
  write_file(dir / "old" / "old.bin.json", Bytes{'{', '}'});
  fs::last_write_time(dir / "old" / "old.bin.json",
                      fs::last_write_time(dir / "old" / "old.bin") + std::chrono::seconds(10));
  auto diff = run(sim, {"read_flash", "--diff-with", (dir / "old").string(), "0", "0x4000", (dir / "d.bin").string()});
  INFO(describe(diff));
  REQUIRE(diff.code == 0);
  CHECK(diff.out.find("Comparing with '" + (dir / "old" / "old.bin").string() + "'") != std::string::npos);

  // --no-manifest: the backup alone.
  auto none = run(sim, {"read_flash", "--no-manifest", "0", "ALL", (dir / "none.bin").string()});
  INFO(describe(none));
  REQUIRE(none.code == 0);
  CHECK(fs::exists(dir / "none.bin"));
  CHECK_FALSE(fs::exists(dir / "none.bin.json"));

  // A partition's backup: its range in the manifest; written back by name
  // without a warning, at another address with one.
  const std::string nvs = (dir / "nvs.bin").string();
  auto part = run(sim, {"read_flash", "--partition", "nvs", nvs});
  INFO(describe(part));
  REQUIRE(part.code == 0);
  CHECK(integer(key(manifest_of(nvs), "range"), "address") == 0x9000);
  CHECK(integer(key(manifest_of(nvs), "range"), "size") == 0x6000);
  auto back = run(sim, {"write_flash", "--partition", "nvs", nvs});
  INFO(describe(back));
  CHECK(back.code == 0);
  CHECK(back.err.find("was read from") == std::string::npos);
  auto moved = run(sim, {"write_flash", "0x20000", nvs});
  INFO(describe(moved));
  CHECK(moved.code == 0);
  CHECK(moved.err.find("'" + nvs + "' was read from 0x9000 and is being written at 0x20000") != std::string::npos);

  // A FILE.json that cannot be written is refused before the port is opened.
  fs::create_directory(dir / "dir.bin.json");
  auto blocked = run(sim, {"read_flash", "0", "0x1000", (dir / "dir.bin").string()});
  INFO(describe(blocked));
  CHECK(blocked.code == 3);
  CHECK(blocked.err.find("dir.bin.json': it is a directory") != std::string::npos);
  CHECK(blocked.out.find("Connecting") == std::string::npos);
  CHECK_FALSE(fs::exists(dir / "dir.bin"));
}

TEST_CASE("write_flash checks a backup's FILE.json against the chip it writes onto", "[manifest]") {
  const ChipCase& c = chip_case();
  CAPTURE(c.chip, c.other_family);
  TempDir src_dir, dir;
  // The backup: a whole 1 MB flash of a board with MAC A.
  const Bytes board = board_flash(c);
  write_file(src_dir / "flash.bin", board);
  const fs::path backup = dir / "back.bin";
  const std::string json = backup.string() + ".json";
  {
    SimOptions so;
    so.chip = c.chip;
    so.flash_size = "1MB";
    so.mac = "24:0a:c4:00:00:01";
    Sim source(src_dir, so);
    auto r = run(source, {"read_flash", "0", "ALL", backup.string()});
    INFO(describe(r));
    REQUIRE(r.code == 0);
  }
  const Bytes good_json = read_file(json);
  const Bytes erased(kMB, 0xFF);

  {  // Another chip family: corrupt and later-version manifests first, then the refusal, then --force.
    TempDir target_dir;
    SimOptions so;
    so.chip = c.other_family;
    so.flash_size = "1MB";
    Sim target(target_dir, so);
    auto before_connect = [&](const std::string& content, const std::string& message) {
      write_file(json, Bytes(content.begin(), content.end()));
      auto r = run(target, {"write_flash", "0", backup.string()});
      INFO(describe(r));
      CHECK(r.code == 3);
      CHECK(line_count(r.err) == 1);
      CHECK(r.err.find("manifest '" + json + "': " + message) != std::string::npos);
      CHECK(r.out.find("Serial port") == std::string::npos);  // the port was never opened
      CHECK(read_file(target.flash_file()) == erased);
    };
    before_connect("{\"format\":", "JSON: ");
    std::string v2(good_json.begin(), good_json.end());
    v2.replace(v2.find("\"format_version\":1"), 18, "\"format_version\":2");
    before_connect(v2, "\"format_version\" is 2; this espbak reads version 1 only");
    write_file(json, good_json);

    auto refused = run(target, {"write_flash", "0", backup.string()});
    INFO(describe(refused));
    CHECK(refused.code == 11);
    CHECK(refused.err.find("'" + backup.string() + "' is a backup of " + std::string(c.chip)) != std::string::npos);
    CHECK(refused.err.find("and this chip is " + std::string(c.other_family) + ": not written") != std::string::npos);
    CHECK(refused.out.find("Serial port") != std::string::npos);  // refused after connecting
    CHECK(read_file(target.flash_file()) == erased);

    auto forced = run(target, {"write_flash", "--force", "0", backup.string()});
    INFO(describe(forced));
    CHECK(forced.code == 0);
    CHECK(forced.err.find("(--force: writing it anyway)") != std::string::npos);
    CHECK(read_file(target.flash_file()) == board);
  }

  {  // A whole-flash backup onto a flash of another size: refused; without the manifest, written as ever.
    TempDir target_dir;
    SimOptions so;
    so.chip = c.chip;
    so.flash_size = "2MB";
    so.mac = "24:0a:c4:00:00:01";
    Sim target(target_dir, so);
    auto refused = run(target, {"write_flash", "0", backup.string()});
    INFO(describe(refused));
    CHECK(refused.code == 11);
    CHECK(refused.err.find("is a whole-flash backup of a 1MB flash and this flash is 2MB: not written") !=
          std::string::npos);
    CHECK(read_file(target.flash_file()) == Bytes(2 * kMB, 0xFF));

    fs::remove(json);
    auto plain = run(target, {"write_flash", "0", backup.string()});
    INFO(describe(plain));
    CHECK(plain.code == 0);
    CHECK(plain.err.find("backup") == std::string::npos);
    const Bytes after = read_file(target.flash_file());
    CHECK(Bytes(after.begin(), after.begin() + kMB) == board);
    write_file(json, good_json);
  }

  {  // Same chip and size, another MAC: a warning, then written.
    TempDir target_dir;
    SimOptions so;
    so.chip = c.chip;
    so.flash_size = "1MB";
    so.mac = "24:0a:c4:00:00:02";
    Sim target(target_dir, so);
    auto r = run(target, {"write_flash", "0", backup.string()});
    INFO(describe(r));
    CHECK(r.code == 0);
    CHECK(r.err.find("this is the backup of 24:0a:c4:00:00:01; MAC-bound data such as RF calibration and NVS keys "
                     "will be copied (this chip is 24:0a:c4:00:00:02)") != std::string::npos);
    CHECK(read_file(target.flash_file()) == board);
  }
}
