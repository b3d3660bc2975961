// ESP32-C2 and ESP32-C5 chip row decoders, and the crystal their ROMs assume.
// Expected values: esptool v5.3.1 targets/esp32c2.py and esp32c5.py decoding
// rules (get_chip_description, get_chip_features, read_mac,
// get_crystal_freq, get_crystal_freq_rom_expect, FLASH_FREQUENCY,
// change_baud) applied by hand to the register words below; the ROM side on
// espsim's in-process chip (tests/support/sim_transport).
#include <catch2/catch.hpp>

#include <map>

#include "espbak/chips/chip.hpp"
#include "espbak/ops/session.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/board.hpp"
#include "register_image.hpp"
#include "sim_transport.hpp"

using namespace espbak;

namespace {

constexpr std::uint32_t kC2Block2 = 0x60008800 + 0x40;
constexpr std::uint32_t kC5Block1 = 0x600B4800 + 0x44;
constexpr std::uint32_t kC5SysclkConf = 0x60096110;
using Features = std::vector<std::string>;

int freq(const ChipInfo& c, std::string_view name) {
  for (const auto& f : c.flash_freqs)
    if (f.name == name) return f.code;
  return -1;
}

struct Lines : NullReporter {
  std::vector<std::string> info_lines;
  void info(const std::string& line) override { info_lines.push_back(line); }
  bool has(const std::string& line) const {
    return std::find(info_lines.begin(), info_lines.end(), line) != info_lines.end();
  }
};

// A Session on the in-process chip with `mhz` fitted, the ROM loader only.
struct RomRig {
  testing::SimChip sim;
  Lines report;
  Transport* port = nullptr;
  std::unique_ptr<Session> session;
  RomRig(ChipId id, std::uint32_t mhz, std::uint32_t baud) : sim(config(id, mhz)) {
    SessionOptions o;
    o.port = "sim://chip";
    o.before = BeforeReset::no_reset;
    o.after = AfterReset::no_reset;
    o.baud = baud;
    o.no_stub = true;
    o.clock = &sim.clock();
    o.open_port = [this](const std::string& p, std::uint32_t b) {
      auto t = sim.open(p, b);
      port = t.get();
      return t;
    };
    session = std::make_unique<Session>(std::move(o), report);
  }
  static testing::SimChipConfig config(ChipId id, std::uint32_t mhz) {
    testing::SimChipConfig c;
    c.chip = &chip(id);
    c.xtal_mhz = mhz;
    return c;
  }
  // The CHANGE_BAUDRATE values the host sent.
  std::vector<std::uint32_t> baud_requests() const {
    std::vector<std::uint32_t> out;
    for (const auto& c : sim.commands())
      if (c.op == std::uint8_t(Op::change_baudrate)) out.push_back(get_u32(c.data, 0));
    return out;
  }
  // CHANGE_BAUDRATE(value) sent by hand, its reply read, then the host's port
  // switched to `host_baud`, as esptool's unscaled ESPLoader.change_baud does.
  void raw_change_baud(std::uint32_t value, std::uint32_t host_baud) {
    port->write(slip::encode(encode_command(Op::change_baudrate, words({value, 0}))));
    std::uint8_t buf[64];
    port->read(buf, std::chrono::milliseconds(100));
    port->set_baud(host_baud);
    port->clock().sleep(std::chrono::milliseconds(50));
    port->flush_input();
  }
};

}  // namespace

TEST_CASE("ESP32-C2 row: security id, registers, measured crystal, flash codes", "[chips][esp32c2]") {
  const ChipInfo& c2 = chip(ChipId::esp32c2);
  CHECK(chip_by_security_id(12) == &c2);
  CHECK(chip_by_magic(0x6F51306F) == &c2);
  CHECK(chip_by_magic(0x0C21E06F) == &c2);
  CHECK(find_chip("esp32c2") == &c2);
  CHECK(c2.spi.base == 0x60002000);
  CHECK(c2.efuse_base == 0x60008800);
  CHECK_FALSE(c2.crystal.fixed_mhz);  // measured, as on the ESP32
  CHECK(c2.crystal.uart_clkdiv_reg == 0x60000014);
  CHECK(c2.crystal.clk_divider == 1);
  CHECK(c2.bootloader_offset == 0);
  CHECK(c2.stub_name == "esp32c2");
  CHECK(freq(c2, "60m") == 0xF);
  CHECK(freq(c2, "30m") == 0x0);
  CHECK(freq(c2, "20m") == 0x1);
  CHECK(freq(c2, "15m") == 0x2);
  CHECK(freq(c2, "80m") == -1);
  CHECK(freq(c2, "40m") == -1);
  CHECK(c2.sim.crystal_options_mhz == std::vector<std::uint32_t>{26, 40});
}

TEST_CASE("ESP32-C2 description, features and MAC from BLOCK2", "[chips][esp32c2]") {
  const ChipInfo& c2 = chip(ChipId::esp32c2);
  using testing::register_reader;
  // BLOCK2 word 1: minor 16-19, major 20-21, package 22-24 (above the MAC's 16 bits).
  CHECK(c2.describe(register_reader({})) == "ESP32-C2 (revision v0.0)");
  CHECK(c2.describe(register_reader({{kC2Block2 + 4, (1u << 22) | (1u << 20) | 0xFFFF}})) ==
        "ESP8684H (revision v1.0)");
  CHECK(c2.describe(register_reader({{kC2Block2 + 4, (2u << 20) | (3u << 16)}})) == "ESP32-C2 (revision v2.3)");
  CHECK(c2.describe(register_reader({{kC2Block2 + 4, 15u << 16}})) == "ESP32-C2 (revision v0.15)");
  CHECK(c2.describe(register_reader({{kC2Block2 + 4, 2u << 22}})) == "Unknown ESP32-C2 (revision v0.0)");

  const Features base{"Wi-Fi", "BT 5 (LE)", "Single Core", "120MHz"};
  CHECK(c2.features(register_reader({})) == base);
  // Word 7: flash cap 29-31, vendor 24-26.
  Features gd = base;
  gd.push_back("Embedded Flash 4MB (GD)");
  CHECK(c2.features(register_reader({{kC2Block2 + 28, (1u << 29) | (2u << 24)}})) == gd);
  Features one = base;
  one.push_back("Embedded Flash 1MB (XMC)");
  CHECK(c2.features(register_reader({{kC2Block2 + 28, (3u << 29) | (1u << 24)}})) == one);
  Features unknown = base;
  unknown.push_back("Unknown Embedded Flash ()");  // cap 4 (the C3's 8MB) is not the C2's
  CHECK(c2.features(register_reader({{kC2Block2 + 28, 4u << 29}})) == unknown);

  // MAC_EFUSE_REG = EFUSE_BASE + 0x40: word 0 whole, word 1's low 16 bits first.
  auto mac = c2.mac(register_reader({{kC2Block2, 0x8D123456}, {kC2Block2 + 4, (1u << 22) | 0x083A}}));
  REQUIRE(mac);
  CHECK(format_mac(*mac) == "08:3a:8d:12:34:56");
}

TEST_CASE("ESP32-C5 row: security id, registers, bootloader at 0x2000, flash codes", "[chips][esp32c5]") {
  const ChipInfo& c5 = chip(ChipId::esp32c5);
  CHECK(chip_by_security_id(23) == &c5);
  CHECK(chip_by_magic(0x1101406F) == &c5);
  CHECK(find_chip("esp32c5") == &c5);
  CHECK(c5.spi.base == 0x60003000);
  CHECK(c5.efuse_base == 0x600B4800);
  CHECK_FALSE(c5.crystal.fixed_mhz);
  CHECK(c5.crystal.uart_clkdiv_reg == 0x60000014);
  CHECK(c5.bootloader_offset == 0x2000);
  CHECK(c5.stub_name == "esp32c5");
  CHECK(freq(c5, "80m") == 0xF);  // not the C6's 0x0
  CHECK(freq(c5, "40m") == 0x0);
  CHECK(freq(c5, "20m") == 0x2);
  CHECK(freq(c5, "26m") == -1);
  CHECK(c5.sim.crystal_options_mhz == std::vector<std::uint32_t>{40, 48});
}

TEST_CASE("ESP32-C5 description, features and MAC", "[chips][esp32c5]") {
  const ChipInfo& c5 = chip(ChipId::esp32c5);
  using testing::register_reader;
  // BLOCK1 word 2: minor 0-3, major 4-5, package 26-28.
  CHECK(c5.describe(register_reader({})) == "ESP32-C5 (revision v0.0)");
  CHECK(c5.describe(register_reader({{kC5Block1 + 8, 1u << 4}})) == "ESP32-C5 (revision v1.0)");
  CHECK(c5.describe(register_reader({{kC5Block1 + 8, (3u << 4) | 15}})) == "ESP32-C5 (revision v3.15)");
  CHECK(c5.describe(register_reader({{kC5Block1 + 8, (1u << 26) | (1u << 4) | 2}})) ==
        "Unknown ESP32-C5 (revision v1.2)");
  const Features expected{"Wi-Fi 6 (dual-band)", "BT 5 (LE)", "IEEE802.15.4", "Single Core + LP Core", "240MHz"};
  CHECK(c5.features(register_reader({{kC5Block1 + 8, ~0u}})) == expected);
  auto mac = c5.mac(register_reader({{kC5Block1, 0xF9ABCDEF}, {kC5Block1 + 4, 0xFFFE6055}}));
  REQUIRE(mac);
  CHECK(format_mac(*mac) == "60:55:f9:ab:cd:ef");  // MAC_EXT (ff:fe) is not part of the base MAC
}

TEST_CASE("the ROM crystal assumption: constant on the C2, PCR_SYSCLK_CONF on the C5, esptool's scaling",
          "[chips][esp32c2][esp32c5]") {
  const auto& c2 = *chip(ChipId::esp32c2).rom_crystal;
  const auto& c5 = *chip(ChipId::esp32c5).rom_crystal;
  FieldReader none(testing::register_reader({}));
  CHECK(c2.assumed(none) == 40);
  CHECK_FALSE(c2.report);
  // esp32c2.py: false_rom_baud = baud * 40 // 26, only for a detected 26.
  CHECK(c2.rom_baud_for(460800, 40, 26) == 708923);
  CHECK(c2.rom_baud_for(921600, 40, 26) == 1417846);
  CHECK(c2.rom_baud_for(460800, 40, 40) == 460800);
  CHECK(c2.rom_baud_for(460800, 40, 48) == 460800);
  // esp32c5.py: bits 24-30 of PCR_SYSCLK_CONF_REG; 48 -> 40 and 40 -> 48 only.
  CHECK(c5.assumed(FieldReader(testing::register_reader({{kC5SysclkConf, 40u << 24}}))) == 40);
  CHECK(c5.assumed(FieldReader(testing::register_reader({{kC5SysclkConf, 0x80FFFFFFu | (48u << 24)}}))) == 48);
  CHECK(c5.report);
  CHECK(c5.rom_baud_for(460800, 40, 48) == 384000);
  CHECK(c5.rom_baud_for(460800, 48, 40) == 552960);
  CHECK(c5.rom_baud_for(460800, 40, 40) == 460800);
  CHECK(c5.rom_baud_for(460800, 26, 40) == 460800);  // not a pair esptool scales
  // Every other chip's ROM knows its crystal.
  for (auto id : {ChipId::esp8266, ChipId::esp32, ChipId::esp32s3, ChipId::esp32c3, ChipId::esp32c6, ChipId::esp32h2})
    CHECK_FALSE(chip(id).rom_crystal);
}

TEST_CASE("a 26 MHz ESP32-C2: crystal measured, ROM baud change scaled, the unscaled one lost",
          "[chips][esp32c2][sim]") {
  SECTION("espbak scales CHANGE_BAUDRATE for the ROM and keeps talking at 460800") {
    RomRig rig(ChipId::esp32c2, 26, 460800);
    rig.session->connect();
    CHECK(rig.report.has("Crystal is 26MHz"));
    CHECK(rig.baud_requests() == std::vector<std::uint32_t>{708923});  // 460800 * 40 // 26
    CHECK(rig.session->baud() == 460800);
    CHECK(rig.session->loader().chip_description() == "ESP8684H (revision v1.0)");
    CHECK(rig.session->loader().crystal_mhz() == 26);  // CLKDIV now read at 460800
  }
  SECTION("the same request unscaled lands the ROM's UART at 299520: the host hears noise") {
    RomRig rig(ChipId::esp32c2, 26, 115200);
    rig.session->connect();
    CHECK(rig.baud_requests().empty());
    rig.raw_change_baud(460800, 460800);
    // A register read, not chip_description(): its eFuse words are cached since connect.
    CHECK_THROWS_AS(rig.session->loader().read_reg(kChipDetectMagicReg), Error);
  }
  SECTION("the scaled request sent the same way by hand works (the control for the one above)") {
    RomRig rig(ChipId::esp32c2, 26, 115200);
    rig.session->connect();
    rig.raw_change_baud(708923, 460800);
    CHECK(rig.session->loader().read_reg(kChipDetectMagicReg) == rig.session->loader().chip().magic_values[0]);
  }
  SECTION("at 40 MHz nothing is scaled") {
    RomRig rig(ChipId::esp32c2, 40, 460800);
    rig.session->connect();
    CHECK(rig.report.has("Crystal is 40MHz"));
    CHECK(rig.baud_requests() == std::vector<std::uint32_t>{460800});
    CHECK(rig.session->loader().chip_description() == "ESP8684H (revision v1.0)");
  }
}

TEST_CASE("a 48 MHz ESP32-C5 whose ROM expects 40: the line esptool prints, the scaled baud", "[chips][esp32c5][sim]") {
  SECTION("48 MHz fitted") {
    RomRig rig(ChipId::esp32c5, 48, 460800);
    rig.session->connect();
    CHECK(rig.report.has("Crystal is 48MHz"));
    CHECK(rig.report.has("ROM expects crystal freq: 40 MHz, detected 48 MHz."));
    CHECK(rig.baud_requests() == std::vector<std::uint32_t>{384000});  // 460800 * 40 // 48
    CHECK(rig.session->loader().chip_description() == "ESP32-C5 (revision v1.0)");
  }
  SECTION("unscaled, the ROM's UART runs at 552960") {
    RomRig rig(ChipId::esp32c5, 48, 115200);
    rig.session->connect();
    rig.raw_change_baud(460800, 460800);
    CHECK_THROWS_AS(rig.session->loader().read_reg(kChipDetectMagicReg), Error);
  }
  SECTION("40 MHz fitted: the line, no scaling") {
    RomRig rig(ChipId::esp32c5, 40, 460800);
    rig.session->connect();
    CHECK(rig.report.has("ROM expects crystal freq: 40 MHz, detected 40 MHz."));
    CHECK(rig.baud_requests() == std::vector<std::uint32_t>{460800});
  }
}

TEST_CASE("a 26 MHz ESP32-C2's ROM logs at 74880, a 40 MHz one at 115200", "[chips][esp32c2][sim]") {
  auto boot_log = [](std::uint32_t mhz, std::uint32_t host_baud) {
    sim::FlashModel flash(1u << 20);
    sim::DeviceConfig cfg;
    cfg.chip = &chip(ChipId::esp32c2);
    cfg.mac = cfg.chip->sim.default_mac;
    cfg.xtal_hz = mhz * 1'000'000;
    sim::Device dev(cfg, flash);
    sim::Link link(dev, {});
    sim::BoardConfig bc;
    bc.chip = cfg.chip;
    sim::Board board(link, *cfg.chip, bc);
    board.set_host_baud(host_baud);
    board.power_on(0);
    auto bytes = board.to_host(sim::kNever - 1);
    return std::string(bytes.begin(), bytes.end());
  };
  const std::string text(chip(ChipId::esp32c2).banners.firmware_power_on);
  CHECK(boot_log(26, 74880) == text);
  CHECK(boot_log(26, 115200) != text);
  CHECK(boot_log(40, 115200) == text);
}

TEST_CASE("espsim's C2 and C5 register images decode to their parts", "[chips][esp32c2][esp32c5][sim]") {
  sim::FlashModel flash(1u << 20);
  for (auto [id, description] : {std::pair{ChipId::esp32c2, "ESP8684H (revision v1.0)"},
                                 std::pair{ChipId::esp32c5, "ESP32-C5 (revision v1.0)"}}) {
    sim::DeviceConfig cfg;
    cfg.chip = &chip(id);
    cfg.mac = cfg.chip->sim.default_mac;
    sim::Device dev(cfg, flash);
    RegReader rd = [&](std::uint32_t a) { return dev.read_register(a); };
    CHECK(cfg.chip->describe(rd) == description);
    CHECK(*cfg.chip->mac(rd) == cfg.chip->sim.default_mac);
    CHECK(dev.rom_uart_scale() == 1.0);  // the default crystal is the one the ROM assumes
  }
}

TEST_CASE("ESP32-C2: no stub for a v0.0 part (esptool _post_connect), the esp32c2 stub from v0.1", "[chips][esp32c2]") {
  const ChipInfo& c2 = chip(ChipId::esp32c2);
  // BLOCK2 word 1: major bits 20-21, minor bits 16-19.
  FieldReader v00(testing::register_reader({{kC2Block2 + 4, 0}}));
  FieldReader v01(testing::register_reader({{kC2Block2 + 4, 1u << 16}}));
  FieldReader v10(testing::register_reader({{kC2Block2 + 4, 1u << 20}}));
  CHECK(c2.stub_for(v00).empty());
  CHECK(c2.no_stub_reason(v00).find("ESP32-C2 v0.0") != std::string::npos);
  CHECK(c2.stub_for(v01) == "esp32c2");
  CHECK(c2.no_stub_reason(v01).empty());
  CHECK(c2.stub_for(v10) == "esp32c2");
  CHECK(c2.no_stub_reason(v10).empty());
}
