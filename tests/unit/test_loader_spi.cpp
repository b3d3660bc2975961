// The loader's raw SPI flash commands and RAM download against espsim's
// device in process (tests/support/sim_transport): esptool v5.3.1
// loader.py read_status / write_status / read_spiflash_sfdp / mem_* / run,
// with the ROM and with the stub, on the ESP8266, ESP32 and ESP32-C3
// register layouts.
#include <catch2/catch.hpp>

#include "espbak/chips/chip.hpp"
#include "espbak/loader/loader.hpp"
#include "espbak/util/error.hpp"
#include "sim_transport.hpp"

using namespace espbak;
using espbak::sim::Device;

namespace {

struct Rig {
  testing::SimChip sim;
  std::unique_ptr<Transport> link;
  Loader loader;
  static testing::SimChipConfig config(ChipId id) {
    testing::SimChipConfig cfg;
    cfg.chip = &chip(id);
    return cfg;
  }
  explicit Rig(ChipId id, bool stub) : sim(config(id)), link(sim.open("sim://chip", 115200)), loader(*link) {
    ConnectOptions co;
    co.before = BeforeReset::no_reset;
    loader.connect(co);
    if (stub) loader.run_stub();
    else loader.spi_attach();
  }
};

}  // namespace

TEST_CASE("loader: write_flash_status volatile lasts until the flash's software reset, non-volatile survives it", "[loader][spi]") {
  for (ChipId id : {ChipId::esp8266, ChipId::esp32, ChipId::esp32c3})
    for (bool stub : {false, true}) {
      CAPTURE(chip(id).name, stub);
      Rig r(id, stub);
      CHECK(r.loader.read_flash_status(2) == 0x0000);
      r.loader.write_flash_status(0x0200, 2, false);
      CHECK(r.loader.read_flash_status(2) == 0x0200);
      CHECK(r.loader.read_flash_status(3) == 0x000200);
      r.loader.reset_flash_chip();
      CHECK(r.loader.read_flash_status(2) == 0x0000);
      r.loader.write_flash_status(0x0200, 2, true);
      r.loader.reset_flash_chip();
      CHECK(r.loader.read_flash_status(2) == 0x0200);
      // One byte: SR1's writable bits only (BUSY / WEL are read-only).
      r.loader.write_flash_status(0xFF, 1, true);
      CHECK(r.loader.read_flash_status(1) == 0x7C);
    }
}

TEST_CASE("loader: read_flash_sfdp addresses the table with 24 bits and 8 dummy cycles on each register layout", "[loader][spi]") {
  for (ChipId id : {ChipId::esp8266, ChipId::esp32, ChipId::esp32c3}) {
    CAPTURE(chip(id).name);
    Rig r(id, false);
    CHECK(r.loader.read_flash_sfdp(0, 32) == 0x50444653);  // "SFDP"
    CHECK(r.loader.read_flash_sfdp(0x80, 8) == 0xE5);      // BFPT DWORD1, first byte
    CHECK(r.loader.read_flash_sfdp(0x84, 32) == 0x01FFFFFF);  // 4 MB: 32 Mbit - 1
    CHECK(r.loader.read_flash_sfdp(0xFE, 32) == 0xFFFFFFFF);  // past the 256-byte area
  }
}

TEST_CASE("loader: RAM download jumps to the entry, the stub refuses a range over itself", "[loader][ram]") {
  for (bool stub : {false, true}) {
    CAPTURE(stub);
    Rig r(ChipId::esp32c3, stub);
    if (stub) {
      try {
        r.loader.mem_begin(16, 1, 0x1800, 0x40380100);  // inside the stub's text
        FAIL("mem_begin over the stub was sent");
      } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        CHECK(std::string(e.what()).find("Stub flasher is resident at 0x40380000-0x403816f8") == 0);
      }
    }
    r.sim.clear_commands();
    Bytes code(100, 0x13);
    r.loader.mem_begin(100, 1, 0x1800, 0x40390000);
    r.loader.mem_block(code, 0);
    r.loader.mem_finish(0x40390000);
    REQUIRE(r.sim.commands().size() == 3);
    CHECK(r.sim.commands()[2].op == std::uint8_t(Op::mem_end));
    CHECK(r.sim.commands()[2].data == Bytes{0, 0, 0, 0, 0x00, 0x00, 0x39, 0x40});  // flag 0: jump
  }
}

TEST_CASE("loader: run_user_code is FLASH_BEGIN(0, 0) then FLASH_END(1), the ROM leaves the loader", "[loader][ram]") {
  Rig r(ChipId::esp32, false);
  r.sim.clear_commands();
  r.loader.run_user_code();
  REQUIRE(r.sim.commands().size() == 2);
  CHECK(r.sim.commands()[0].op == std::uint8_t(Op::flash_begin));
  CHECK(r.sim.commands()[1].op == std::uint8_t(Op::flash_end));
  CHECK(r.sim.commands()[1].data == Bytes{1, 0, 0, 0});
  CHECK(r.sim.device().mode() == Device::Mode::app);
}
