// The chip's own USB download paths end to end (docs/espsim.md "USB download
// paths", docs/connecting.md): espbak against espsim --usb-otg (S2, S3, P4)
// and --usb-jtag-serial (C3), over a pty and over RFC 2217, where the host
// sees no USB id and reads the ROM's UARTDEV_BUF_NO instead.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace e2e;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

SimOptions usb_board(const std::string& chip, const std::string& flag, bool rfc2217) {
  SimOptions so;
  so.chip = chip;
  so.pty = !rfc2217;
  so.rfc2217 = rfc2217;
  so.extra_args = {flag};
  return so;
}

}  // namespace

TEST_CASE("USB-OTG: write_flash and read_flash round trip in 0x800 blocks on ESP32-S2, S3 and P4",
          "[usb][otg]") {
  for (const std::string chip : {"esp32s2", "esp32s3", "esp32p4"}) {
    INFO(chip);
    TempDir dir;
    Sim sim(dir, usb_board(chip, "--usb-otg", false));
    const Bytes data = random_bytes(0x9000, 12);
    write_file(dir / "in.bin", data);
    auto w = run_espbak({"-p", sim.port(), "--chip", chip, "write_flash", "0x20000", (dir / "in.bin").string()}, 60s);
    INFO(describe(w) << "\nespsim:\n" << sim.log());
    REQUIRE(w.code == 0);
    // The blocks' sizes are asserted in tests/unit/test_usb_paths.cpp (espsim
    // refuses larger ones, so the write working is the end-to-end check).
    CHECK(contains(w.out, "Hard resetting with a watchdog..."));
    auto r = run_espbak({"-p", sim.port(), "read_flash", "0x20000", "0x9000", (dir / "out.bin").string()}, 60s);
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(read_file(dir / "out.bin") == data);
  }
}

TEST_CASE("USB-OTG: --after hard_reset over RFC 2217 takes esptool's watchdog reset", "[usb][otg]") {
  TempDir dir;
  Sim sim(dir, usb_board("esp32s3", "--usb-otg", true));
  auto r = run_espbak({"-p", sim.port(), "--after", "hard_reset", "read_mac"}, 30s);
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Hard resetting with a watchdog..."));
  CHECK_FALSE(contains(r.out, "RTS pin"));
}

TEST_CASE("USB-OTG: espsim refuses --usb-otg on a chip without USB-OTG", "[usb][otg]") {
  Process p(ESPSIM_BIN, {"--chip", "esp32c3", "--flash-size", "1MB", "--listen", "tcp:127.0.0.1:0", "--usb-otg"});
  auto code = p.wait(std::chrono::seconds(10));
  INFO(p.err);
  REQUIRE(code);
  CHECK(*code == 2);
  CHECK(contains(p.err, "--usb-otg: the ESP32-C3 has no USB-OTG download path"));
  CHECK(line_count(p.err) == 1);
}

// Whether a session outlasting the watchdog survives is asserted on virtual
// time (tests/unit/test_usb_paths.cpp); here the path works end to end.
TEST_CASE("USB-Serial/JTAG: write_flash and read_flash round trip on an ESP32-C3 over a pty", "[usb][jtag]") {
  TempDir dir;
  Sim sim(dir, usb_board("esp32c3", "--usb-jtag-serial", false));
  const Bytes data = random_bytes(0x40000, 5);
  write_file(dir / "in.bin", data);
  auto w = run_espbak({"-p", sim.port(), "write_flash", "0x0", (dir / "in.bin").string()}, 60s);
  INFO(describe(w) << "\nespsim:\n" << sim.log());
  REQUIRE(w.code == 0);
  auto r = run_espbak({"-p", sim.port(), "read_flash", "0x0", "0x40000", (dir / "out.bin").string()}, 60s);
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(read_file(dir / "out.bin") == data);
  CHECK_FALSE(contains(sim.log(), "RTC watchdog"));
}
