// Every chip end to end: espbak against `espsim --chip <chip>`, one table
// row per chip, the same cases for each (detection with -c auto and -c
// <chip>, the connect banner, flash_id, a write / read / verify / erase
// round trip of a whole 4 MB flash with the stub, a small ROM read,
// read_mac, GET_SECURITY_INFO). A chip espbak has no stub for (ESP32-H21)
// runs the round trip on the ROM loader, smaller (the ROM reads 64 bytes a
// request), and says so in one line.
//
// Expected strings are esptool v5.3.1's decoding rules (esptool/targets/
// <chip>.py get_chip_description, get_chip_features, read_mac,
// get_crystal_freq) applied by hand to the register image espsim builds
// from the row's power_on_fields (src/chips/<chip>.cpp), not espbak's output:
// - ESP8266: no fields set, so eFuse bits 4 and 80 are clear: "ESP8266EX";
//   features ["Wi-Fi", "160MHz"]; crystal from UART_CLKDIV with divider 2:
//   espsim's 26 MHz gives 26. MAC 5c:cf:7f goes through MAC3 (not one of
//   the two OUIs MAC1 selects).
// - ESP32: package 1 (word 3 bits 9-11), rev bits 1/1/1 (code 7: major 3),
//   minor 0 -> "ESP32-D0WD-V3 (revision v3.0)"; BT not disabled, APP CPU
//   not disabled, CPU_FREQ_RATED clear (no MHz entry), package 1 has no
//   embedded flash, ADC_VREF 0, coding scheme 0 -> "Wi-Fi, BT, Dual Core +
//   LP Core, Coding Scheme None". Crystal estimated from CLKDIV: 40.
// - ESP32-S3: package 0, minor 2, major 0, block version v1.1 so not eco0
//   -> "ESP32-S3 (QFN56) (revision v0.2)"; flash cap 0 (nothing), PSRAM cap
//   1 vendor 1 -> "Embedded PSRAM 8MB (AP_3v3)". Crystal fixed 40.
// - ESP32-C3: package 0, major 0, minor (0 << 3) | 4 -> "ESP32-C3 (QFN32)
//   (revision v0.4)"; flash cap 1 vendor 1 -> "Embedded Flash 4MB (XMC)".
//   Crystal fixed 40.
// - ESP32-C6: package 1 with flash cap 1 -> "ESP32-C6FH4 (QFN32)", major 0,
//   minor 2 (all BLOCK1 word 3) -> "(revision v0.2)"; features end with
//   "Embedded Flash 4MB". Crystal fixed 40.
// - ESP32-H2: package 0 (BLOCK1 word 4 bits 0-2), major 0 (word 3 bits
//   21-22), minor 1 (word 3 bits 18-20) -> "ESP32-H2 (revision v0.1)";
//   features a constant list. Crystal fixed 32.
// - ESP32-P4 (two rows, espsim --chip-revision): package 0 (BLOCK1 word 2
//   bits 20-22); major = (word 2 bit 23) << 2 | bits 4-5, minor bits 0-3.
//   v1.0: bit 23 clear, bits 4-5 = 1, minor 0 -> "ESP32-P4 (revision
//   v1.0)", get_chip_revision 100 < 300 -> the esp32p4-rev1 stub, no flash
//   power-on. v3.1: bits 4-5 = 3, minor 1 -> "(revision v3.1)", revision
//   301 -> the esp32p4 stub, and power_on_flash runs before the flash is
//   touched (espsim's v3.1 flash answers RDID with all ones until then).
//   Features a constant list; crystal fixed 40.
// - ESP32-H4: package 0 (BLOCK1 word 4 bits 12-14) -> "ESP32-H4 (QFN40)",
//   major 0 (word 3 bits 22-23), minor 1 (word 3 bits 18-21) -> "(revision
//   v0.1)"; features the constant "BT 5 (LE), IEEE802.15.4, Dual Core,
//   96MHz". Crystal fixed 32. MAC from BLOCK1 at 0x600B1844 (MAC_EXT ff:fe
//   in word 1's high half is not part of the base MAC).
// - ESP32-S31: package 0 (BLOCK1, at eFuse base + 0x50, word 4 bits 6-7)
//   -> "ESP32-S31", major 0 and minor 0 (word 3 bits 22-23 / 18-21) ->
//   "(revision v0.0)"; features the constant "Wi-Fi 6, BT 5.4 (LE),
//   IEEE802.15.4, Dual Core + LP Core, 300MHz". Crystal fixed 40.
// - ESP32-C2: BLOCK2 word 1 (EFUSE_BASE + 0x44) package 1 (bits 22-24),
//   major 1 (20-21), minor 0 (16-19) -> "ESP8684H (revision v1.0)"; word 7
//   flash cap 1 (bits 29-31) vendor 2 (24-26) -> "Wi-Fi, BT 5 (LE), Single
//   Core, 120MHz, Embedded Flash 4MB (GD)". Crystal measured from CLKDIV:
//   espsim's default 40 MHz gives 40 (the 26 MHz part: test_chip_crystal.cpp).
// - ESP32-C5: BLOCK1 word 2 package 0 (bits 26-28), major 1 (4-5), minor 0
//   (0-3) -> "ESP32-C5 (revision v1.0)"; features a constant list. Crystal
//   measured: 40 (the 48 MHz part: test_chip_crystal.cpp).
// - ESP32-S2: flash cap 2 and PSRAM cap 1 (BLOCK1 word 3 bits 21-24 and
//   28-31: 2 + 100 * 1 = 102) -> "ESP32-S2FNR2"; major 1 (word 3 bits
//   18-19), minor (word 3 bit 20 = 0) << 3 | word 4 bits 4-6 = 0 ->
//   "(revision v1.0)"; features "Wi-Fi, Single Core, 240MHz", flash cap 2
//   "Embedded Flash 4MB", PSRAM cap 1 "Embedded PSRAM 2MB", BLOCK2 word 4
//   bits 4-6 = 2 "ADC and temperature sensor calibration in BLK2 of eFuse
//   V2". Crystal fixed 40. GET_SECURITY_INFO: the 12-byte form, no chip id
//   (loader.py get_security_info), so no "chip_id" in the JSON.
// - ESP32-C61: BLOCK1 word 2: package 0 (bits 26-28), major 1 (bits 4-5),
//   minor 0 (bits 0-3) -> "ESP32-C61 (revision v1.0)"; features a constant
//   list. Crystal fixed 40 (ESP32C6ROM's get_crystal_freq).
// - ESP32-H21: BLOCK1 word 5: package 0 (bits 11-13), major 0 (bits 8-9),
//   minor 1 (bits 4-7) -> "ESP32-H21 (revision v0.1)"; features a constant
//   list. Crystal fixed 32. No stub: the ROM loader serves everything but
//   erase_flash (ERASE_FLASH is a stub command; esptool's erase_flash is
//   stub-only as well), which is refused with the reason.
// MACs: esptool prints the base MAC from the words espsim's encode_mac
// fills; each row uses a non-default one of the chip's OUI.
#include <catch2/catch.hpp>

#include <algorithm>

#include "harness.hpp"

using namespace e2e;

namespace {

struct ChipRow {
  const char* chip;         // --chip / espsim --chip
  const char* name;         // "Detecting chip type... <name>"
  const char* description;  // "Chip is <description>"
  const char* features;     // "Features: <features>"
  const char* crystal;      // "Crystal is <crystal>"
  const char* mac;          // espsim --mac, printed back as "MAC: <mac>"
  const char* jedec;        // espsim --jedec-id: manufacturer + device
  const char* flash_size;   // espsim --flash-size, with jedec's capacity byte
  bool rom_reads_flash;     // the ROM has READ_FLASH_SLOW (not the ESP8266)
  int security_chip_id;     // GET_SECURITY_INFO chip id; 0: no such command; -1: 12 bytes, no chip id
  const char* chip_revision = nullptr;  // espsim --chip-revision (nullptr: the chip file's part)
  // read_mac's "MAC:" on chips whose esptool read_mac has an EUI-64 form
  // (MAC_EXT ff:fe after the OUI, as espsim's eFuses hold it); nullptr: none.
  const char* eui64 = nullptr;
  bool stub = true;  // espbak has a flasher stub for the chip
};

const ChipRow kChips[] = {
    {"esp8266", "ESP8266", "ESP8266EX", "Wi-Fi, 160MHz", "26MHz", "5c:cf:7f:12:34:56", "ef4016", "4MB", false, 0},
    {"esp32", "ESP32", "ESP32-D0WD-V3 (revision v3.0)", "Wi-Fi, BT, Dual Core + LP Core, Coding Scheme None", "40MHz",
     "24:0a:c4:ab:cd:ef", "c84017", "8MB", true, 0},
    {"esp32s3", "ESP32-S3", "ESP32-S3 (QFN56) (revision v0.2)",
     "Wi-Fi, BT 5 (LE), Dual Core + LP Core, 240MHz, Embedded PSRAM 8MB (AP_3v3)", "40MHz", "7c:df:a1:ab:cd:ef",
     "ef4017", "8MB", true, 9},
    {"esp32c3", "ESP32-C3", "ESP32-C3 (QFN32) (revision v0.4)",
     "Wi-Fi, BT 5 (LE), Single Core, 160MHz, Embedded Flash 4MB (XMC)", "40MHz", "84:fc:e6:ab:cd:ef", "204016", "4MB",
     true, 5},
    {"esp32c6", "ESP32-C6", "ESP32-C6FH4 (QFN32) (revision v0.2)",
     "Wi-Fi 6, BT 5 (LE), IEEE802.15.4, Single Core + LP Core, 160MHz, Embedded Flash 4MB", "40MHz",
     "60:55:f9:ab:cd:ef", "c84016", "4MB", true, 13, nullptr, "60:55:f9:ff:fe:ab:cd:ef"},
    {"esp32h2", "ESP32-H2", "ESP32-H2 (revision v0.1)", "BT 5 (LE), IEEE802.15.4, Single Core, 96MHz", "32MHz",
     "60:55:f9:12:ab:cd", "c84015", "2MB", true, 16, nullptr, "60:55:f9:ff:fe:12:ab:cd"},
    {"esp32p4", "ESP32-P4", "ESP32-P4 (revision v1.0)", "Dual Core + LP Core, 400MHz", "40MHz", "30:ed:a0:ab:cd:ef",
     "c84017", "8MB", true, 18, "1.0"},
    {"esp32p4", "ESP32-P4", "ESP32-P4 (revision v3.1)", "Dual Core + LP Core, 400MHz", "40MHz", "30:ed:a0:12:ab:cd",
     "ef4018", "16MB", true, 18, "3.1"},
    {"esp32h4", "ESP32-H4", "ESP32-H4 (QFN40) (revision v0.1)", "BT 5 (LE), IEEE802.15.4, Dual Core, 96MHz", "32MHz",
     "60:55:f9:f7:2c:a2", "c84016", "4MB", true, 28, nullptr, "60:55:f9:ff:fe:f7:2c:a2"},
    {"esp32s31", "ESP32-S31", "ESP32-S31 (revision v0.0)",
     "Wi-Fi 6, BT 5.4 (LE), IEEE802.15.4, Dual Core + LP Core, 300MHz", "40MHz", "60:55:f9:ab:cd:ef", "ef4018",
     "16MB", true, 32},
    {"esp32c2", "ESP32-C2", "ESP8684H (revision v1.0)",
     "Wi-Fi, BT 5 (LE), Single Core, 120MHz, Embedded Flash 4MB (GD)", "40MHz", "08:3a:8d:ab:cd:ef", "c84016", "4MB",
     true, 12},
    {"esp32c5", "ESP32-C5", "ESP32-C5 (revision v1.0)",
     "Wi-Fi 6 (dual-band), BT 5 (LE), IEEE802.15.4, Single Core + LP Core, 240MHz", "40MHz", "60:55:f9:ab:12:34",
     "ef4017", "8MB", true, 23, nullptr, "60:55:f9:ff:fe:ab:12:34"},
    {"esp32s2", "ESP32-S2", "ESP32-S2FNR2 (revision v1.0)",
     "Wi-Fi, Single Core, 240MHz, Embedded Flash 4MB, Embedded PSRAM 2MB, ADC and temperature sensor calibration in "
     "BLK2 of eFuse V2",
     "40MHz", "80:65:99:ab:cd:ef", "c84016", "4MB", true, -1},
    {"esp32c61", "ESP32-C61", "ESP32-C61 (revision v1.0)", "Wi-Fi 6, BT 5 (LE), Single Core, 160MHz", "40MHz",
     "60:55:f9:ab:12:34", "204017", "8MB", true, 20},
    {"esp32h21", "ESP32-H21", "ESP32-H21 (revision v0.1)", "BT 5 (LE), IEEE802.15.4, Single Core, 96MHz", "32MHz",
     "60:55:f9:34:56:78", "ef4015", "2MB", true, 25, nullptr, "60:55:f9:ff:fe:34:56:78", false},
};
constexpr int kChipCount = int(sizeof kChips / sizeof kChips[0]);

RunResult espbak(const Sim& sim, std::vector<std::string> args, bool no_stub = false) {
  std::vector<std::string> full = {"-p", sim.port()};
  if (no_stub) full.push_back("--no-stub");
  full.insert(full.end(), args.begin(), args.end());
  return run_espbak(full, std::chrono::seconds(60));
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// espsim's options for the row's chip (and silicon revision).
SimOptions sim_options(const ChipRow& row) {
  SimOptions so;
  so.chip = row.chip;
  if (row.chip_revision) so.extra_args = {"--chip-revision", row.chip_revision};
  return so;
}

// What espbak prints instead of uploading a stub it does not have.
std::string no_stub_line(const ChipRow& row) {
  return std::string("espbak has no flasher stub for ") + row.name +
         " (esptool-js 0.7.0 publishes none); using the ROM loader\n";
}

// Bytes [at, at + size) of the simulated flash file.
Bytes flash_range(const Sim& sim, std::uint32_t at, std::size_t size) {
  Bytes flash = read_file(sim.flash_file());
  if (flash.size() < at + size) return {};
  return Bytes(flash.begin() + at, flash.begin() + at + long(size));
}

}  // namespace

TEST_CASE("every chip: detection, the connect banner and flash_id", "[chips][matrix]") {
  const ChipRow& row = kChips[GENERATE(range(0, kChipCount))];
  CAPTURE(row.chip, row.description);
  TempDir dir;
  SimOptions so = sim_options(row);
  so.flash_size = row.flash_size;
  so.mac = row.mac;
  so.jedec_id = row.jedec;
  Sim sim(dir, so);

  // -c auto (the default) and -c <chip> see the same chip.
  for (const std::string chip_option : {"auto", row.chip}) {
    CAPTURE(chip_option);
    auto r = espbak(sim, {"-c", chip_option, "flash_id"});
    INFO(describe(r) << "\nespsim:\n" << sim.log());
    REQUIRE(r.code == 0);
    const std::string text = flat(r);
    if (chip_option == "auto") CHECK(contains(text, std::string("Detecting chip type... ") + row.name));
    CHECK(contains(r.out, std::string("Chip is ") + row.description + "\n"));
    CHECK(contains(r.out, std::string("Features: ") + row.features + "\n"));
    CHECK(contains(r.out, std::string("Crystal is ") + row.crystal + "\n"));
    CHECK(contains(r.out, std::string("MAC: ") + row.mac + "\n"));
    if (row.stub) {
      CHECK(contains(r.out, "Stub running..."));
    } else {
      CHECK(contains(r.out, no_stub_line(row)));
      CHECK(!contains(r.out, "Uploading stub"));
    }
    CHECK(contains(r.out, "Manufacturer: " + std::string(row.jedec).substr(0, 2) + "\n"));
    CHECK(contains(r.out, "Device: " + std::string(row.jedec).substr(2) + "\n"));
    CHECK(contains(r.out, std::string("Detected flash size: ") + row.flash_size + "\n"));
  }
}

TEST_CASE("every chip: a whole 4 MB flash written, read back, verified and erased through the stub, and a ROM read",
          "[chips][matrix]") {
  const ChipRow& row = kChips[GENERATE(range(0, kChipCount))];
  CAPTURE(row.chip);
  TempDir dir;
  SimOptions so = sim_options(row);
  so.flash_size = "4MB";
  Sim sim(dir, so);

  constexpr std::size_t kFlash = 4u << 20;
  // With the stub the whole flash. Without one every read is
  // READ_FLASH_SLOW's 64 bytes a request: 8 KB and 17 bytes at 0x10000.
  const std::uint32_t at = row.stub ? 0 : 0x10000;
  Bytes data = random_bytes(row.stub ? kFlash : 0x2000 + 17, 11);
  // No image header at any chip's bootloader offset (0x0, 0x1000, 0x2000),
  // so the image is written as it is, byte for byte.
  if (row.stub)
    for (std::size_t h : {0x0, 0x1000, 0x2000}) data[h] = 0x00;
  write_file(dir / "in.bin", data);
  auto w = espbak(sim, {"write_flash", hex_addr(at), (dir / "in.bin").string()});
  INFO(describe(w) << "\nespsim:\n" << sim.log());
  REQUIRE(w.code == 0);
  CHECK(contains(flat(w), "Hash of data verified."));
  CHECK(contains(w.out, row.stub ? std::string("Stub running...") : no_stub_line(row)));
  CHECK(flash_range(sim, at, data.size()) == data);

  auto rd = espbak(sim, {"read_flash", hex_addr(at), row.stub ? "ALL" : std::to_string(data.size()),
                         (dir / "back.bin").string()});
  INFO(describe(rd));
  REQUIRE(rd.code == 0);
  CHECK(read_file(dir / "back.bin") == data);

  auto v = espbak(sim, {"verify_flash", hex_addr(at), (dir / "in.bin").string()});
  INFO(describe(v));
  CHECK(v.code == 0);
  CHECK(contains(v.out, "-- verify OK (digest matched)"));

  // `region` is a flash address; `in_data` the same place in `data`.
  const std::uint32_t region = 0x10000, block = row.stub ? 0x10000 : 0x2000;
  const std::size_t in_data = region - at;
  if (row.rom_reads_flash) {
    // READ_FLASH_SLOW in the ROM, 64 bytes a request: keep it small.
    auto rom = espbak(sim, {"read_flash", hex_addr(region), "0x200", (dir / "rom.bin").string()}, true);
    INFO(describe(rom));
    REQUIRE(rom.code == 0);
    CHECK(!contains(rom.out, "Stub running..."));
    CHECK(read_file(dir / "rom.bin") == Bytes(data.begin() + long(in_data), data.begin() + long(in_data) + 0x200));
  }

  // One block of sectors goes, the bytes either side stay.
  auto er = espbak(sim, {"erase_region", hex_addr(region), hex_addr(block)});
  INFO(describe(er));
  REQUIRE(er.code == 0);
  CHECK(flash_range(sim, region, block) == Bytes(block, 0xFF));
  const auto after = data.begin() + long(in_data + block);
  CHECK(flash_range(sim, region + block, 17) == Bytes(after, after + 17));
  if (row.stub)
    CHECK(flash_range(sim, region - 16, 16) == Bytes(data.begin() + long(in_data) - 16, data.begin() + long(in_data)));

  auto ef = espbak(sim, {"erase_flash"});
  INFO(describe(ef));
  if (row.stub) {
    REQUIRE(ef.code == 0);
    CHECK(read_file(sim.flash_file()) == Bytes(kFlash, 0xFF));
  } else {
    // ERASE_FLASH is a stub command, and there is no stub to drop --no-stub for.
    CHECK(ef.code == 9);
    CHECK(line_count(ef.err) == 1);
    CHECK(contains(ef.err, std::string("espbak has no flasher stub for ") + row.name + " (esptool-js 0.7.0 publishes none), or use erase_region"));
    CHECK(flash_range(sim, region + block, 17) == Bytes(after, after + 17));
  }
}

TEST_CASE("every chip: read_mac prints the MAC, and the EUI-64 with its parts where esptool does", "[chips][matrix]") {
  const ChipRow& row = kChips[GENERATE(range(0, kChipCount))];
  CAPTURE(row.chip);
  TempDir dir;
  SimOptions so = sim_options(row);
  so.mac = row.mac;
  Sim sim(dir, so);
  auto r = espbak(sim, {"--json", "read_mac"});
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "\"mac\":\"" + std::string(row.mac) + "\""));
  auto text = espbak(sim, {"-q", "read_mac"});  // -q: only the result, not the connect lines
  INFO(describe(text));
  REQUIRE(text.code == 0);
  if (row.eui64) {
    // esptool v5.3.1 cmds.py read_mac: "MAC" is the EUI-64, then the parts.
    CHECK(text.out.rfind(std::string("MAC: ") + row.eui64 + "\n", 0) == 0);
    CHECK(contains(text.out, std::string("\nBASE MAC: ") + row.mac + "\n"));
    CHECK(contains(text.out, "\nMAC_EXT: ff:fe\n"));
    CHECK(contains(r.out, "\"eui64\":\"" + std::string(row.eui64) + "\""));
  } else {
    CHECK(text.out == std::string("MAC: ") + row.mac + "\n");
    CHECK_FALSE(contains(text.out, "MAC_EXT"));
  }
}

TEST_CASE("every chip: get_security_info has the chip id, or the chip has no such command", "[chips][matrix]") {
  const ChipRow& row = kChips[GENERATE(range(0, kChipCount))];
  CAPTURE(row.chip, row.description);
  TempDir dir;
  SimOptions so = sim_options(row);
  Sim sim(dir, so);
  if (row.security_chip_id == -1) {
    // The 12-byte form: esptool prints no "Chip ID" / "API Version" lines.
    auto r = espbak(sim, {"--json", "get_security_info"});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(contains(r.out, "\"security_info\":{"));
    CHECK(!contains(r.out, "\"chip_id\""));
    CHECK(!contains(r.out, "\"api_version\""));
    CHECK(contains(r.out, "\"secure_download_mode\":false"));
    auto text = espbak(sim, {"get_security_info"});
    INFO(describe(text));
    REQUIRE(text.code == 0);
    CHECK(contains(text.out, "Flags: 0x00000000"));
    CHECK(!contains(text.out, "Chip ID:"));
  } else if (row.security_chip_id != 0) {
    auto r = espbak(sim, {"--json", "get_security_info"});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(contains(r.out, "\"chip_id\":" + std::to_string(row.security_chip_id)));
    CHECK(contains(r.out, "\"secure_download_mode\":false"));
  } else {
    auto r = espbak(sim, {"-q", "get_security_info"});
    INFO(describe(r));
    CHECK(r.code == 9);
    CHECK(line_count(r.err) == 1);
    CHECK(contains(r.err, std::string(row.name) + " has no GET_SECURITY_INFO"));
  }
}

TEST_CASE("a --chip of esp32c3 against an ESP32-C6 names both chips", "[chips][matrix]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32c6";
  Sim sim(dir, so);
  auto r = espbak(sim, {"--chip", "esp32c3", "flash_id"});
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  CHECK(r.code == 2);  // a usage error: the wrong --chip, not a broken link
  CHECK(line_count(r.err) == 1);
  CHECK(contains(r.err, "ESP32-C3"));
  CHECK(contains(r.err, "ESP32-C6"));
}

// espsim's flash answers no raw SPI command until the loader attaches it
// (ChipQuirks rom_attaches_flash_at_boot: only the ESP32-S2 and P4 ROMs do
// at boot), so every ROM path that reads the flash id must attach first:
// flash_id, write_flash --flash_size detect, erase_region's size check,
// read_flash ALL. Each would print an unknown size (or fail) otherwise.
TEST_CASE("every chip on its ROM loader: the flash is attached before its id is read", "[chips][matrix]") {
  const ChipRow& row = kChips[GENERATE(range(0, kChipCount))];
  CAPTURE(row.chip);
  TempDir dir;
  SimOptions so = sim_options(row);
  so.flash_size = "1MB";
  so.jedec_id = "ef4014";
  Sim sim(dir, so);

  auto id = espbak(sim, {"flash_id"}, true);
  INFO(describe(id) << "\nespsim:\n" << sim.log());
  REQUIRE(id.code == 0);
  CHECK(contains(id.out, "Device: 4014\n"));
  CHECK(contains(id.out, "Detected flash size: 1MB\n"));

  write_file(dir / "in.bin", random_bytes(0x100, 3));
  auto w = espbak(sim, {"write_flash", "--flash_size", "detect", "0x10000", (dir / "in.bin").string()}, true);
  INFO(describe(w));
  REQUIRE(w.code == 0);
  CHECK(contains(w.out, "Auto-detected flash size: 1MB"));

  auto er = espbak(sim, {"erase_region", "0xFF000", "0x2000"}, true);
  INFO(describe(er));
  CHECK(er.code != 0);
  CHECK(contains(er.err, "past the end of the 1MB flash"));

  if (row.rom_reads_flash) {
    auto rd = espbak(sim, {"read_flash", "0xFF000", "ALL", (dir / "tail.bin").string()}, true);
    INFO(describe(rd));
    REQUIRE(rd.code == 0);
    CHECK(contains(rd.out, "Detected flash size: 1MB"));
    CHECK(read_file(dir / "tail.bin").size() == 0x1000);
  }
}
