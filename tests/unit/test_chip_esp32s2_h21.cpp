// ESP32-S2 and ESP32-H21 chip row decoders, and what espsim does
// differently for them: the S2's 12-byte GET_SECURITY_INFO (no chip id, so
// the magic register names it) and the H21 without a flasher stub. Expected
// values: esptool v5.3.1 targets/esp32s2.py and esp32h21.py decoding rules
// (get_chip_description, get_chip_features, read_mac, get_crystal_freq,
// FLASH_FREQUENCY) and loader.py get_security_info, applied by hand to the
// eFuse words below.
#include <catch2/catch.hpp>

#include <map>

#include "espbak/chips/chip.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/flash_model.hpp"
#include "register_image.hpp"

using namespace espbak;

namespace {

constexpr std::uint32_t kS2Block1 = 0x3F41A000 + 0x44;
constexpr std::uint32_t kS2Block2 = 0x3F41A000 + 0x5C;
constexpr std::uint32_t kH21Block1 = 0x600B4000 + 0x44;
using Features = std::vector<std::string>;

int freq(const ChipInfo& c, std::string_view name) {
  for (const auto& f : c.flash_freqs)
    if (f.name == name) return f.code;
  return -1;
}

// A Device fed encoded commands at time 0, its replies decoded.
struct Sim {
  sim::FlashModel flash{1u << 20};
  sim::Device dev;
  slip::Decoder dec;
  explicit Sim(ChipId id) : dev(config(id), flash) {}
  static sim::DeviceConfig config(ChipId id) {
    sim::DeviceConfig cfg;
    cfg.chip = &chip(id);
    cfg.mac = chip(id).sim.default_mac;
    return cfg;
  }
  std::vector<Bytes> cmd(Op op, const Bytes& data, std::uint32_t chk = 0) {
    dev.rx(0, slip::encode(encode_command(op, data, chk)));
    dev.advance(0);
    std::vector<Bytes> frames;
    for (auto& chunk : dev.take_tx()) dec.feed(chunk.bytes, frames);
    return frames;
  }
};

}  // namespace

TEST_CASE("ESP32-S2 row: found by its magic value, no security chip id, registers", "[chips][esp32s2]") {
  const ChipInfo& s2 = chip(ChipId::esp32s2);
  CHECK(chip_by_magic(0x000007C6) == &s2);
  CHECK(find_chip("esp32s2") == &s2);
  CHECK_FALSE(s2.security_chip_id);  // IMAGE_CHIP_ID 2 is never in its GET_SECURITY_INFO reply
  CHECK(chip_by_security_id(2) == nullptr);
  CHECK(s2.rom.security_info);
  CHECK(s2.spi.base == 0x3F402000);
  CHECK(s2.spi.w0 == 0x58);
  CHECK(s2.efuse_base == 0x3F41A000);
  CHECK(s2.crystal.fixed_mhz == 40u);
  CHECK(s2.bootloader_offset == 0x1000);
  CHECK(s2.stub_name == "esp32s2");
  CHECK(s2.quirks.rom_flash_begin_encrypt_word);
  CHECK_FALSE(s2.rom_baud_calibration);  // ESP32S2ROM.change_baud is ESPLoader's
  CHECK(freq(s2, "80m") == 0xF);         // ESP32ROM's FLASH_FREQUENCY
  CHECK(freq(s2, "26m") == 0x1);
}

TEST_CASE("ESP32-S2 description: name from flash and PSRAM caps, revision from two words", "[chips][esp32s2]") {
  const ChipInfo& s2 = chip(ChipId::esp32s2);
  auto describe = [&](testing::RegisterImage regs) { return s2.describe(testing::register_reader(std::move(regs))); };
  CHECK(describe({}) == "ESP32-S2 (revision v0.0)");
  // Flash cap: word 3 bits 21-24; PSRAM cap: word 3 bits 28-31.
  CHECK(describe({{kS2Block1 + 12, 1u << 21}}) == "ESP32-S2FH2 (revision v0.0)");
  CHECK(describe({{kS2Block1 + 12, 2u << 21}}) == "ESP32-S2FH4 (revision v0.0)");
  CHECK(describe({{kS2Block1 + 12, 1u << 28}}) == "ESP32-S2R2 (revision v0.0)");
  CHECK(describe({{kS2Block1 + 12, (2u << 21) | (1u << 28)}}) == "ESP32-S2FNR2 (revision v0.0)");
  CHECK(describe({{kS2Block1 + 12, (1u << 21) | (1u << 28)}}) == "Unknown ESP32-S2 (revision v0.0)");  // 101
  // Major word 3 bits 18-19; minor = word 3 bit 20 << 3 | word 4 bits 4-6;
  // the package (word 4 bits 0-3) names nothing.
  CHECK(describe({{kS2Block1 + 12, (1u << 18) | (1u << 20)}, {kS2Block1 + 16, (3u << 4) | 5}}) ==
        "ESP32-S2 (revision v1.11)");
  CHECK(describe({{kS2Block1 + 12, 3u << 18}, {kS2Block1 + 16, 7u << 4}}) == "ESP32-S2 (revision v3.7)");
}

TEST_CASE("ESP32-S2 features: in-package flash, PSRAM and BLOCK2 calibration", "[chips][esp32s2]") {
  const ChipInfo& s2 = chip(ChipId::esp32s2);
  auto features = [&](testing::RegisterImage regs) { return s2.features(testing::register_reader(std::move(regs))); };
  const Features none{"Wi-Fi", "Single Core", "240MHz", "No Embedded Flash", "No Embedded PSRAM",
                      "No calibration in BLK2 of efuse"};  // esptool's lower-case "efuse" here
  CHECK(features({}) == none);
  const Features fh4{"Wi-Fi",
                     "Single Core",
                     "240MHz",
                     "Embedded Flash 4MB",
                     "Embedded PSRAM 4MB",
                     "ADC and temperature sensor calibration in BLK2 of eFuse V1"};
  CHECK(features({{kS2Block1 + 12, (2u << 21) | (2u << 28)}, {kS2Block2 + 16, 1u << 4}}) == fh4);
  const Features unknown{"Wi-Fi", "Single Core", "240MHz", "Unknown Embedded Flash", "Unknown Embedded PSRAM",
                         "Unknown calibration in BLK2"};
  CHECK(features({{kS2Block1 + 12, (3u << 21) | (5u << 28)}, {kS2Block2 + 16, 7u << 4}}) == unknown);
}

TEST_CASE("espsim's S2 decodes to its part and MAC and answers GET_SECURITY_INFO in 12 bytes",
          "[chips][esp32s2][sim]") {
  Sim s(ChipId::esp32s2);
  RegReader rd = [&](std::uint32_t a) { return s.dev.read_register(a); };
  const ChipInfo& s2 = chip(ChipId::esp32s2);
  CHECK(format_mac(*s2.mac(rd)) == "80:65:99:12:34:56");
  CHECK(s2.describe(rd) == "ESP32-S2FNR2 (revision v1.0)");
  CHECK(s.dev.read_register(kChipDetectMagicReg) == 0x000007C6);
  auto frames = s.cmd(Op::get_security_info, {});
  REQUIRE(frames.size() == 1);
  auto r = decode_response(frames[0]);
  REQUIRE(r);
  CHECK(r->data.size() == 12 + 4);  // flags, crypt count, 7 key purposes; then the ROM's 4 status bytes
  CHECK(response_status(*r, 12).ok());
}

TEST_CASE("ESP32-H21 row: security id only, no stub, registers, crystal, flash codes", "[chips][esp32h21]") {
  const ChipInfo& h21 = chip(ChipId::esp32h21);
  CHECK(chip_by_security_id(25) == &h21);
  CHECK(h21.magic_values.empty());
  CHECK(chip_by_magic(0) == nullptr);  // what espsim's H21 reads at the magic register
  CHECK(find_chip("esp32h21") == &h21);
  CHECK(h21.stub_name.empty());  // esptool v5.3.1 and esptool-js 0.7.0 have none
  CHECK(h21.rom.read_flash_slow);
  CHECK(h21.rom.flash_md5);
  CHECK(h21.spi.base == 0x60003000);
  CHECK(h21.efuse_base == 0x600B4000);
  CHECK(h21.crystal.fixed_mhz == 32u);
  CHECK(h21.sim.xtal_hz == 32'000'000u);
  CHECK(h21.bootloader_offset == 0);
  CHECK(freq(h21, "48m") == 0xF);  // ESP32H2ROM's FLASH_FREQUENCY
  CHECK(freq(h21, "24m") == 0x0);
  CHECK(freq(h21, "16m") == 0x1);
  CHECK(freq(h21, "12m") == 0x2);
  CHECK(freq(h21, "80m") == -1);
}

TEST_CASE("ESP32-H21 description and features", "[chips][esp32h21]") {
  const ChipInfo& h21 = chip(ChipId::esp32h21);
  auto describe = [&](testing::RegisterImage regs) { return h21.describe(testing::register_reader(std::move(regs))); };
  CHECK(describe({}) == "ESP32-H21 (revision v0.0)");
  // BLOCK1 word 5: minor bits 4-7, major bits 8-9, package bits 11-13.
  CHECK(describe({{kH21Block1 + 20, (1u << 8) | (2u << 4)}}) == "ESP32-H21 (revision v1.2)");
  CHECK(describe({{kH21Block1 + 20, 0xFu << 4}}) == "ESP32-H21 (revision v0.15)");
  CHECK(describe({{kH21Block1 + 20, 1u << 11}}) == "Unknown ESP32-H21 (revision v0.0)");
  CHECK(describe({{kH21Block1 + 20, (1u << 10) | 0xF}}) == "ESP32-H21 (revision v0.0)");  // in no field
  // The H2's positions (word 3, word 4) mean nothing on the H21.
  CHECK(describe({{kH21Block1 + 12, ~0u}, {kH21Block1 + 16, ~0u}}) == "ESP32-H21 (revision v0.0)");
  const Features expected{"BT 5 (LE)", "IEEE802.15.4", "Single Core", "96MHz"};
  CHECK(h21.features(testing::register_reader({})) == expected);
}

TEST_CASE("espsim's H21 decodes to its part and MAC, and stays silent after MEM_END jumps",
          "[chips][esp32h21][sim]") {
  Sim s(ChipId::esp32h21);
  RegReader rd = [&](std::uint32_t a) { return s.dev.read_register(a); };
  const ChipInfo& h21 = chip(ChipId::esp32h21);
  CHECK(format_mac(*h21.mac(rd)) == "60:55:f9:12:34:56");
  CHECK(h21.describe(rd) == "ESP32-H21 (revision v0.1)");
  CHECK(s.dev.read_register(kH21Block1 + 4) == 0xFFFE6055u);  // MAC_EXT ff:fe above the MAC's first bytes
  CHECK(s.dev.read_register(kChipDetectMagicReg) == 0);

  // A stub upload: the ROM takes the blocks, answers MEM_END, jumps to the
  // code, and no "OHAI" follows (espsim has no H21 stub to play).
  Bytes blob{1, 2, 3, 4};
  Bytes data = words({4, 0, 0, 0});
  data.insert(data.end(), blob.begin(), blob.end());
  CHECK(s.cmd(Op::mem_begin, words({4, 1, 0x1800, 0x40800000})).size() == 1);
  CHECK(s.cmd(Op::mem_data, data, checksum(blob)).size() == 1);
  auto frames = s.cmd(Op::mem_end, words({0, 0x40800004}));
  REQUIRE(frames.size() == 1);
  auto r = decode_response(frames[0]);
  REQUIRE(r);
  CHECK(r->op == std::uint8_t(Op::mem_end));
  CHECK(s.dev.mode() == sim::Device::Mode::app);
  CHECK(s.cmd(Op::read_reg, words({kChipDetectMagicReg})).empty());
}
