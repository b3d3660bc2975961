// The device commands of issue 14 against espsim: read_flash_status,
// write_flash_status, read_flash_sfdp, load_ram and run, on the ESP8266, the
// ESP32 and the ESP32-C3, with the stub and with the ROM (--no-stub), and
// the lines esptool v5.3.1 cmds.py prints for them.
#include <catch2/catch.hpp>

#include <cstdio>

#include "harness.hpp"

using namespace e2e;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

std::string hex8(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

RunResult espbak(const Sim& sim, std::vector<std::string> args, bool stub) {
  args.insert(args.begin(), {"-p", sim.port()});
  if (!stub) args.insert(args.begin() + 2, "--no-stub");
  return run_espbak(args, 60s);
}

void put32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}

// A firmware image as elf2image lays it out (esptool bin_image.py): magic
// 0xE9, segment count, flash mode, size/freq, entry; the 16-byte extended
// header on every chip but the ESP8266; then address, length, data per
// segment. Two segments: one over the RAM block size (0x1800), one short.
Bytes ram_image(std::uint32_t addr, bool extended) {
  Bytes img = {0xE9, 2, 0, 0};
  put32(img, addr);  // entry: the first segment
  if (extended) img.insert(img.end(), 16, 0);
  Bytes first = random_bytes(0x1800 + 100, 7), second = random_bytes(40, 8);
  put32(img, addr);
  put32(img, std::uint32_t(first.size()));
  img.insert(img.end(), first.begin(), first.end());
  put32(img, addr + 0x2000);
  put32(img, std::uint32_t(second.size()));
  img.insert(img.end(), second.begin(), second.end());
  img.insert(img.end(), 15, 0);  // checksum padding (not read by load_ram)
  return img;
}

struct ChipCase {
  std::string chip;
  std::uint32_t iram;  // a RAM address clear of the stub (esptool-js stub_flasher/<chip>.json)
  bool extended_header;
};
const ChipCase kChips[] = {{"esp8266", 0x40100000, false}, {"esp32", 0x40080000, true}, {"esp32c3", 0x40390000, true}};

SimOptions board(const std::string& chip) {
  SimOptions so;
  so.chip = chip;
  so.rfc2217 = true;  // a board: the chip keeps its state between connections
  return so;
}

}  // namespace

TEST_CASE("write_flash_status then read_flash_status shows the value, volatile bits end at the next attach", "[device-cmds]") {
  for (const auto& c : kChips)
    for (bool stub : {true, false}) {
      CAPTURE(c.chip, stub);
      TempDir dir;
      SimOptions so;
      so.chip = c.chip;
      Sim sim(dir, so);
      auto w = espbak(sim, {"write_flash_status", "--non-volatile", "0x0200"}, stub);
      INFO(describe(w));
      REQUIRE(w.code == 0);
      CHECK(contains(w.out, "Initial flash memory status: 0x0000\n"));
      CHECK(contains(w.out, "Setting flash memory status: 0x0200\n"));
      CHECK(contains(w.out, "After flash memory status:   0x0200\n"));
      auto r = espbak(sim, {"read_flash_status"}, stub);
      INFO(describe(r));
      REQUIRE(r.code == 0);
      CHECK(contains(r.out, "Flash memory status: 0x0200\n"));
      // A volatile write (50h) shows at once, and is gone after the flash's
      // software reset that esptool's attach_flash sends next time.
      auto v = espbak(sim, {"write_flash_status", "--bytes", "1", "0x1c"}, stub);
      INFO(describe(v));
      REQUIRE(v.code == 0);
      CHECK(contains(v.out, "Initial flash memory status: 0x00\n"));
      CHECK(contains(v.out, "After flash memory status:   0x1c\n"));
      auto again = espbak(sim, {"read_flash_status", "--bytes", "3"}, stub);
      INFO(describe(again));
      REQUIRE(again.code == 0);
      CHECK(contains(again.out, "Flash memory status: 0x0200\n"));  // {:#06x}, as esptool, for 3 bytes too
    }
}

TEST_CASE("read_flash_sfdp prints the flash ID and the W25Q128JV SFDP header bytes", "[device-cmds]") {
  for (const auto& c : kChips)
    for (bool stub : {true, false}) {
      CAPTURE(c.chip, stub);
      TempDir dir;
      SimOptions so;
      so.chip = c.chip;
      so.flash_size = "16MB";
      so.jedec_id = "ef4018";
      Sim sim(dir, so);
      auto r = espbak(sim, {"read_flash_sfdp", "0", "4"}, stub);
      INFO(describe(r));
      REQUIRE(r.code == 0);
      CHECK(contains(r.out, "Manufacturer: ef\nDevice: 4018\nDetected flash size: 16MB\n"));
      CHECK(contains(r.out, "Flash memory SFDP[0..3]: 0x53 0x46 0x44 0x50 \n"));
      // BFPT DWORD2 at 0x84: the density, 128 Mbit - 1.
      auto density = espbak(sim, {"read-flash-sfdp", "0x84", "4"}, stub);
      INFO(describe(density));
      CHECK(contains(density.out, "Flash memory SFDP[132..135]: 0xff 0xff 0xff 0x07 \n"));
    }
}

TEST_CASE("load_ram sends the image's segments and the chip runs it, leaving the loader", "[device-cmds]") {
  for (const auto& c : kChips)
    for (bool stub : {true, false}) {
      CAPTURE(c.chip, stub);
      TempDir dir;
      SimOptions so = board(c.chip);
      so.extra_args = {"--ram-code", "app"};
      Sim sim(dir, so);
      write_file(dir / "app.bin", ram_image(c.iram, c.extended_header));
      auto r = espbak(sim, {"load_ram", (dir / "app.bin").string()}, stub);
      INFO(describe(r) << "\nespsim:\n" << sim.log());
      REQUIRE(r.code == 0);
      CHECK(contains(r.out, "Loading '" + (dir / "app.bin").string() + "' to RAM...\n"));
      CHECK(contains(r.out, "Downloading 6244 bytes at " + hex8(c.iram) + "...\n"));
      CHECK(contains(r.out, "Loaded 2 segments from '" + (dir / "app.bin").string() + "' to RAM, executing at " +
                                hex8(c.iram) + ".\n"));
      CHECK(contains(r.out, "Exiting immediately.\n"));
      CHECK_FALSE(contains(r.out, "Hard resetting"));
      // Nothing answers SYNC any more: the chip runs the loaded code.
      auto gone = run_espbak({"-p", sim.port(), "--before", "no_reset", "--connect-attempts", "1", "read_mac"}, 60s);
      INFO(describe(gone));
      CHECK(gone.code == 5);
    }
}

TEST_CASE("load_ram over the running stub is refused with esptool's message, nothing sent", "[device-cmds]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32c3";
  Sim sim(dir, so);
  write_file(dir / "over.bin", ram_image(0x40380000, true));  // the ESP32-C3 stub's text_start
  auto r = espbak(sim, {"load_ram", (dir / "over.bin").string()}, true);
  INFO(describe(r));
  CHECK(r.code == 2);
  CHECK(contains(r.err, "Stub flasher is resident at 0x40380000-0x403816f8. Can't load binary at overlapping "));
  CHECK(contains(r.err, "disable the stub flasher"));
}

TEST_CASE("run leaves the loader for the application in flash", "[device-cmds]") {
  for (const auto& c : kChips) {
    CAPTURE(c.chip);
    TempDir dir;
    Sim sim(dir, board(c.chip));
    // The ROM leaves the loader on FLASH_END(run); --after no_reset adds nothing.
    auto r = espbak(sim, {"--after", "no_reset", "run"}, false);
    INFO(describe(r) << "\nespsim:\n" << sim.log());
    REQUIRE(r.code == 0);
    auto gone = run_espbak({"-p", sim.port(), "--before", "no_reset", "--connect-attempts", "1", "read_mac"}, 60s);
    INFO(describe(gone));
    CHECK(gone.code == 5);
    // With the stub, which stays in the loader on FLASH_END (its reboot flag
    // is not implemented), esptool's --after hard_reset then runs the app.
    TempDir dir2;
    Sim sim2(dir2, board(c.chip));
    auto s = espbak(sim2, {"run"}, true);
    INFO(describe(s) << "\nespsim:\n" << sim2.log());
    REQUIRE(s.code == 0);
    CHECK(contains(s.out, "Hard resetting via RTS pin..."));
  }
}
