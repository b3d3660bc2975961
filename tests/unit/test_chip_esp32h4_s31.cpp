// ESP32-H4 and ESP32-S31 chip row decoders. Expected values: esptool v5.3.1
// targets/esp32h4.py and esp32s31.py decoding rules (get_chip_description,
// get_chip_features, read_mac, get_crystal_freq, FLASH_FREQUENCY,
// BOOTLOADER_FLASH_OFFSET, IMAGE_CHIP_ID) applied by hand to the register
// words below.
#include <catch2/catch.hpp>

#include <map>

#include "espbak/chips/chip.hpp"
#include "register_image.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/flash_model.hpp"

using namespace espbak;

namespace {

// EFUSE_BLOCK1_ADDR: H4 EFUSE_BASE 0x600B1800 + 0x44; S31 0x20715000 + 0x50.
constexpr std::uint32_t kH4Block1 = 0x600B1800 + 0x44;
constexpr std::uint32_t kS31Block1 = 0x20715000 + 0x50;
using Features = std::vector<std::string>;

int freq(const ChipInfo& c, std::string_view name) {
  for (const auto& f : c.flash_freqs)
    if (f.name == name) return f.code;
  return -1;
}

int size_code(const ChipInfo& c, std::string_view name) {
  for (const auto& f : c.flash_sizes)
    if (f.name == name) return f.code;
  return -1;
}

}  // namespace

TEST_CASE("ESP32-H4 row: detection, registers, crystal, flash codes", "[chips][esp32h4]") {
  const ChipInfo& h4 = chip(ChipId::esp32h4);
  CHECK(chip_by_security_id(28) == &h4);
  CHECK(h4.magic_values.empty());  // USES_MAGIC_VALUE = False, no historic value
  CHECK(find_chip("esp32h4") == &h4);
  CHECK(h4.name == "ESP32-H4");
  CHECK(h4.spi.base == 0x60099000);
  CHECK(h4.spi.usr == 0x18);
  CHECK(h4.spi.miso_dlen == 0x28);
  CHECK(h4.spi.w0 == 0x58);
  CHECK_FALSE(h4.spi.addr_msb_aligned);
  CHECK(h4.efuse_base == 0x600B1800);
  CHECK(h4.uart_date_reg == 0x6001207C);
  CHECK(h4.crystal.fixed_mhz == 32u);
  CHECK(h4.sim.xtal_hz == 32'000'000u);
  CHECK_FALSE(h4.rom_baud_calibration);  // change_baud: plain ESPLoader's
  CHECK(h4.bootloader_offset == 0x2000);
  CHECK(h4.rom_status_len == 4);
  CHECK(h4.quirks.rom_flash_begin_encrypt_word);
  CHECK(h4.stub_name == "esp32h4");
  CHECK(freq(h4, "48m") == 0xF);
  CHECK(freq(h4, "24m") == 0x0);
  CHECK(freq(h4, "16m") == 0x1);
  CHECK(freq(h4, "12m") == 0x2);
  CHECK(freq(h4, "80m") == -1);
  CHECK(size_code(h4, "4MB") == 0x20);
  CHECK(size_code(h4, "128MB") == 0x70);
}

TEST_CASE("ESP32-H4 description, features and MAC", "[chips][esp32h4]") {
  const ChipInfo& h4 = chip(ChipId::esp32h4);
  CHECK(h4.describe(testing::register_reader({})) == "ESP32-H4 (QFN40) (revision v0.0)");
  // Minor word 3 bits 18-21 (4 bits), major bits 22-23.
  CHECK(h4.describe(testing::register_reader({{kH4Block1 + 12, (1u << 22) | (9u << 18)}})) ==
        "ESP32-H4 (QFN40) (revision v1.9)");
  CHECK(h4.describe(testing::register_reader({{kH4Block1 + 12, 15u << 18}})) == "ESP32-H4 (QFN40) (revision v0.15)");
  CHECK(h4.describe(testing::register_reader({{kH4Block1 + 12, 3u << 22}})) == "ESP32-H4 (QFN40) (revision v3.0)");
  // Package: word 4 bits 12-14; bits 0-2 (the H2's package) and 15 are not it.
  CHECK(h4.describe(testing::register_reader({{kH4Block1 + 16, 1u << 12}})) == "Unknown ESP32-H4 (revision v0.0)");
  CHECK(h4.describe(testing::register_reader({{kH4Block1 + 16, 7u << 12}})) == "Unknown ESP32-H4 (revision v0.0)");
  CHECK(h4.describe(testing::register_reader({{kH4Block1 + 16, 0x7u | (1u << 15)}})) ==
        "ESP32-H4 (QFN40) (revision v0.0)");

  const Features expected{"BT 5 (LE)", "IEEE802.15.4", "Dual Core", "96MHz"};
  CHECK(h4.features(testing::register_reader({})) == expected);
  CHECK(h4.features(testing::register_reader({{kH4Block1 + 16, ~0u}, {kH4Block1 + 12, ~0u}})) == expected);

  // read_mac: base MAC = word 1 low 16 bits, then word 0; word 1's high 16
  // bits are MAC_EXT and not part of it (its example: 60:55:f9:f7:2c:a2, ff:fe).
  auto mac = h4.mac(testing::register_reader({{kH4Block1, 0xF9F72CA2}, {kH4Block1 + 4, 0xFFFE6055}}));
  REQUIRE(mac);
  CHECK(format_mac(*mac) == "60:55:f9:f7:2c:a2");
  REQUIRE(h4.field("MAC_EXT"));
  CHECK(h4.field("MAC_EXT")->addr == kH4Block1 + 4);
  CHECK(h4.field("MAC_EXT")->shift == 16);
}

TEST_CASE("espsim's H4 register image decodes to its MAC and part", "[chips][esp32h4][sim]") {
  sim::FlashModel flash(1u << 20);
  sim::DeviceConfig cfg;
  cfg.chip = &chip(ChipId::esp32h4);
  cfg.mac = {0x60, 0x55, 0xF9, 0x0A, 0x0B, 0x0C};
  sim::Device dev(cfg, flash);
  RegReader rd = [&](std::uint32_t a) { return dev.read_register(a); };
  CHECK(format_mac(*cfg.chip->mac(rd)) == "60:55:f9:0a:0b:0c");
  CHECK(cfg.chip->describe(rd) == "ESP32-H4 (QFN40) (revision v0.1)");
  CHECK(dev.read_register(kH4Block1 + 4) == 0xFFFE6055u);  // MAC_EXT ff:fe above the MAC's top bytes
  CHECK(dev.read_register(kChipDetectMagicReg) == 0u);     // no magic value: reads like any unset register
}

TEST_CASE("ESP32-S31 row: detection, registers, crystal, flash codes", "[chips][esp32s31]") {
  const ChipInfo& s31 = chip(ChipId::esp32s31);
  CHECK(chip_by_security_id(32) == &s31);
  CHECK(s31.magic_values.empty());
  CHECK(find_chip("esp32s31") == &s31);
  CHECK(s31.name == "ESP32-S31");
  CHECK(s31.spi.base == 0x20501000);
  CHECK(s31.spi.usr2 == 0x20);
  CHECK(s31.spi.mosi_dlen == 0x24);
  CHECK(s31.spi.w0 == 0x58);
  CHECK_FALSE(s31.spi.addr_msb_aligned);
  CHECK(s31.efuse_base == 0x20715000);
  CHECK(s31.uart_date_reg == 0x2038A08C);
  CHECK(s31.crystal.fixed_mhz == 40u);  // not the C5's estimate from CLKDIV
  CHECK(s31.sim.xtal_hz == 40'000'000u);
  CHECK_FALSE(s31.rom_baud_calibration);  // not the C5's 40/48 MHz scaling
  CHECK(s31.bootloader_offset == 0x2000);
  CHECK(s31.rom_status_len == 4);
  CHECK(s31.stub_name == "esp32s31");
  // FLASH_FREQUENCY from ESP32C5ROM: 80m 0xF (not the C6's 0x0), no 26m.
  CHECK(freq(s31, "80m") == 0xF);
  CHECK(freq(s31, "40m") == 0x0);
  CHECK(freq(s31, "20m") == 0x2);
  CHECK(freq(s31, "26m") == -1);
  CHECK(size_code(s31, "16MB") == 0x40);
  CHECK_FALSE(s31.field("MAC_EXT"));  // read_mac is BASE_MAC only
}

TEST_CASE("ESP32-S31 description, features and MAC", "[chips][esp32s31]") {
  const ChipInfo& s31 = chip(ChipId::esp32s31);
  CHECK(s31.describe(testing::register_reader({})) == "ESP32-S31 (revision v0.0)");
  CHECK(s31.describe(testing::register_reader({{kS31Block1 + 12, (2u << 22) | (11u << 18)}})) ==
        "ESP32-S31 (revision v2.11)");
  // Package: word 4 bits 6-7, lower-case "unknown" as esptool prints it.
  CHECK(s31.describe(testing::register_reader({{kS31Block1 + 16, 1u << 6}})) == "unknown ESP32-S31 (revision v0.0)");
  CHECK(s31.describe(testing::register_reader({{kS31Block1 + 16, 3u << 6}})) == "unknown ESP32-S31 (revision v0.0)");
  CHECK(s31.describe(testing::register_reader({{kS31Block1 + 16, 0x3Fu | (1u << 8)}})) == "ESP32-S31 (revision v0.0)");
  // BLOCK1 is at +0x50: the +0x44 words (where the C5 has its BLOCK1) are not read.
  CHECK(s31.describe(testing::register_reader({{0x20715000 + 0x44 + 12, ~0u}, {0x20715000 + 0x44 + 16, ~0u}})) ==
        "ESP32-S31 (revision v0.0)");

  const Features expected{"Wi-Fi 6", "BT 5.4 (LE)", "IEEE802.15.4", "Dual Core + LP Core", "300MHz"};
  CHECK(s31.features(testing::register_reader({})) == expected);
  CHECK(s31.features(testing::register_reader({{kS31Block1 + 16, ~0u}})) == expected);

  // read_mac: struct.pack(">II", mac1, mac0)[2:]; word 1's high half dropped.
  auto mac = s31.mac(testing::register_reader({{kS31Block1, 0x12345678}, {kS31Block1 + 4, 0xABCD60F9}}));
  REQUIRE(mac);
  CHECK(format_mac(*mac) == "60:f9:12:34:56:78");
}

TEST_CASE("espsim's S31 register image decodes to its MAC and part", "[chips][esp32s31][sim]") {
  sim::FlashModel flash(1u << 20);
  sim::DeviceConfig cfg;
  cfg.chip = &chip(ChipId::esp32s31);
  cfg.mac = {0x60, 0x55, 0xF9, 0x0A, 0x0B, 0x0C};
  sim::Device dev(cfg, flash);
  RegReader rd = [&](std::uint32_t a) { return dev.read_register(a); };
  CHECK(format_mac(*cfg.chip->mac(rd)) == "60:55:f9:0a:0b:0c");
  CHECK(cfg.chip->describe(rd) == "ESP32-S31 (revision v0.0)");
  CHECK(dev.read_register(kS31Block1) == 0xF90A0B0Cu);
  CHECK(dev.read_register(kS31Block1 + 4) == 0x00006055u);
}

TEST_CASE("the H4 and S31 download banners end in the ROM's download prompt", "[chips][esp32h4][esp32s31]") {
  for (auto id : {ChipId::esp32h4, ChipId::esp32s31}) {
    const ChipInfo& c = chip(id);
    INFO(c.name);
    std::string_view d = c.banners.download;
    CHECK(d.substr(0, 12) == "ESP-ROM:esp3");
    CHECK(d.find("DOWNLOAD(") != std::string_view::npos);
    CHECK(d.ends_with("waiting for download\r\n"));
    CHECK(c.banners.firmware.find("SPI_FAST_FLASH_BOOT") != std::string_view::npos);
    CHECK(c.banners.rom_log_baud == 115200);
  }
}
