// ESP32-P4 chip row: decoders, the stub chosen by revision and the flash
// power-on plan. Expected values: esptool v5.3.1 targets/esp32p4.py
// (get_pkg_version, get_minor/major_chip_version, get_chip_description,
// get_chip_features, read_mac, get_crystal_freq, stub_json_name,
// power_on_flash) and loader.py get_chip_revision, applied by hand to the
// eFuse words below; espsim's side (the flash off until powered, the wrong
// stub not starting) through a Device and through the host Loader.
#include <catch2/catch.hpp>

#include <map>

#include "espbak/chips/chip.hpp"
#include "espbak/loader/loader.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/flash_model.hpp"
#include "espbak/stubs/stub_sources.hpp"
#include "register_image.hpp"
#include "sim_transport.hpp"

using namespace espbak;

namespace {

constexpr std::uint32_t kEfuse = 0x5012D000;
constexpr std::uint32_t kBlock1 = kEfuse + 0x44;
constexpr std::uint32_t kWord2 = kBlock1 + 8;  // package and revision
// power_on_flash's registers (DR_REG_LPAON_BASE 0x50110000, PMU at +0x5000).
constexpr std::uint32_t kPadGroup = 0x5011010C, kLdoAna = 0x501151BC, kLdo = 0x501151B8, kPmuDate = 0x501153FC;

const ChipInfo& p4() { return chip(ChipId::esp32p4); }

// BLOCK1 word 2 for a revision: major bit 2 at bit 23, bits 0-1 at 4-5, minor 0-3.
std::uint32_t rev_word(std::uint32_t major, std::uint32_t minor) {
  return ((major >> 2) << 23) | ((major & 3) << 4) | minor;
}

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

const StubImageSource* stub_source(std::string_view name) {
  for (std::size_t i = 0; i < kStubImageSourceCount; ++i)
    if (kStubImageSources[i].name == name) return &kStubImageSources[i];
  return nullptr;
}

}  // namespace

TEST_CASE("ESP32-P4 row: detection, registers, crystal, image codes", "[chips][esp32p4]") {
  const ChipInfo& c = p4();
  CHECK(chip_by_security_id(18) == &c);  // IMAGE_CHIP_ID
  CHECK(chip_by_magic(0x0ADDBAD0) == &c);
  CHECK(chip_by_magic(0) == nullptr);  // v4's other "magic" value is an unset register
  CHECK(find_chip("esp32p4") == &c);
  CHECK(c.name == "ESP32-P4");
  CHECK(c.spi.base == 0x5008D000);
  CHECK(c.spi.usr == 0x18);
  CHECK(c.spi.w0 == 0x58);
  CHECK_FALSE(c.spi.addr_msb_aligned);
  CHECK(c.efuse_base == 0x5012D000);
  CHECK(c.uart_date_reg == 0x500CA08C);
  CHECK(c.crystal.fixed_mhz == 40u);
  CHECK(c.sim.xtal_hz == 40'000'000u);
  CHECK(c.bootloader_offset == 0x2000);
  CHECK(c.rom_status_len == 4);
  CHECK(c.quirks.rom_flash_begin_encrypt_word);
  CHECK_FALSE(c.rom_baud_calibration);
  // ESP32ROM's FLASH_SIZES and FLASH_FREQUENCY (esp32p4.py overrides neither).
  CHECK(size_code(c, "16MB") == 0x40);
  CHECK(size_code(c, "128MB") == 0x70);
  CHECK(freq(c, "80m") == 0xF);
  CHECK(freq(c, "40m") == 0x0);
  CHECK(freq(c, "26m") == 0x1);
  CHECK(freq(c, "20m") == 0x2);
  CHECK(c.field("SPI_BOOT_CRYPT_CNT")->addr == kEfuse + 0x34);
  CHECK(c.field("SPI_BOOT_CRYPT_CNT")->shift == 18);
  CHECK(c.field("SECURE_BOOT_EN")->addr == kEfuse + 0x38);
  CHECK(c.field("SECURE_BOOT_EN")->shift == 20);
}

TEST_CASE("ESP32-P4 description, revision and features", "[chips][esp32p4]") {
  const ChipInfo& c = p4();
  auto describe = [&](std::uint32_t word2) { return c.describe(testing::register_reader({{kWord2, word2}})); };
  auto revision = [&](std::uint32_t word2) { return *c.revision(testing::register_reader({{kWord2, word2}})); };
  CHECK(describe(0) == "ESP32-P4 (revision v0.0)");
  CHECK(describe(1u << 4) == "ESP32-P4 (revision v1.0)");
  CHECK(describe((1u << 4) | 3) == "ESP32-P4 (revision v1.3)");
  CHECK(describe((3u << 4) | 1) == "ESP32-P4 (revision v3.1)");
  CHECK(describe(1u << 23) == "ESP32-P4 (revision v4.0)");                  // bit 23 is the major's bit 2
  CHECK(describe((1u << 23) | (3u << 4) | 15) == "ESP32-P4 (revision v7.15)");
  CHECK(describe(3u << 6) == "ESP32-P4 (revision v0.0)");                   // bits 6-7: neither
  CHECK(describe(1u << 20) == "Unknown ESP32-P4 (revision v0.0)");          // package bits 20-22
  CHECK(describe(7u << 20) == "Unknown ESP32-P4 (revision v0.0)");
  CHECK(describe(1u << 24) == "ESP32-P4 (revision v0.0)");                  // bit 24 is not the package
  // get_chip_revision: major * 100 + minor.
  CHECK(revision(rev_word(1, 0)) == 100);
  CHECK(revision(rev_word(3, 1)) == 301);
  CHECK(revision(rev_word(3, 2)) == 302);
  CHECK(revision(rev_word(5, 12)) == 512);

  const std::vector<std::string> expected{"Dual Core + LP Core", "400MHz"};
  CHECK(c.features(testing::register_reader({})) == expected);
  CHECK(c.features(testing::register_reader({{kWord2, ~0u}})) == expected);
}

TEST_CASE("ESP32-P4 MAC: BLOCK1 word 0 and the low half of word 1", "[chips][esp32p4]") {
  const ChipInfo& c = p4();
  auto mac = c.mac(testing::register_reader({{kBlock1, 0xA0E168F2}, {kBlock1 + 4, 0xABCD30ED}}));
  REQUIRE(mac);
  CHECK(format_mac(*mac) == "30:ed:a0:e1:68:f2");  // the high 16 bits of word 1 are not MAC
}

TEST_CASE("ESP32-P4 stub: esp32p4-rev1 below v3.00, esp32p4 from v3.00", "[chips][esp32p4]") {
  const ChipInfo& c = p4();
  CHECK(c.stub_for_revision(0) == "esp32p4-rev1");
  CHECK(c.stub_for_revision(100) == "esp32p4-rev1");
  CHECK(c.stub_for_revision(299) == "esp32p4-rev1");
  CHECK(c.stub_for_revision(300) == "esp32p4");
  CHECK(c.stub_for_revision(301) == "esp32p4");
  CHECK(c.stub_for(testing::register_reader({{kWord2, rev_word(1, 3)}})) == "esp32p4-rev1");
  CHECK(c.stub_for(testing::register_reader({{kWord2, rev_word(3, 1)}})) == "esp32p4");
  // Both images are in the build, at the addresses their JSON files give.
  REQUIRE(stub_source("esp32p4-rev1"));
  REQUIRE(stub_source("esp32p4"));
  CHECK(stub_source("esp32p4-rev1")->text_start == 0x4FF10000);
  CHECK(stub_source("esp32p4")->text_start == 0x4FF50000);
  CHECK(stub_source("esp32p4-rev1")->entry != stub_source("esp32p4")->entry);
}

TEST_CASE("chips with one stub and no power-on sequence read no register for either", "[chips][esp32p4]") {
  for (const auto& c : all_chips()) {
    if (!c.stubs_by_revision.empty() || !c.flash_power_on.empty()) continue;
    INFO(c.name);
    int reads = 0;
    FieldReader regs([&](std::uint32_t) {
      ++reads;
      return 0u;
    });
    CHECK(c.stub_for(regs) == c.stub_name);
    CHECK(c.flash_power_on_ops(regs).empty());
    CHECK(reads == 0);
  }
}

TEST_CASE("ESP32-P4 flash power-on plan by revision", "[chips][esp32p4]") {
  const ChipInfo& c = p4();
  using K = RegOp::Kind;
  auto plan = [&](std::uint32_t word2, std::uint32_t repeat_data1 = 0) {
    return c.flash_power_on_ops(testing::register_reader({{kWord2, word2}, {kEfuse + 0x34, repeat_data1}}));
  };
  // power_on_flash: revisions 301 and 302 only.
  for (auto [maj, min] : {std::pair{0u, 0u}, {1u, 0u}, {1u, 3u}, {3u, 0u}, {3u, 3u}, {4u, 1u}}) {
    INFO(maj << "." << min);
    CHECK(plan(rev_word(maj, min)).empty());
  }
  auto full = plan(rev_word(3, 1));
  // esptool's order: pad group on, 10 ms, current limit / TIEH on, PMU_DATE
  // |= 3, 50 us, current limit off, TARGET0 (0xFF << 23) cleared, 0x80 set,
  // TIEH (1 << 7) cleared, 1.8 ms.
  REQUIRE(full.size() == 11);
  auto is = [](const RegOp& op, K kind, std::uint32_t addr, std::uint32_t value) {
    return op.kind == kind && op.addr == addr && op.value == value;
  };
  CHECK(is(full[0], K::write, kPadGroup, 1));
  CHECK((full[1].kind == K::wait_us && full[1].value == 10'000));
  CHECK(is(full[2], K::set_bits, kLdoAna, 1u << 27));
  CHECK(is(full[3], K::set_bits, kLdo, 1u << 7));
  CHECK(is(full[4], K::set_bits, kPmuDate, 3));
  CHECK((full[5].kind == K::wait_us && full[5].value == 50));
  CHECK(is(full[6], K::clear_bits, kLdoAna, 1u << 27));
  CHECK(is(full[7], K::clear_bits, kLdo, 0x7F800000));
  CHECK(is(full[8], K::set_bits, kLdo, 0x80));
  CHECK(is(full[9], K::clear_bits, kLdo, 1u << 7));
  CHECK((full[10].kind == K::wait_us && full[10].value == 1'800));
  // ECO7 (302): the same sequence, unless DOWNLOAD_MODE_XPD_ON (EFUSE_RD_
  // REPEAT_DATA1 bit 16) is programmed; then only PMU_DATE_REG = 0.
  auto eco7 = plan(rev_word(3, 2));
  CHECK(eco7.size() == full.size());
  auto xpd_on = plan(rev_word(3, 2), 1u << 16);
  REQUIRE(xpd_on.size() == 1);
  CHECK(is(xpd_on[0], K::write, kPmuDate, 0));
  CHECK(plan(rev_word(3, 1), 1u << 16).size() == full.size());  // ECO6 ignores that eFuse
  CHECK(plan(rev_word(3, 2), 1u << 17).size() == full.size());  // another bit is not it
}

TEST_CASE("espsim's ESP32-P4 v3.1 flash is off until the power-on plan has run", "[chips][esp32p4][sim]") {
  for (bool eco6 : {false, true}) {
    INFO((eco6 ? "v3.1" : "v1.0"));
    sim::FlashModel flash(1u << 20);
    flash.program(0x1000, Bytes{0x12, 0x34});
    sim::DeviceConfig cfg;
    cfg.chip = &p4();
    cfg.mac = p4().sim.default_mac;
    cfg.jedec_id = 0x1640EF;
    if (eco6) cfg.chip_revision = std::make_pair(3u, 1u);
    sim::Device dev(cfg, flash);
    FieldReader regs([&](std::uint32_t a) { return dev.read_register(a); });
    CHECK(p4().describe(regs) == (eco6 ? "ESP32-P4 (revision v3.1)" : "ESP32-P4 (revision v1.0)"));
    CHECK(flash.powered() == !eco6);
    CHECK(flash.read(0x1000, 2) == (eco6 ? Bytes{0xFF, 0xFF} : Bytes{0x12, 0x34}));
  }
}

TEST_CASE("espbak powers on a v3.1 P4's flash and uploads the stub of each revision", "[chips][esp32p4][sim]") {
  for (auto [maj, min] : {std::pair{1u, 0u}, {3u, 1u}}) {
    INFO(maj << "." << min);
    testing::SimChipConfig cfg;
    cfg.chip = &p4();
    cfg.flash_size = 4u << 20;
    cfg.chip_revision = std::make_pair(maj, min);
    testing::SimChip sim(cfg);
    auto link = sim.open("sim://p4", 115200);
    Loader loader(*link);
    ConnectOptions co;
    co.before = BeforeReset::no_reset;
    loader.connect(co);
    CHECK(sim.flash().powered());
    CHECK(loader.flash_id() == 0x1640EF);  // Winbond W25Q32 as SimChip sets it for 4 MB
    // The power-on writes went out only to the ECO6 part.
    bool wrote_pmu_date = false;
    for (const auto& c : sim.commands())
      if (c.op == std::uint8_t(Op::write_reg) && c.data.size() >= 4 && c.data[0] == 0xFC && c.data[1] == 0x53)
        wrote_pmu_date = true;
    CHECK(wrote_pmu_date == (maj == 3));
    // espsim starts only the image for its revision (see the next test), so
    // "Stub running" here means the loader chose it.
    loader.run_stub();
    CHECK(loader.stub_running());
  }
}

TEST_CASE("espsim's P4 does not start the stub image of the other revision", "[chips][esp32p4][sim]") {
  for (auto [maj, min] : {std::pair{1u, 0u}, {3u, 1u}}) {
    INFO(maj << "." << min);
    sim::FlashModel flash(1u << 20);
    sim::DeviceConfig cfg;
    cfg.chip = &p4();
    cfg.chip_revision = std::make_pair(maj, min);
    sim::Device dev(cfg, flash);
    slip::Decoder dec;
    sim::SimTime t = 0;
    auto mem_end = [&](std::uint32_t entry) {
      Bytes d(8, 0);
      for (int i = 0; i < 4; ++i) d[4 + i] = std::uint8_t(entry >> (8 * i));
      dev.rx(++t, slip::encode(encode_command(Op::mem_end, d, 0)));
      dev.advance(t + 1000);
      std::vector<Bytes> frames;
      for (auto& chunk : dev.take_tx()) dec.feed(chunk.bytes, frames);
      return frames;
    };
    const bool rev1 = maj < 3;
    const StubImageSource* wrong = stub_source(rev1 ? "esp32p4" : "esp32p4-rev1");
    const StubImageSource* right = stub_source(rev1 ? "esp32p4-rev1" : "esp32p4");
    REQUIRE(wrong);
    REQUIRE(right);
    auto frames = mem_end(wrong->entry);
    CHECK(frames.size() == 1);  // the ROM's MEM_END reply, then nothing: no OHAI
    CHECK(dev.mode() == sim::Device::Mode::app);
    dev.reset(++t);
    dev.take_tx();
    frames = mem_end(right->entry);
    REQUIRE(frames.size() == 2);
    CHECK(frames[1] == Bytes{'O', 'H', 'A', 'I'});
    CHECK(dev.mode() == sim::Device::Mode::stub);
  }
}
