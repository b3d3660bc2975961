// ESP32-H2 and ESP32-C61 chip row decoders. Expected values: esptool v5.3.1
// targets/esp32h2.py and esp32c61.py decoding rules (get_chip_description,
// get_chip_features, read_mac, get_crystal_freq, FLASH_FREQUENCY) applied by
// hand to the eFuse words below.
#include <catch2/catch.hpp>

#include <map>

#include "espbak/chips/chip.hpp"
#include "register_image.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/flash_model.hpp"

using namespace espbak;

namespace {

constexpr std::uint32_t kH2Block1 = 0x600B0800 + 0x44;
constexpr std::uint32_t kC61Block1 = 0x600B4800 + 0x44;
using Features = std::vector<std::string>;

int freq(const ChipInfo& c, std::string_view name) {
  for (const auto& f : c.flash_freqs)
    if (f.name == name) return f.code;
  return -1;
}

}  // namespace

TEST_CASE("ESP32-H2 row: security id, registers, crystal, flash codes", "[chips][esp32h2]") {
  const ChipInfo& h2 = chip(ChipId::esp32h2);
  CHECK(chip_by_security_id(16) == &h2);
  CHECK(chip_by_magic(0xD7B73E80) == &h2);
  CHECK(find_chip("esp32h2") == &h2);
  CHECK(h2.spi.base == 0x60003000);
  CHECK(h2.efuse_base == 0x600B0800);
  CHECK(h2.crystal.fixed_mhz == 32u);
  CHECK(h2.sim.xtal_hz == 32'000'000u);
  CHECK(h2.bootloader_offset == 0);
  CHECK(h2.rom_status_len == 4);
  CHECK(h2.stub_name == "esp32h2");
  // The H2's own FLASH_FREQUENCY: 48m 0xF, 24m 0x0, 16m 0x1, 12m 0x2; none
  // of ESP32ROM's names.
  CHECK(freq(h2, "48m") == 0xF);
  CHECK(freq(h2, "24m") == 0x0);
  CHECK(freq(h2, "16m") == 0x1);
  CHECK(freq(h2, "12m") == 0x2);
  CHECK(freq(h2, "80m") == -1);
  CHECK(freq(h2, "40m") == -1);
}

TEST_CASE("ESP32-H2 description and features", "[chips][esp32h2]") {
  const ChipInfo& h2 = chip(ChipId::esp32h2);
  CHECK(h2.describe(testing::register_reader({})) == "ESP32-H2 (revision v0.0)");
  // Major word 3 bits 21-22, minor bits 18-20 (3 bits: bit 21 belongs to
  // the major, unlike the C6's 4-bit minor).
  CHECK(h2.describe(testing::register_reader({{kH2Block1 + 12, (1u << 21) | (2u << 18)}})) == "ESP32-H2 (revision v1.2)");
  CHECK(h2.describe(testing::register_reader({{kH2Block1 + 12, 7u << 18}})) == "ESP32-H2 (revision v0.7)");
  CHECK(h2.describe(testing::register_reader({{kH2Block1 + 12, 3u << 21}})) == "ESP32-H2 (revision v3.0)");
  // Package: word 4 bits 0-2 (the C6's flash cap word).
  CHECK(h2.describe(testing::register_reader({{kH2Block1 + 16, 1}})) == "Unknown ESP32-H2 (revision v0.0)");
  CHECK(h2.describe(testing::register_reader({{kH2Block1 + 16, 8}})) == "ESP32-H2 (revision v0.0)");  // bit 3 is not the package

  const Features expected{"BT 5 (LE)", "IEEE802.15.4", "Single Core", "96MHz"};
  CHECK(h2.features(testing::register_reader({})) == expected);
  CHECK(h2.features(testing::register_reader({{kH2Block1 + 16, 7}, {kH2Block1 + 12, ~0u}})) == expected);
}

TEST_CASE("espsim's H2 register image decodes to its MAC and part", "[chips][esp32h2][sim]") {
  sim::FlashModel flash(1u << 20);
  sim::DeviceConfig cfg;
  cfg.chip = &chip(ChipId::esp32h2);
  cfg.mac = {0x60, 0x55, 0xF9, 0x0A, 0x0B, 0x0C};
  sim::Device dev(cfg, flash);
  RegReader rd = [&](std::uint32_t a) { return dev.read_register(a); };
  CHECK(format_mac(*cfg.chip->mac(rd)) == "60:55:f9:0a:0b:0c");
  CHECK(cfg.chip->describe(rd) == "ESP32-H2 (revision v0.1)");
  CHECK(dev.read_register(kH2Block1 + 4) == 0xFFFE6055u);
}

TEST_CASE("ESP32-C61 row: security id, historic magic values, registers, crystal, flash codes", "[chips][esp32c61]") {
  const ChipInfo& c61 = chip(ChipId::esp32c61);
  CHECK(chip_by_security_id(20) == &c61);
  CHECK(chip_by_magic(0x33F0206F) == &c61);  // esptool v4.8.1's, for an old host's sake
  CHECK(chip_by_magic(0x2421606F) == &c61);
  CHECK(find_chip("esp32c61") == &c61);
  CHECK(c61.spi.base == 0x60003000);  // ESP32C6ROM's
  CHECK(c61.efuse_base == 0x600B4800);
  CHECK(c61.crystal.fixed_mhz == 40u);
  CHECK(c61.bootloader_offset == 0);
  CHECK(c61.rom_status_len == 4);
  CHECK(c61.stub_name == "esp32c61");
  CHECK(c61.field("SPI_BOOT_CRYPT_CNT")->addr == 0x600B4830);
  CHECK(c61.field("SPI_BOOT_CRYPT_CNT")->shift == 23);
  CHECK(c61.field("SECURE_BOOT_EN")->addr == 0x600B4834);
  // The C61's own FLASH_FREQUENCY: 80m 0xF (not the C6's 0x0), 40m 0x0,
  // 20m 0x2, no 26m.
  CHECK(freq(c61, "80m") == 0xF);
  CHECK(freq(c61, "40m") == 0x0);
  CHECK(freq(c61, "20m") == 0x2);
  CHECK(freq(c61, "26m") == -1);
}

TEST_CASE("ESP32-C61 description and features", "[chips][esp32c61]") {
  const ChipInfo& c61 = chip(ChipId::esp32c61);
  auto describe = [&](testing::RegisterImage regs) { return c61.describe(testing::register_reader(std::move(regs))); };
  CHECK(describe({}) == "ESP32-C61 (revision v0.0)");
  // All in BLOCK1 word 2: minor bits 0-3, major bits 4-5, package bits 26-28.
  CHECK(describe({{kC61Block1 + 8, (1u << 4) | 3u}}) == "ESP32-C61 (revision v1.3)");
  CHECK(describe({{kC61Block1 + 8, 0xFu}}) == "ESP32-C61 (revision v0.15)");
  CHECK(describe({{kC61Block1 + 8, 3u << 4}}) == "ESP32-C61 (revision v3.0)");
  CHECK(describe({{kC61Block1 + 8, 1u << 26}}) == "Unknown ESP32-C61 (revision v0.0)");
  CHECK(describe({{kC61Block1 + 8, (1u << 6) | (1u << 29)}}) == "ESP32-C61 (revision v0.0)");  // in no field
  // The C6's positions (word 3) mean nothing on the C61.
  CHECK(describe({{kC61Block1 + 12, ~0u}}) == "ESP32-C61 (revision v0.0)");
  const Features expected{"Wi-Fi 6", "BT 5 (LE)", "Single Core", "160MHz"};
  CHECK(c61.features(testing::register_reader({})) == expected);
  CHECK(c61.features(testing::register_reader({{kC61Block1 + 8, ~0u}})) == expected);
}

TEST_CASE("espsim's C61 register image decodes to its MAC and part", "[chips][esp32c61][sim]") {
  sim::FlashModel flash(1u << 20);
  sim::DeviceConfig cfg;
  cfg.chip = &chip(ChipId::esp32c61);
  cfg.mac = {0x60, 0x55, 0xF9, 0x0A, 0x0B, 0x0C};
  sim::Device dev(cfg, flash);
  RegReader rd = [&](std::uint32_t a) { return dev.read_register(a); };
  CHECK(format_mac(*cfg.chip->mac(rd)) == "60:55:f9:0a:0b:0c");
  CHECK(cfg.chip->describe(rd) == "ESP32-C61 (revision v1.0)");
  CHECK(dev.read_register(kC61Block1 + 4) == 0x00006055u);  // no MAC_EXT in esptool's C61 read_mac
  CHECK(dev.read_register(kChipDetectMagicReg) == 0x33F0206Fu);
}
