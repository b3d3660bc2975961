// The chip table as data: every chip file's fields are well formed, the
// register image espsim encodes from them decodes back to what it encoded,
// and the lookups find every chip by each of its identifiers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "espbak/chips/chip.hpp"
#include "register_image.hpp"

using namespace espbak;

TEST_CASE("the registry holds each chip once, in enum order, found by every identifier", "[chips]") {
  std::set<std::string_view> names, cli_names;
  std::size_t index = 0;
  for (const auto& c : all_chips()) {
    CHECK(static_cast<std::size_t>(c.id) == index++);
    CHECK(&chip(c.id) == &c);
    CHECK(names.insert(c.name).second);
    CHECK(cli_names.insert(c.cli_name).second);
    CHECK(find_chip(c.cli_name) == &c);
    if (c.security_chip_id) CHECK(chip_by_security_id(*c.security_chip_id) == &c);
    for (auto magic : c.magic_values) CHECK(chip_by_magic(magic) == &c);
    CHECK(c.describe != nullptr);
    CHECK(c.features != nullptr);
    CHECK(c.mac != nullptr);
    CHECK(c.chip_id != nullptr);
    CHECK(c.sim.encode_mac != nullptr);
    CHECK_FALSE(c.banners.download.empty());
    bool download_banner = c.banners.download.find("boot mode:(1,") != std::string_view::npos ||
                           c.banners.download.find("waiting for download") != std::string_view::npos;
    CHECK(download_banner);
  }
  CHECK(find_chip("esp32c3x") == nullptr);
  CHECK(chip_by_security_id(0xFFFF) == nullptr);
}

TEST_CASE("every register field fits its word and has a unique name", "[chips]") {
  for (const auto& c : all_chips()) {
    INFO(c.name);
    std::set<std::string_view> seen;
    for (const auto& f : c.fields) {
      INFO(f.name);
      CHECK(seen.insert(f.name).second);
      CHECK(f.width >= 1);
      CHECK(f.shift + f.width <= 32);
      CHECK(f.addr % 4 == 0);
      REQUIRE(c.field(f.name));
      CHECK(c.field(f.name)->addr == f.addr);
    }
    CHECK_FALSE(c.field("NO_SUCH_FIELD"));
    // What espsim sets at power-on is part of the table.
    for (const auto& fv : c.sim.power_on_fields) CHECK(c.field(fv.field.name));
    if (c.rom_baud_calibration) {
      CHECK(c.field(c.rom_baud_calibration->rtc_cali_value.name));
      CHECK(c.field(c.rom_baud_calibration->ck8m_freq.name));
    }
    if (c.rom_crystal) {
      // A register-held assumption is a field of the chip, set at power-on
      // so espsim's ROM has one; its crystal options are ones esptool scales.
      if (const auto* f = std::get_if<RegField>(&c.rom_crystal->assumed_mhz)) {
        CHECK(c.field(f->name));
        bool set = false;
        for (const auto& fv : c.sim.power_on_fields) set = set || fv.field.name == f->name;
        CHECK(set);
      }
      for (auto mhz : c.sim.crystal_options_mhz)
        CHECK(std::find(c.rom_crystal->scaled_mhz.begin(), c.rom_crystal->scaled_mhz.end(), mhz) !=
              c.rom_crystal->scaled_mhz.end());
    }
  }
}

TEST_CASE("a field written into a register image reads back without touching its neighbours", "[chips]") {
  std::map<std::uint32_t, std::uint32_t> regs{{0x100, 0xFFFFFFFF}};
  FieldWriter w(regs);
  const RegField middle{"MIDDLE", 0x100, 9, 3};
  w.set(middle, 0x5);
  CHECK(regs[0x100] == (0xFFFFFFFFu & ~(7u << 9)) + (5u << 9));
  w.set(middle, 0xFF);  // wider than the field: cut to its width
  CHECK(regs[0x100] == 0xFFFFFFFF);
  const RegField whole{"WHOLE", 0x104, 0, 32};
  w.set(whole, 0x12345678);
  FieldReader r(testing::register_reader(regs));
  CHECK(r(whole) == 0x12345678);
  CHECK(r(middle) == 7);
  CHECK(r(RegField{"TOP", 0x100, 31, 1}) == 1);
}

TEST_CASE("a FieldReader reads each register once however many fields share it", "[chips]") {
  int reads = 0;
  FieldReader r([&](std::uint32_t addr) {
    ++reads;
    return addr == 0x10 ? 0xF0u : 0u;
  });
  CHECK(r(RegField{"A", 0x10, 4, 4}) == 0xF);
  CHECK(r(RegField{"B", 0x10, 0, 4}) == 0);
  CHECK(reads == 1);
  CHECK(r.reg(0x14) == 0);
  CHECK(reads == 2);
}

TEST_CASE("espsim's register image of each chip decodes to its fields and MAC", "[chips][sim]") {
  const Mac other{0x24, 0x6F, 0x28, 0xAB, 0xCD, 0xEF};
  for (const auto& c : all_chips()) {
    INFO(c.name);
    for (const Mac& mac : {c.sim.default_mac, other}) {
      std::map<std::uint32_t, std::uint32_t> regs;
      FieldWriter w(regs);
      REQUIRE(c.sim.encode_mac(mac, w));
      for (const auto& fv : c.sim.power_on_fields) w.set(fv.field, fv.value);
      FieldReader r(testing::register_reader(regs));
      for (const auto& fv : c.sim.power_on_fields) CHECK(r(fv.field) == fv.value);
      auto decoded = c.mac(r);
      REQUIRE(decoded);
      CHECK(format_mac(*decoded) == format_mac(mac));
      CHECK_FALSE(c.describe(r).empty());
    }
  }
}

TEST_CASE("quirks and crystal sources match esptool's targets", "[chips]") {
  // esptool v5.3.1 targets/*.py: which chips need which workaround.
  const ChipInfo& e8266 = chip(ChipId::esp8266);
  const ChipInfo& e32 = chip(ChipId::esp32);
  const ChipInfo& s3 = chip(ChipId::esp32s3);
  CHECK(e8266.quirks.rom_erase_size_bug);
  CHECK_FALSE(e8266.quirks.extended_image_header);
  CHECK(e8266.quirks.stub_runs_user_code);
  CHECK_FALSE(e8266.quirks.rom_flash_begin_encrypt_word);
  CHECK(e8266.crystal.clk_divider == 2);
  CHECK_FALSE(e32.quirks.rom_flash_begin_encrypt_word);
  CHECK(e32.rom_baud_calibration);
  CHECK_FALSE(e32.crystal.fixed_mhz);
  CHECK(s3.quirks.rom_flash_begin_encrypt_word);
  CHECK_FALSE(s3.rom_baud_calibration);
  CHECK(s3.crystal.fixed_mhz == 40u);
  for (const auto* c : {&e32, &s3}) {
    CHECK_FALSE(c->quirks.rom_erase_size_bug);
    CHECK(c->quirks.extended_image_header);
    CHECK_FALSE(c->quirks.stub_runs_user_code);
  }
}

TEST_CASE("the ESP32 name table follows esptool's, with the -V3 names of revision 3", "[chips]") {
  const ChipInfo& e32 = chip(ChipId::esp32);
  // Word 3 package bits 9-11 (+ bit 2 as bit 3), revision bits w3:15, w5:20, APB_CTL_DATE:31.
  auto describe = [&](std::uint32_t pkg, bool rev3) {
    std::map<std::uint32_t, std::uint32_t> regs;
    FieldWriter w(regs);
    w.set(*e32.field("CHIP_PACKAGE"), pkg & 7);
    w.set(*e32.field("CHIP_PACKAGE_4BIT"), pkg >> 3);
    for (auto name : {"CHIP_VER_REV1", "CHIP_VER_REV2", "APB_CTL_DATE_REV3"}) w.set(*e32.field(name), rev3);
    return e32.describe(FieldReader(testing::register_reader(regs)));
  };
  CHECK(describe(1, true) == "ESP32-D0WD-V3 (revision v3.0)");
  CHECK(describe(0, true) == "ESP32-D0WDQ6-V3 (revision v3.0)");
  CHECK(describe(7, true) == "ESP32-D0WDR2-V3 (revision v3.0)");
  CHECK(describe(5, false) == "ESP32-PICO-D4 (revision v0.0)");
  CHECK(describe(5, true) == "ESP32-PICO-V3 (revision v3.0)");
  CHECK(describe(4, false) == "ESP32-U4WDH (revision v0.0)");
}

TEST_CASE("the chips with an RTC watchdog reset are esptool's, with its register addresses", "[chips]") {
  // esptool v5.3.1: the targets whose watchdog_reset writes the RTC
  // watchdog (targets/esp32s2.py, esp32s3.py, esp32c3.py and the classes
  // that inherit or re-enable it); the others take loader.py's fallback.
  const std::map<std::string_view, std::array<std::uint32_t, 3>> expected = {
      {"esp32s2", {0x3F408094, 0x3F408098, 0x3F4080AC}},  {"esp32s3", {0x60008098, 0x6000809C, 0x600080B0}},
      {"esp32c3", {0x60008090, 0x60008094, 0x600080A8}},  {"esp32c2", {0x60008084, 0x60008088, 0x6000809C}},
      {"esp32c5", {0x600B1C00, 0x600B1C04, 0x600B1C18}},  {"esp32c61", {0x600B1C00, 0x600B1C04, 0x600B1C18}},
      {"esp32p4", {0x50116000, 0x50116004, 0x50116018}},  {"esp32s31", {0x20801000, 0x20801004, 0x20801018}},
  };
  for (const auto& c : all_chips()) {
    INFO(c.cli_name);
    auto it = expected.find(c.cli_name);
    REQUIRE(c.rtc_watchdog.has_value() == (it != expected.end()));
    if (!c.rtc_watchdog) continue;
    CHECK(std::array{c.rtc_watchdog->config0, c.rtc_watchdog->config1, c.rtc_watchdog->wprotect} == it->second);
    auto ops = c.rtc_watchdog->reset_ops();
    REQUIRE(ops.size() == 5);
    CHECK(ops[0].addr == c.rtc_watchdog->wprotect);
    CHECK(ops[0].value == 0x50D83AA1);
    CHECK(ops[1].value == 2000);
    CHECK(ops[2].value == 0xD0000102);  // (1 << 31) | (5 << 28) | (1 << 8) | 2
    CHECK(ops[3].value == 0);
    CHECK(ops[4].kind == RegOp::Kind::wait_us);
    CHECK(ops[4].value == 500'000);
  }
}

TEST_CASE("chip_revision is get_chip_revision: the row's decoder, else the description's vMAJOR.MINOR", "[chips]") {
  auto power_on = [](const ChipInfo& c) {
    std::map<std::uint32_t, std::uint32_t> regs;
    FieldWriter w(regs);
    for (const auto& fv : c.sim.power_on_fields) w.set(fv.field, fv.value);
    return FieldReader(testing::register_reader(regs));
  };
  for (const auto& c : all_chips()) {
    CAPTURE(c.name);
    FieldReader r = power_on(c);
    const std::string text = c.describe(r);
    const auto rev = c.chip_revision(r);
    if (text.find("(revision v") == std::string::npos) {
      CHECK_FALSE(rev.has_value());  // the ESP8266
      continue;
    }
    REQUIRE(rev.has_value());
    // The description shows the same revision, whichever way it was found.
    CHECK(text.find(fmt::format("(revision v{}.{})", *rev / 100, *rev % 100)) != std::string::npos);
    if (c.revision) CHECK(rev == c.revision(r));
  }
  // espsim's ESP32-C3 is a v0.4 part (minor 4 in WAFER_VERSION_MINOR_LO).
  CHECK(chip(ChipId::esp32c3).chip_revision(power_on(chip(ChipId::esp32c3))) == 4u);
}
