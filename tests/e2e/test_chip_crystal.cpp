// The chips whose ROM assumes a crystal (ChipInfo::rom_crystal), with the
// other crystal fitted: espsim --crystal 26 for the ESP32-C2 (its ROM
// assumes 40 MHz), --crystal 48 for the ESP32-C5 (its ROM expects the 40 MHz
// espsim leaves in PCR_SYSCLK_CONF). Over rfc2217:// so espsim knows the
// host's rate and an unscaled ROM baud change would really miss it. Expected
// lines: esptool v5.3.1 targets/esp32c2.py / esp32c5.py get_crystal_freq
// (CLKDIV measured: 26 / 48) and esp32c5.py change_baud's printed line.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace e2e;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct CrystalRow {
  const char* chip;
  const char* crystal;  // espsim --crystal
  const char* line;     // a line espbak must print on a ROM baud change ("" none)
};

const CrystalRow kRows[] = {
    {"esp32c2", "26", ""},
    {"esp32c5", "48", "ROM expects crystal freq: 40 MHz, detected 48 MHz."},
};

}  // namespace

TEST_CASE("the other crystal: ROM reads at 460800 (scaled baud change) and stub reads", "[chips][crystal]") {
  const CrystalRow& row = kRows[GENERATE(range(0, 2))];
  CAPTURE(row.chip, row.crystal);
  TempDir dir;
  SimOptions so;
  so.chip = row.chip;
  so.flash_size = "1MB";
  so.rfc2217 = true;
  so.extra_args = {"--crystal", row.crystal};
  Sim sim(dir, so);

  const std::uint32_t at = 0x20000;
  const Bytes data = random_bytes(0x3000, 7);
  write_file(dir / "in.bin", data);
  auto w = run_espbak({"-p", sim.port(), "write_flash", hex_addr(at), (dir / "in.bin").string()});
  INFO(describe(w) << "\nespsim:\n" << sim.log());
  REQUIRE(w.code == 0);
  CHECK(contains(w.out, std::string("Crystal is ") + row.crystal + "MHz\n"));

  // ROM only: CHANGE_BAUDRATE goes to the ROM, scaled for the crystal.
  auto rom = run_espbak({"-p", sim.port(), "--no-stub", "-b", "460800", "read_flash", hex_addr(at), "0x400",
                         (dir / "rom.bin").string()});
  INFO(describe(rom));
  REQUIRE(rom.code == 0);
  CHECK(contains(rom.out, std::string("Crystal is ") + row.crystal + "MHz\n"));
  CHECK(contains(rom.out, "Changing baud rate to 460800"));
  if (*row.line) CHECK(contains(rom.out, std::string(row.line) + "\n"));
  CHECK_FALSE(contains(rom.out, "Stub running..."));
  CHECK(read_file(dir / "rom.bin") == Bytes(data.begin(), data.begin() + 0x400));

  // The stub knows the real crystal: its baud change is not scaled. The ROM
  // is moved to 460800 before the upload (docs/connecting.md "The stub
  // upload at the transfer rate"), scaled as above, so the C5's line is
  // printed here too, once.
  auto stub = run_espbak({"-p", sim.port(), "-b", "460800", "read_flash", hex_addr(at), hex_addr(std::uint32_t(data.size())),
                          (dir / "stub.bin").string()});
  INFO(describe(stub));
  REQUIRE(stub.code == 0);
  CHECK(contains(stub.out, "Stub running..."));
  if (*row.line) {
    const auto at_line = stub.out.find(std::string(row.line) + "\n");
    CHECK(at_line != std::string::npos);
    CHECK(at_line < stub.out.find("Uploading stub..."));
    CHECK(stub.out.find(row.line, at_line + 1) == std::string::npos);
  }
  CHECK(read_file(dir / "stub.bin") == data);
}

TEST_CASE("espsim --crystal takes only the crystals the chip comes with", "[chips][crystal]") {
  struct Bad {
    const char* chip;
    const char* crystal;
  };
  for (auto [chip, crystal] : {Bad{"esp32c2", "48"}, Bad{"esp32c5", "26"}, Bad{"esp32c3", "26"}}) {
    Process p(ESPSIM_BIN, {"--chip", chip, "--flash-size", "1MB", "--listen", "tcp:127.0.0.1:0", "--crystal", crystal});
    auto code = p.wait(std::chrono::seconds(10));
    INFO(chip << " --crystal " << crystal << ": " << p.err);
    REQUIRE(code);
    CHECK(*code == 2);
    CHECK(line_count(p.err) == 1);
    CHECK(contains(p.err, std::string("--crystal ") + crystal));
  }
}
