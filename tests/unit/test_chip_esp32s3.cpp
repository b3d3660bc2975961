// ESP32-S3 chip row decoders and the GET_SECURITY_INFO parser. Expected
// values: esptool targets/esp32s3.py (v5) decoding rules applied by hand to
// the eFuse words below, and esptool v5 output seen on real modules
// ("ESP32-S3 (QFN56) (revision v0.2)", "Embedded PSRAM 8MB (AP_3v3)").
#include <catch2/catch.hpp>

#include <map>

#include "espbak/chips/chip.hpp"
#include "register_image.hpp"
#include "espbak/loader/loader.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/flash_model.hpp"
#include "espbak/util/error.hpp"

using namespace espbak;

namespace {

constexpr std::uint32_t kBlock1 = 0x60007000 + 0x44;
constexpr std::uint32_t kBlock2 = 0x60007000 + 0x5C;

}  // namespace

TEST_CASE("the ESP32-S3 row is found by name and by GET_SECURITY_INFO chip id 9", "[chips][esp32s3]") {
  const ChipInfo* s3 = find_chip("esp32s3");
  REQUIRE(s3 != nullptr);
  CHECK(s3 == &chip(ChipId::esp32s3));
  CHECK(s3->name == "ESP32-S3");
  REQUIRE(s3->security_chip_id);
  CHECK(*s3->security_chip_id == 9);
  CHECK(s3->rom_status_len == 4);
  CHECK(s3->rom.security_info);
  CHECK(s3->spi.base == 0x60002000);
  CHECK(s3->spi.w0 == 0x58);
  CHECK_FALSE(s3->spi.addr_msb_aligned);
  CHECK(s3->bootloader_offset == 0);
  CHECK(s3->stub_name == "esp32s3");
  // Only the S3 answers to chip id 9.
  int matches = 0;
  for (const auto& c : all_chips()) matches += c.security_chip_id == std::optional<std::uint32_t>(9);
  CHECK(matches == 1);
}

TEST_CASE("ESP32-S3 description: package, revision and the v0.0 eco0 quirk", "[chips][esp32s3]") {
  const ChipInfo& s3 = chip(ChipId::esp32s3);
  // Package 0, minor low bits 2, major 0.
  CHECK(s3.describe(testing::register_reader({{kBlock1 + 12, 2u << 18}})) == "ESP32-S3 (QFN56) (revision v0.2)");
  // Package 1 (PICO-1), major 1, minor 1 (high bit 0).
  CHECK(s3.describe(testing::register_reader({{kBlock1 + 12, (1u << 21) | (1u << 18)}, {kBlock1 + 20, 1u << 24}})) ==
        "ESP32-S3-PICO-1 (LGA56) (revision v1.1)");
  // Minor high bit (word 5 bit 23) makes minor 8 + low bits.
  CHECK(s3.describe(testing::register_reader({{kBlock1 + 12, 1u << 18}, {kBlock1 + 20, (1u << 23) | (2u << 24)}})) ==
        "ESP32-S3 (QFN56) (revision v2.9)");
  // eco0: minor low bits 0, block version 1.1: major reads 0 whatever the field says.
  CHECK(s3.describe(testing::register_reader({{kBlock1 + 12, 1u << 24}, {kBlock1 + 20, 2u << 24}, {kBlock2 + 16, 1}})) ==
        "ESP32-S3 (QFN56) (revision v0.0)");
  // Unknown package.
  CHECK(s3.describe(testing::register_reader({{kBlock1 + 12, 5u << 21}}))== "Unknown ESP32-S3 (revision v0.0)");
}

TEST_CASE("ESP32-S3 features list in-package flash and PSRAM with their vendors", "[chips][esp32s3]") {
  const ChipInfo& s3 = chip(ChipId::esp32s3);
  using V = std::vector<std::string>;
  const V base{"Wi-Fi", "BT 5 (LE)", "Dual Core + LP Core", "240MHz"};
  CHECK(s3.features(testing::register_reader({})) == base);
  V flash_psram = base;
  flash_psram.push_back("Embedded Flash 8MB (GD)");
  flash_psram.push_back("Embedded PSRAM 8MB (AP_3v3)");
  // Flash cap 1 (word 3 bits 27-29), vendor 2 (word 4 bits 0-2), PSRAM cap 1 (bits 3-4), vendor 1 (bits 7-8).
  CHECK(s3.features(testing::register_reader({{kBlock1 + 12, 1u << 27}, {kBlock1 + 16, 2u | (1u << 3) | (1u << 7)}})) == flash_psram);
  // Vendor 0 has no name: esptool still appends " ()".
  V flash4 = base;
  flash4.push_back("Embedded Flash 4MB ()");
  CHECK(s3.features(testing::register_reader({{kBlock1 + 12, 2u << 27}})) == flash4);
  // The PSRAM cap's third bit is BLOCK1 word 5 bit 19: cap 3 is 16 MB, 4 is 4 MB, 5-7 unknown.
  V psram16 = base;
  psram16.push_back("Embedded PSRAM 16MB (AP_1v8)");
  CHECK(s3.features(testing::register_reader({{kBlock1 + 16, (3u << 3) | (2u << 7)}})) == psram16);
  V psram4 = base;
  psram4.push_back("Embedded PSRAM 4MB (AP_3v3)");
  CHECK(s3.features(testing::register_reader({{kBlock1 + 16, 1u << 7}, {kBlock1 + 20, 1u << 19}})) == psram4);
  V psram_unknown = base;
  psram_unknown.push_back("Unknown Embedded PSRAM ()");
  CHECK(s3.features(testing::register_reader({{kBlock1 + 16, 1u << 3}, {kBlock1 + 20, 1u << 19}})) == psram_unknown);
}

TEST_CASE("ESP32-S3 MAC comes from eFuse BLOCK1 words 0 and 1", "[chips][esp32s3]") {
  const ChipInfo& s3 = chip(ChipId::esp32s3);
  auto mac = s3.mac(testing::register_reader({{kBlock1, 0xA1B2C3D4}, {kBlock1 + 4, 0xFFFF7CDF}}));
  REQUIRE(mac);
  CHECK(format_mac(*mac) == "7c:df:a1:b2:c3:d4");
  CHECK_FALSE(s3.chip_id(testing::register_reader({})));
}

TEST_CASE("espsim's ESP32-S3 eFuses decode to its MAC and a v0.2 QFN56 part", "[chips][esp32s3][sim]") {
  sim::FlashModel flash(1u << 20);
  sim::DeviceConfig cfg;
  cfg.chip = &chip(ChipId::esp32s3);
  cfg.mac = {0x7C, 0xDF, 0xA1, 0x01, 0x02, 0x03};
  sim::Device dev(cfg, flash);
  RegReader rd = [&](std::uint32_t a) { return dev.read_register(a); };
  CHECK(cfg.chip->describe(rd) == "ESP32-S3 (QFN56) (revision v0.2)");
  CHECK(format_mac(*cfg.chip->mac(rd)) == "7c:df:a1:01:02:03");
  CHECK(dev.read_register(kChipDetectMagicReg) == 9);
}

TEST_CASE("GET_SECURITY_INFO results decode in the 20- and 12-byte forms", "[loader][security_info]") {
  Bytes twenty{0x05, 0x00, 0x00, 0x00,                   // flags: SECURE_BOOT_EN | SECURE_DOWNLOAD_ENABLE
               0x03,                                     // flash_crypt_cnt
               1, 2, 3, 4, 5, 6, 7,                      // key purposes
               0x09, 0x00, 0x00, 0x00,                   // chip id 9
               0x02, 0x00, 0x00, 0x00};                  // API version 2
  auto si = Loader::parse_security_info(twenty);
  CHECK(si.flags == 5);
  CHECK((si.flags & kSecureDownloadEnableFlag) != 0);
  CHECK(si.flash_crypt_cnt == 3);
  CHECK(si.key_purposes == std::array<std::uint8_t, 7>{1, 2, 3, 4, 5, 6, 7});
  REQUIRE(si.chip_id);
  CHECK(*si.chip_id == 9);
  REQUIRE(si.api_version);
  CHECK(*si.api_version == 2);

  Bytes twelve(twenty.begin(), twenty.begin() + 12);
  twelve[0] = 0;
  auto s2 = Loader::parse_security_info(twelve);
  CHECK(s2.flags == 0);
  CHECK_FALSE(s2.chip_id);
  CHECK_FALSE(s2.api_version);

  Bytes odd(16, 0);
  CHECK_THROWS_AS(Loader::parse_security_info(odd), Error);
  CHECK(std::string(kSecurityFlagNames[2]) == "SECURE_DOWNLOAD_ENABLE");
}
