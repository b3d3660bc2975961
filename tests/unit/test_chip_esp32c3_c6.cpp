// ESP32-C3 and ESP32-C6 chip row decoders. Expected values: esptool v5.3.1
// targets/esp32c3.py and esp32c6.py decoding rules (get_chip_description,
// get_chip_features, read_mac) applied by hand to the eFuse words below.
#include <catch2/catch.hpp>

#include <map>

#include "espbak/chips/chip.hpp"
#include "register_image.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/flash_model.hpp"

using namespace espbak;

namespace {

constexpr std::uint32_t kC3Block1 = 0x60008800 + 0x44;
constexpr std::uint32_t kC6Block1 = 0x600B0800 + 0x44;
using Features = std::vector<std::string>;

}  // namespace

TEST_CASE("ESP32-C3 and C6 rows: security ids, SPI bases, flash codes", "[chips][esp32c3][esp32c6]") {
  const ChipInfo& c3 = chip(ChipId::esp32c3);
  const ChipInfo& c6 = chip(ChipId::esp32c6);
  CHECK(chip_by_security_id(5) == &c3);
  CHECK(chip_by_security_id(13) == &c6);
  CHECK(chip_by_magic(0x1B31506F) == &c3);
  CHECK(chip_by_magic(0x2CE0806F) == &c6);
  CHECK(c3.spi.base == 0x60002000);
  CHECK(c6.spi.base == 0x60003000);  // esptool, not esptool-js before PR #253
  CHECK(c3.efuse_base == 0x60008800);
  CHECK(c6.efuse_base == 0x600B0800);
  CHECK(c3.crystal.fixed_mhz == 40u);
  CHECK(c6.crystal.fixed_mhz == 40u);
  CHECK(c3.bootloader_offset == 0);
  CHECK(c6.bootloader_offset == 0);
  CHECK(c3.quirks.rom_flash_begin_encrypt_word);
  CHECK(c6.quirks.rom_flash_begin_encrypt_word);
  // The C6's FLASH_FREQUENCY: 80m coded as 40m, no 26m; the C3 has ESP32ROM's.
  auto freq = [](const ChipInfo& c, std::string_view name) -> int {
    for (const auto& f : c.flash_freqs)
      if (f.name == name) return f.code;
    return -1;
  };
  CHECK(freq(c6, "80m") == 0x0);
  CHECK(freq(c6, "26m") == -1);
  CHECK(freq(c3, "80m") == 0xF);
  CHECK(freq(c3, "26m") == 0x1);
}

TEST_CASE("ESP32-C3 description and features", "[chips][esp32c3]") {
  const ChipInfo& c3 = chip(ChipId::esp32c3);
  CHECK(c3.describe(testing::register_reader({})) == "ESP32-C3 (QFN32) (revision v0.0)");
  // Package 1 (word 3 bits 21-23), minor low 3 (bits 18-20), minor high bit
  // (word 5 bit 23), major 1 (word 5 bits 24-25): v1.11.
  CHECK(c3.describe(testing::register_reader({{kC3Block1 + 12, (1u << 21) | (3u << 18)}, {kC3Block1 + 20, (1u << 23) | (1u << 24)}})) ==
        "ESP8685 (QFN28) (revision v1.11)");
  CHECK(c3.describe(testing::register_reader({{kC3Block1 + 12, 5u << 21}})) == "Unknown ESP32-C3 (revision v0.0)");

  const Features base{"Wi-Fi", "BT 5 (LE)", "Single Core", "160MHz"};
  CHECK(c3.features(testing::register_reader({})) == base);
  Features with_flash = base;
  with_flash.push_back("Embedded Flash 8MB (ZBIT)");  // cap 4 (word 3 bits 27-29), vendor 5
  CHECK(c3.features(testing::register_reader({{kC3Block1 + 12, 4u << 27}, {kC3Block1 + 16, 5}})) == with_flash);
  Features no_vendor = base;
  no_vendor.push_back("Embedded Flash 2MB ()");  // esptool appends the vendor even when it is empty
  CHECK(c3.features(testing::register_reader({{kC3Block1 + 12, 2u << 27}})) == no_vendor);
}

TEST_CASE("ESP32-C6 description and features", "[chips][esp32c6]") {
  const ChipInfo& c6 = chip(ChipId::esp32c6);
  // Minor bits 18-21, major 22-23, package 24-26, all in BLOCK1 word 3.
  CHECK(c6.describe(testing::register_reader({{kC6Block1 + 12, (1u << 22) | (9u << 18)}})) == "ESP32-C6 (QFN40) (revision v1.9)");
  // Package 1 needs the flash cap (word 4 bits 0-2) for a name.
  CHECK(c6.describe(testing::register_reader({{kC6Block1 + 12, 1u << 24}, {kC6Block1 + 16, 2}})) ==
        "ESP32-C6FH8 (QFN32) (revision v0.0)");
  CHECK(c6.describe(testing::register_reader({{kC6Block1 + 12, 1u << 24}})) == "Unknown ESP32-C6 (revision v0.0)");

  const Features base{"Wi-Fi 6", "BT 5 (LE)", "IEEE802.15.4", "Single Core + LP Core", "160MHz"};
  Features fh4 = base, none = base;
  fh4.push_back("Embedded Flash 4MB");
  none.push_back("Unknown Embedded Flash");  // flash cap 0 is not in esptool's table
  CHECK(c6.features(testing::register_reader({{kC6Block1 + 16, 1}})) == fh4);
  CHECK(c6.features(testing::register_reader({})) == none);
}

TEST_CASE("espsim's C3 and C6 register images decode to their MAC and part", "[chips][esp32c3][esp32c6][sim]") {
  struct Expected {
    ChipId id;
    const char* description;
    std::uint32_t mac_word1;  // BLOCK1 word 1: MAC_EXT (C6 only) above the MAC's first two bytes
  };
  const Expected cases[] = {{ChipId::esp32c3, "ESP32-C3 (QFN32) (revision v0.4)", 0x00006055},
                            {ChipId::esp32c6, "ESP32-C6FH4 (QFN32) (revision v0.2)", 0xFFFE6055}};
  sim::FlashModel flash(1u << 20);
  for (const auto& c : cases) {
    sim::DeviceConfig cfg;
    cfg.chip = &chip(c.id);
    cfg.mac = {0x60, 0x55, 0xF9, 0x0A, 0x0B, 0x0C};
    sim::Device dev(cfg, flash);
    RegReader rd = [&](std::uint32_t a) { return dev.read_register(a); };
    INFO(cfg.chip->name);
    CHECK(format_mac(*cfg.chip->mac(rd)) == "60:55:f9:0a:0b:0c");
    CHECK(cfg.chip->describe(rd) == c.description);
    CHECK(dev.read_register(cfg.chip->efuse_base + 0x44 + 4) == c.mac_word1);
  }
}
