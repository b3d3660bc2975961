// Package and die variants named as esptool v5.3.1 names them, end to end:
// espsim's `--efuse NAME=VALUE` sets the chip file's fields to what such a
// part carries, and espbak's "Chip is" / "Features:" lines must read them
// with esptool's rules. Expected strings are derived by hand from
// esptool/targets/esp8266.py (get_chip_description, _get_flash_size,
// get_chip_features) and esptool/targets/esp32.py (get_chip_description,
// get_chip_features, get_major_chip_version), not from espbak's output:
// - ESP8266: an ESP8285 has eFuse bit 4 or bit 80 set. The in-package flash
//   size is 1 MB when bit 4 is set and bits 121 and 123 are clear (2 MB with
//   bit 122), 2 MB when bit 4 is clear and bit 121 set (4 MB with bit 122),
//   otherwise unknown; 1 MB names an "08", 2 MB a "16" part, anything else
//   the bare "ESP8285"; bit 5 (high temperature) makes N into H. Every
//   ESP8285 gets the "Embedded Flash" feature.
// - ESP32: package = word 3 bits 9-11 (+ bit 2 as bit 3); major revision 1
//   for REV1 only, 3 with REV1, REV2 and APB_CTL_DATE bit 31 (espsim's
//   default part is a D0WD v3.0); packages 2, 4, 5, 6 have "Embedded
//   Flash", 6 also "Embedded PSRAM"; DIS_APP_CPU gives "Single Core + LP
//   Core" and turns packages 0 and 1 into S0WDQ6 / S0WD; CPU_FREQ_RATED
//   adds "160MHz" with CPU_FREQ_LOW, else "240MHz". espsim's coding scheme
//   is 0: "Coding Scheme None".
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace e2e;

namespace {

struct VariantRow {
  const char* chip;
  std::vector<std::string> efuses;  // espsim --efuse NAME=VALUE
  const char* description;          // "Chip is <description>"
  const char* features;             // "Features: <features>"
};

const std::string kEsp32Rev1Only[] = {"CHIP_VER_REV2=0", "APB_CTL_DATE_REV3=0"};  // with REV1 set: major 1

std::vector<std::string> rev1(std::vector<std::string> more) {
  more.insert(more.end(), std::begin(kEsp32Rev1Only), std::end(kEsp32Rev1Only));
  return more;
}

const VariantRow kVariants[] = {
    {"esp8266", {"EFUSE_BIT4_ESP8285=1"}, "ESP8285N08", "Wi-Fi, 160MHz, Embedded Flash"},
    {"esp8266", {"EFUSE_BIT4_ESP8285=1", "EFUSE_BIT122_FLASH=1", "EFUSE_BIT5_MAX_TEMP=1"}, "ESP8285H16",
     "Wi-Fi, 160MHz, Embedded Flash"},
    {"esp8266", {"EFUSE_BIT80_ESP8285=1", "EFUSE_BIT121_FLASH=1"}, "ESP8285N16", "Wi-Fi, 160MHz, Embedded Flash"},
    // Bit 80 alone: an ESP8285 whose flash size bits match no known part.
    {"esp8266", {"EFUSE_BIT80_ESP8285=1"}, "ESP8285", "Wi-Fi, 160MHz, Embedded Flash"},
    {"esp32", rev1({"CHIP_PACKAGE=5"}), "ESP32-PICO-D4 (revision v1.0)",
     "Wi-Fi, BT, Dual Core + LP Core, Embedded Flash, Coding Scheme None"},
    {"esp32", {"CHIP_PACKAGE=5"}, "ESP32-PICO-V3 (revision v3.0)",
     "Wi-Fi, BT, Dual Core + LP Core, Embedded Flash, Coding Scheme None"},
    {"esp32", {"CHIP_PACKAGE=6"}, "ESP32-PICO-V3-02 (revision v3.0)",
     "Wi-Fi, BT, Dual Core + LP Core, Embedded Flash, Embedded PSRAM, Coding Scheme None"},
    {"esp32", {"CHIP_PACKAGE=4", "CHIP_VER_DIS_APP_CPU=1", "CHIP_CPU_FREQ_RATED=1", "CHIP_CPU_FREQ_LOW=1"},
     "ESP32-U4WDH (revision v3.0)", "Wi-Fi, BT, Single Core + LP Core, 160MHz, Embedded Flash, Coding Scheme None"},
    {"esp32", {"CHIP_PACKAGE=7"}, "ESP32-D0WDR2-V3 (revision v3.0)", "Wi-Fi, BT, Dual Core + LP Core, Coding Scheme None"},
    {"esp32", rev1({"CHIP_PACKAGE=1", "CHIP_VER_DIS_APP_CPU=1"}), "ESP32-S0WD (revision v1.0)",
     "Wi-Fi, BT, Single Core + LP Core, Coding Scheme None"},
    {"esp32", rev1({"CHIP_PACKAGE=2", "CHIP_CPU_FREQ_RATED=1", "CHIP_CPU_FREQ_LOW=1"}), "ESP32-D2WD (revision v1.0)",
     "Wi-Fi, BT, Dual Core + LP Core, 160MHz, Embedded Flash, Coding Scheme None"},
    {"esp32", {"CHIP_PACKAGE=0", "CHIP_CPU_FREQ_RATED=1"}, "ESP32-D0WDQ6-V3 (revision v3.0)",
     "Wi-Fi, BT, Dual Core + LP Core, 240MHz, Coding Scheme None"},
    // Package 3 is not in esptool's table.
    {"esp32", {"CHIP_PACKAGE=3"}, "Unknown ESP32 (revision v3.0)", "Wi-Fi, BT, Dual Core + LP Core, Coding Scheme None"},
};
constexpr int kVariantCount = int(sizeof kVariants / sizeof kVariants[0]);

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("ESP8285 and ESP32 package variants are named as esptool names them", "[chips][variants]") {
  const VariantRow& row = kVariants[GENERATE(range(0, kVariantCount))];
  CAPTURE(row.chip, row.description);
  TempDir dir;
  SimOptions so;
  so.chip = row.chip;
  for (const auto& e : row.efuses) {
    so.extra_args.push_back("--efuse");
    so.extra_args.push_back(e);
  }
  Sim sim(dir, so);
  auto r = run_espbak({"-p", sim.port(), "chip_id"}, std::chrono::seconds(60));
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, std::string("Chip is ") + row.description + "\n"));
  CHECK(contains(r.out, std::string("Features: ") + row.features + "\n"));
}

TEST_CASE("espsim refuses an --efuse setting the chip file does not have, in one line", "[chips][variants]") {
  for (const std::string bad : {"NO_SUCH_FIELD=1", "CHIP_PACKAGE=8", "CHIP_PACKAGE", "CHIP_PACKAGE=x"}) {
    CAPTURE(bad);
    Process p(ESPSIM_BIN, {"--chip", "esp32", "--flash-size", "1MB", "--efuse", bad, "--listen", "tcp:127.0.0.1:0"});
    auto code = p.wait(std::chrono::seconds(20));
    INFO(p.err);
    REQUIRE(code);
    CHECK(*code == 2);
    CHECK(line_count(p.err) == 1);
    CHECK(contains(p.err, "--efuse " + bad));
  }
}

TEST_CASE("an ESP32-C2 v0.0 works on the ROM loader: esptool disables the stub for ECO0", "[chips][variants]") {
  // esptool v5.3.1 targets/esp32c2.py _post_connect: revision 0 sets
  // stub_is_disabled. espsim's C2 is a v1.0; --efuse makes it a v0.0.
  TempDir dir;
  SimOptions so;
  so.chip = "esp32c2";
  so.extra_args = {"--efuse", "WAFER_VERSION_MAJOR=0"};
  Sim sim(dir, so);
  Bytes data = random_bytes(0x1000, 5);
  write_file(dir / "in.bin", data);
  auto w = run_espbak({"-p", sim.port(), "write_flash", "0x20000", (dir / "in.bin").string()});
  INFO(describe(w) << "\nespsim:\n" << sim.log());
  REQUIRE(w.code == 0);
  CHECK(contains(w.out, "Chip is ESP8684H (revision v0.0)\n"));
  CHECK(contains(w.out, "the flasher stub does not support the ESP32-C2 v0.0 (ECO0; esptool disables it too); using "
                        "the ROM loader\n"));
  CHECK_FALSE(contains(w.out, "Uploading stub"));
  auto r = run_espbak({"-p", sim.port(), "read_flash", "0x20000", "0x1000", (dir / "back.bin").string()});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(read_file(dir / "back.bin") == data);
  // The same chip at v1.0 (espsim's default) gets the stub.
  TempDir dir2;
  SimOptions v1;
  v1.chip = "esp32c2";
  Sim sim2(dir2, v1);
  auto s = run_espbak({"-p", sim2.port(), "flash_id"});
  REQUIRE(s.code == 0);
  CHECK(contains(s.out, "Stub running..."));
}

TEST_CASE("espsim --chip-revision on the ESP32-C3: espbak reads it back, a revision its fields cannot hold is refused",
          "[chips][variants]") {
  // esptool v5.3.1 targets/esp32c3.py: minor = word 5 bit 23 << 3 | word 3
  // bits 18-20, so 1.9 needs the high bit; major is 2 bits (0-3).
  TempDir dir;
  SimOptions so;
  so.chip = "esp32c3";
  so.extra_args = {"--chip-revision", "1.9"};
  Sim sim(dir, so);
  auto r = run_espbak({"-p", sim.port(), "chip_id"}, std::chrono::seconds(60));
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Chip is ESP32-C3 (QFN32) (revision v1.9)\n"));
  for (const std::string bad : {"4.0", "3.16", "1"}) {
    CAPTURE(bad);
    Process p(ESPSIM_BIN, {"--chip", "esp32c3", "--flash-size", "1MB", "--chip-revision", bad, "--listen",
                           "tcp:127.0.0.1:0"});
    auto code = p.wait(std::chrono::seconds(20));
    INFO(p.err);
    REQUIRE(code);
    CHECK(*code == 2);
    CHECK(line_count(p.err) == 1);
    CHECK(contains(p.err, "--chip-revision"));
  }
}
