// The chip's own USB download paths end to end (docs/espsim.md "USB download
// paths", docs/connecting.md): espbak against espsim --usb-otg (S2, S3, P4)
// and --usb-jtag-serial (C3), over a pty and over RFC 2217, where the host
// sees no USB id and reads the ROM's UARTDEV_BUF_NO instead.
#include <catch2/catch.hpp>

#include <thread>

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

// After a reset that takes the chip's USB device off the bus, espsim's pty
// path is missing until the device is back: wait for it, as a user waits
// for the port before the next command.
bool wait_for_port(const std::string& path, std::chrono::milliseconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    if (fs::exists(path, ec)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("USB-OTG: write_flash and read_flash round trip in 0x800 blocks on ESP32-S2, S3, P4 and S31",
          "[usb][otg]") {
  // The S31 has no UARTDEV_BUF_NO: over this pty espbak learns OTG from the
  // ROM refusing its first 0x1800-byte block (docs/connecting.md).
  for (const std::string chip : {"esp32s2", "esp32s3", "esp32p4", "esp32s31"}) {
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
    // The watchdog's system reset took the OTG port away (docs/espsim.md).
    REQUIRE(wait_for_port(sim.port(), 5s));
    CHECK(count(sim.log(), "USB device left the bus") == 1);
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

// The rows added for the H2, C5, C61, H4, S31 and H21 (esptool v5.3.1
// targets/<chip>.py; UARTDEV_BUF_NO from v5.2.0): espbak finds the path
// through UARTDEV_BUF_NO and disables the watchdogs esptool disables. Over a
// realistic link the stub upload alone outlasts espsim's 1 s watchdog, which
// would reset the chip (and take the port away) had espbak left it running.
// The S31 has no UARTDEV_BUF_NO and no disable_watchdogs in esptool: its
// path is taken for a UART, and espsim arms no watchdog there.
TEST_CASE("USB-Serial/JTAG: the newer chips' rows round trip a write over a pty", "[usb][jtag]") {
  for (const std::string chip : {"esp32h2", "esp32c5", "esp32c61", "esp32h4", "esp32s31", "esp32h21"}) {
    INFO(chip);
    TempDir dir;
    SimOptions so = usb_board(chip, "--usb-jtag-serial", false);
    so.flash_size = "1MB";
    so.link = "realistic";
    so.extra_args.insert(so.extra_args.end(), {"--usb-jtag-wdt-ms", "1000"});
    Sim sim(dir, so);
    const Bytes data = random_bytes(0x2000, 21);
    write_file(dir / "in.bin", data);
    auto w = run_espbak({"-p", sim.port(), "-b", "921600", "write_flash", "0x8000", (dir / "in.bin").string()}, 60s);
    INFO(describe(w) << "\nespsim:\n" << sim.log());
    REQUIRE(w.code == 0);
    CHECK_FALSE(contains(sim.log(), "USB device left the bus"));
    const Bytes after = read_file(sim.flash_file());
    REQUIRE(after.size() == (1u << 20));
    CHECK(Bytes(after.begin() + 0x8000, after.begin() + 0xA000) == data);
  }
}

// The port going away and coming back (docs/espsim.md "USB download paths"):
// a reset in the middle of a read over USB-OTG takes the port away for
// --usb-reenumerate-ms; espbak waits for it, reopens the same path and
// resumes the read.
TEST_CASE("USB-OTG: read_flash survives the port vanishing across a reset, over a pty and over tcp",
          "[usb][otg][reenumeration]") {
  for (const bool tcp : {false, true}) {
    INFO((tcp ? "tcp" : "pty"));
    TempDir dir;
    const Bytes flash = random_bytes(1u << 20, 31);
    write_file(dir / "flash.bin", flash);
    SimOptions so = usb_board("esp32s3", "--usb-otg", false);
    so.pty = !tcp;
    so.flash_size = "1MB";
    so.extra_args.insert(so.extra_args.end(), {"--usb-reenumerate-ms", "700", "--fault", "reset:300000"});
    Sim sim(dir, so);
    auto r = run_espbak({"-p", sim.port(), "read_flash", "0", "0x100000", (dir / "out.bin").string()}, 60s);
    INFO(describe(r) << "\nespsim:\n" << sim.log());
    REQUIRE(r.code == 0);
    CHECK(read_file(dir / "out.bin") == flash);
    // The fault fires again on every new connection (docs/espsim.md
    // "Faults"); each time the read resumes where it stopped.
    const std::size_t gone = count(sim.log(), "USB device left the bus");
    CHECK(gone >= 1);
    // The last one may be --after hard_reset's watchdog, still away.
    CHECK(count(sim.log(), "USB device back") + 1 >= gone);
    CHECK(contains(flat(r), "Recovering the connection"));
  }
}

TEST_CASE("USB-OTG: write_flash then --after hard_reset: the watchdog takes the port away, espbak exits 0",
          "[usb][otg][reenumeration]") {
  TempDir dir;
  SimOptions so = usb_board("esp32s2", "--usb-otg", false);
  so.flash_size = "1MB";
  so.extra_args.insert(so.extra_args.end(), {"--usb-reenumerate-ms", "600"});
  Sim sim(dir, so);
  const Bytes data = random_bytes(0x30000, 41);
  write_file(dir / "in.bin", data);
  auto w = run_espbak({"-p", sim.port(), "--after", "hard_reset", "write_flash", "0x10000", (dir / "in.bin").string()},
                      60s);
  INFO(describe(w) << "\nespsim:\n" << sim.log());
  REQUIRE(w.code == 0);
  CHECK(contains(w.out, "Hard resetting with a watchdog..."));
  CHECK(count(sim.log(), "USB device left the bus") == 1);
  const Bytes after = read_file(sim.flash_file());
  CHECK(Bytes(after.begin() + 0x10000, after.begin() + 0x40000) == data);
}

// A core reset over USB-Serial/JTAG keeps the device on the bus: the same
// fault is a plain reset there, recovered on the open port.
TEST_CASE("USB-Serial/JTAG: a reset mid-read keeps the port", "[usb][jtag][reenumeration]") {
  TempDir dir;
  const Bytes flash = random_bytes(1u << 20, 51);
  write_file(dir / "flash.bin", flash);
  SimOptions so = usb_board("esp32c6", "--usb-jtag-serial", false);
  so.flash_size = "1MB";
  so.extra_args.insert(so.extra_args.end(), {"--fault", "reset:300000"});
  Sim sim(dir, so);
  auto r = run_espbak({"-p", sim.port(), "read_flash", "0", "0x100000", (dir / "out.bin").string()}, 60s);
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(read_file(dir / "out.bin") == flash);
  CHECK(contains(sim.log(), "fault: reset"));
  CHECK_FALSE(contains(sim.log(), "USB device left the bus"));
}

TEST_CASE("espsim refuses --usb-reenumerate-ms without a USB download path", "[usb]") {
  Process p(ESPSIM_BIN, {"--chip", "esp32s3", "--flash-size", "1MB", "--listen", "tcp:127.0.0.1:0",
                         "--usb-reenumerate-ms", "100"});
  auto code = p.wait(std::chrono::seconds(10));
  INFO(p.err);
  REQUIRE(code);
  CHECK(*code == 2);
  CHECK(contains(p.err, "--usb-reenumerate-ms needs --usb-otg or --usb-jtag-serial"));
  CHECK(line_count(p.err) == 1);
}
