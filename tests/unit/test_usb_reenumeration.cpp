// The chip's own USB port going away across a reset and coming back
// (docs/espsim.md "USB download paths", docs/connecting.md): which resets
// take the USB device off the bus in espsim (sim::usb_reenumerates), and
// espbak waiting for the port and reopening it, on the virtual clock of
// tests/support/sim_transport, where the reopen timing is exact.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <functional>

#include "espbak/loader/loader.hpp"
#include "espbak/ops/commands.hpp"
#include "espbak/ops/session.hpp"
#include "espbak/util/error.hpp"
#include "../support/sim_transport.hpp"
#include "virtual_rig.hpp"

using namespace espbak;
using namespace espbak::testing;
using sim::DownloadPath;
using sim::kMs;

namespace {

SimChipConfig usb_chip(ChipId id, DownloadPath path) {
  SimChipConfig c;
  c.chip = &chip(id);
  c.flash_size = 1u << 20;
  c.download_path = path;
  return c;
}

sim::FaultPlan reset_at_to_host_byte(std::uint64_t offset) {
  std::string why;
  auto f = sim::parse_fault("reset:" + std::to_string(offset), &why);
  REQUIRE(f);
  return sim::FaultPlan{{*f}, 1};
}

// Reads until the link fails; true when it failed with Error(port).
bool port_vanishes(Transport& link, std::chrono::milliseconds within) {
  std::uint8_t buf[256];
  const auto until = link.clock().now() + within;
  try {
    while (link.clock().now() < until) link.read(buf, std::chrono::milliseconds(10));
  } catch (const Error& e) {
    return e.kind() == ErrorKind::port;
  }
  return false;
}

// A session on `cfg`'s chip through "/dev/ttyACM0" at 460800, no reset;
// `adjust` changes more of the options.
std::unique_ptr<Rig> usb_rig(const SimChipConfig& cfg, const std::function<void(SessionOptions&)>& adjust = {},
                             Reporter* reporter = nullptr) {
  return std::make_unique<Rig>(cfg, 460800, false, [adjust](SessionOptions& o) {
    o.port = "/dev/ttyACM0";
    if (adjust) adjust(o);
  }, reporter);
}

struct InfoLines : NullReporter {
  std::vector<std::string> lines;
  void info(const std::string& line) override { lines.push_back(line); }
  bool has(const std::string& line) const { return std::find(lines.begin(), lines.end(), line) != lines.end(); }
};

}  // namespace

TEST_CASE("espsim: every reset takes a USB-OTG port away, only a system reset a USB-Serial/JTAG one",
          "[sim][usb][reenumeration]") {
  CHECK(sim::usb_reenumerates(DownloadPath::usb_otg, false));
  CHECK(sim::usb_reenumerates(DownloadPath::usb_otg, true));
  CHECK_FALSE(sim::usb_reenumerates(DownloadPath::usb_jtag_serial, false));
  CHECK(sim::usb_reenumerates(DownloadPath::usb_jtag_serial, true));
  CHECK_FALSE(sim::usb_reenumerates(DownloadPath::uart, true));

  // A reset in the middle of the ROM's boot banner exchange: the SYNC reply's
  // 40th byte. Over OTG the port is gone, and refused until it is back.
  SimChipConfig otg = usb_chip(ChipId::esp32s3, DownloadPath::usb_otg);
  otg.faults = reset_at_to_host_byte(40);
  otg.usb_reenumeration = 700 * kMs;
  SimChip sim_otg(otg);
  {
    auto link = sim_otg.open("/dev/ttyACM0", 115200);
    Loader loader(*link);
    ConnectOptions co;
    co.before = BeforeReset::no_reset;
    CHECK_THROWS(loader.connect(co));
    CHECK(sim_otg.device().usb_disconnects() == 1);
    CHECK_THROWS_AS(link->read(std::span<std::uint8_t>(), std::chrono::milliseconds(1)), Error);
  }
  const auto gone_at = sim_otg.device().usb_disconnect_at();
  sim_otg.clock().advance_to(gone_at + 699 * kMs);
  CHECK_THROWS_AS(sim_otg.open("/dev/ttyACM0", 115200), Error);
  sim_otg.clock().advance_to(gone_at + 700 * kMs);
  CHECK_NOTHROW(sim_otg.open("/dev/ttyACM0", 115200));
  CHECK(sim_otg.refused_opens() == 1);

  // Over USB-Serial/JTAG the same reset (a core reset) leaves the port.
  SimChipConfig jtag = usb_chip(ChipId::esp32c3, DownloadPath::usb_jtag_serial);
  jtag.faults = reset_at_to_host_byte(40);
  SimChip sim_jtag(jtag);
  auto link = sim_jtag.open("/dev/ttyACM0", 115200);
  Loader loader(*link);
  ConnectOptions co;
  co.before = BeforeReset::no_reset;
  loader.connect(co);  // the reset costs a SYNC round; the ROM answers the next
  CHECK(sim_jtag.device().usb_disconnects() == 0);
}

TEST_CASE("espsim: the RTC watchdog left running over USB-Serial/JTAG takes the port away when it fires",
          "[sim][usb][reenumeration]") {
  SimChipConfig cfg = usb_chip(ChipId::esp32h2, DownloadPath::usb_jtag_serial);
  cfg.usb_jtag_rtc_wdt = 300 * kMs;
  SimChip sim(cfg);
  auto link = sim.open("/dev/ttyACM0", 115200);
  CHECK(port_vanishes(*link, std::chrono::milliseconds(1000)));
  CHECK(sim.device().self_resets() == 1);
  CHECK(sim.device().usb_disconnect_at() == 300 * kMs);
}

TEST_CASE("espbak's read_flash over USB-OTG reopens the port when it comes back and finishes the read",
          "[ops][usb][reenumeration]") {
  SimChipConfig cfg = usb_chip(ChipId::esp32s3, DownloadPath::usb_otg);
  cfg.faults = reset_at_to_host_byte(300'000);  // inside the read, after the stub upload
  cfg.usb_reenumeration = 700 * kMs;
  auto rig_ptr = usb_rig(cfg);
  Rig& rig = *rig_ptr;
  const Bytes data = random_bytes(1u << 20, 3);
  rig.chip.flash().program(0, data);
  rig.session->connect();
  const auto out = temp_file("otg.bin");
  ReadFlashArgs args;
  args.address = 0;
  args.size = 1u << 20;
  args.file = out.string();
  cmd_read_flash(*rig.session, args);
  CHECK(read_file(out) == data);
  // The fault fires again on every new connection (docs/espsim.md
  // "Faults"): each time the read resumes where it stopped.
  const auto resets = rig.chip.device().usb_disconnects();
  CHECK(resets >= 1);
  CHECK(rig.session->recoveries() == int(resets));
  // espbak's reopen (recovery.cpp: 0.5 s apart) meets the missing port at
  // +0 and +0.5 s and opens it at +1.0 s, the first try after the 0.7 s.
  CHECK(rig.chip.refused_opens() == 2 * int(resets));
}

TEST_CASE("espbak gives up with one line naming the port when the USB port does not come back",
          "[ops][usb][reenumeration]") {
  SimChipConfig cfg = usb_chip(ChipId::esp32s3, DownloadPath::usb_otg);
  cfg.faults = reset_at_to_host_byte(300'000);
  cfg.usb_reenumeration = 600'000 * kMs;  // ten minutes: gone for good, as far as espbak waits
  auto rig_ptr = usb_rig(cfg);
  Rig& rig = *rig_ptr;
  rig.chip.flash().program(0, random_bytes(1u << 20, 4));
  rig.session->connect();
  const auto out = temp_file("gone.bin");
  ReadFlashArgs args;
  args.address = 0;
  args.size = 1u << 20;
  args.file = out.string();
  const auto start = rig.chip.clock().now();
  try {
    cmd_read_flash(*rig.session, args);
    FAIL("read_flash finished without the port");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::port);
    const std::string what = e.what();
    CHECK(what.find("/dev/ttyACM0") != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
  // Bounded: 3 recoveries of 5 opens 0.5 s apart.
  const auto waited = rig.chip.clock().now() - start;
  CHECK(waited >= std::chrono::seconds(6));
  CHECK(waited < std::chrono::seconds(7));
  CHECK(rig.chip.refused_opens() == 15);
  CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("espbak finds a USB port that came back under another name by its VID:PID and serial number",
          "[ops][usb][reenumeration]") {
  // The chip's USB-OTG port vanishes at the fault and comes back as
  // /dev/ttyACM1 (the old node was still open: Linux gives the next name).
  SimChipConfig cfg = usb_chip(ChipId::esp32s3, DownloadPath::usb_otg);
  cfg.faults = reset_at_to_host_byte(300'000);
  cfg.port_usb_id = UsbId{0x303A, 9};
  cfg.port_usb_serial = "0123456789AB";
  const Bytes data = random_bytes(1u << 20, 5);
  std::vector<std::string> opened;
  InfoLines report;
  auto run = [&](bool serial_matches) {
    std::unique_ptr<Rig> rig;
    rig = usb_rig(
        cfg,
        [&](SessionOptions& o) {
          o.enumerate_ports = [serial_matches] {
            // Another board of the same kind is listed first: same VID:PID, other serial.
            PortInfo other{"/dev/ttyACM2", UsbId{0x303A, 9}, "FEDCBA987654", "", "", "", false};
            PortInfo back{"/dev/ttyACM1", UsbId{0x303A, 9}, serial_matches ? "0123456789AB" : "", "", "", "", false};
            return std::vector<PortInfo>{other, back};
          };
          o.open_port = [&](const std::string& port, std::uint32_t b) {
            opened.push_back(port);
            // After the first connection the old name is gone for good.
            if (port != "/dev/ttyACM1" && rig->chip.device().usb_disconnects() > 0)
              throw Error(ErrorKind::port, "cannot open " + port + ": no such file or directory");
            return rig->chip.open(port, b);
          };
        },
        &report);
    rig->chip.flash().program(0, data);
    rig->session->connect();
    const auto out = temp_file("renamed.bin");
    ReadFlashArgs args;
    args.address = 0;
    args.size = 1u << 20;
    args.file = out.string();
    cmd_read_flash(*rig->session, args);
    return read_file(out);
  };
  auto was_opened = [&](const std::string& port) { return std::find(opened.begin(), opened.end(), port) != opened.end(); };
  SECTION("the same serial number: reopened under the new name, the read finishes") {
    CHECK(run(true) == data);
    CHECK(report.has("/dev/ttyACM0 came back as /dev/ttyACM1"));
    CHECK(was_opened("/dev/ttyACM1"));
    CHECK_FALSE(was_opened("/dev/ttyACM2"));
  }
  SECTION("no matching serial number: nothing is guessed, espbak gives up on the named port") {
    CHECK_THROWS_AS(run(false), Error);
    CHECK_FALSE(was_opened("/dev/ttyACM1"));
    CHECK_FALSE(was_opened("/dev/ttyACM2"));
  }
}
