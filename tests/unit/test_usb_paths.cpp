// The chip's own USB download paths (docs/espsim.md "USB download paths",
// docs/connecting.md): espsim's USB-OTG block limit, UARTDEV_BUF_NO and the
// RTC watchdog left running over USB-Serial/JTAG; espbak's choice of path
// from UARTDEV_BUF_NO, its 0x800 blocks over OTG, disable_watchdogs and the
// OTG hard reset by watchdog, its turn to 0x800 blocks when the ROM refuses
// a full one on a chip that has OTG (esptool v5.3.1 targets/esp32s2.py, esp32s3.py,
// esp32c3.py, esp32p4.py).
#include <catch2/catch.hpp>

#include <chrono>

#include "espbak/chips/chip.hpp"
#include "espbak/loader/loader.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/util/error.hpp"
#include "../support/device_rig.hpp"
#include "../support/sim_transport.hpp"
#include "test_loader_fake_device.hpp"

using namespace espbak;
using namespace espbak::sim;

namespace {

struct Rig : testing::DeviceRig {
  Rig(ChipId id, DownloadPath path, SimTime wdt = 0) : DeviceRig(config(id, path, wdt)) { dev.reset(0); }
  static DeviceConfig config(ChipId id, DownloadPath path, SimTime wdt) {
    DeviceConfig c = DeviceRig::config(id);
    c.download_path = path;
    c.usb_jtag_rtc_wdt = wdt;
    return c;
  }
  std::optional<Response> cmd(Op op, const Bytes& data, std::uint32_t chk = 0) { return reply(op, data, chk); }
  bool mem_block(std::uint32_t len) {
    REQUIRE(ok(Op::mem_begin, words({len, 1, len, 0x40380000})));
    Bytes blob(len, 0x5A);
    Bytes d = words({len, 0, 0, 0});
    d.insert(d.end(), blob.begin(), blob.end());
    return ok(Op::mem_data, d, checksum(blob));
  }
};

std::size_t largest_block(const std::vector<Command>& cmds, Op op) {
  std::size_t largest = 0;
  for (const auto& c : cmds)
    if (c.op == std::uint8_t(op) && c.data.size() >= 16) largest = std::max(largest, c.data.size() - 16);
  return largest;
}

// A Loader connected (no reset) to an in-process chip on `cfg`'s download path.
struct ConnectedSim {
  testing::SimChip sim;
  std::unique_ptr<Transport> link;
  Loader loader;
  explicit ConnectedSim(const testing::SimChipConfig& cfg)
      : sim(cfg), link(sim.open("sim://usb", 115200)), loader(*link) {
    ConnectOptions co;
    co.before = BeforeReset::no_reset;
    loader.connect(co);
  }
};

testing::SimChipConfig on_path(ChipId id, DownloadPath path) {
  testing::SimChipConfig cfg;
  cfg.chip = &chip(id);
  cfg.download_path = path;
  return cfg;
}

}  // namespace

TEST_CASE("espsim over USB-OTG refuses RAM blocks over 0x800 and takes 0x800", "[sim][usb]") {
  Rig otg(ChipId::esp32s3, DownloadPath::usb_otg);
  CHECK(otg.mem_block(0x800));
  CHECK_FALSE(otg.mem_block(0x1800));
  Rig uart(ChipId::esp32s3, DownloadPath::uart);
  CHECK(uart.mem_block(0x1800));
}

TEST_CASE("espsim's UARTDEV_BUF_NO names the download path", "[sim][usb]") {
  // esptool v4.8.1 targets/esp32s3.py: 0x3FCEF14C, 3 OTG, 4 USB-Serial/JTAG.
  CHECK(Rig(ChipId::esp32s3, DownloadPath::uart).dev.read_register(0x3FCEF14C) == 0);
  CHECK(Rig(ChipId::esp32s3, DownloadPath::usb_otg).dev.read_register(0x3FCEF14C) == 3);
  CHECK(Rig(ChipId::esp32s3, DownloadPath::usb_jtag_serial).dev.read_register(0x3FCEF14C) == 4);
  CHECK(Rig(ChipId::esp32c3, DownloadPath::usb_jtag_serial).dev.read_register(0x3FCDF07C) == 3);
  // esptool v5.2.0 targets/esp32h2.py, esp32c5.py, esp32h4.py, esp32c61.py;
  // the H21 inherits the H2's.
  CHECK(Rig(ChipId::esp32h2, DownloadPath::usb_jtag_serial).dev.read_register(0x4084FEFC) == 3);
  CHECK(Rig(ChipId::esp32c5, DownloadPath::usb_jtag_serial).dev.read_register(0x4085F514) == 3);
  // The C61 row has no revision decoder, so host and espsim both take the
  // first entry (the v0.2-and-below address).
  CHECK(Rig(ChipId::esp32c61, DownloadPath::usb_jtag_serial).dev.read_register(0x4084F5EC) == 3);
  CHECK(Rig(ChipId::esp32h4, DownloadPath::usb_jtag_serial).dev.read_register(0x4087F580) == 3);
  CHECK(Rig(ChipId::esp32h21, DownloadPath::usb_jtag_serial).dev.read_register(0x4084FEFC) == 3);
}

TEST_CASE("UARTDEV_BUF_NO's address and value follow the silicon revision as esptool v5.2.0 reads them",
          "[chips][usb]") {
  // esp32c3.py: UartDev at 0x3FCDF064 below v1.1, 0x3FCDF060 from it (+24).
  const UsbPaths& c3 = *chip(ChipId::esp32c3).usb;
  CHECK(c3.uart_no_reg(100) == 0x3FCDF07Cu);
  CHECK(c3.uart_no_reg(101) == 0x3FCDF078u);
  CHECK(c3.uart_no_jtag_value(101) == 3u);
  // esp32c61.py: get_chip_revision() <= 2: 0x4084F5EC = 3, else 0x4084F5E4 = 4.
  const UsbPaths& c61 = *chip(ChipId::esp32c61).usb;
  CHECK(c61.uart_no_reg(2) == 0x4084F5ECu);
  CHECK(c61.uart_no_jtag_value(2) == 3u);
  CHECK(c61.uart_no_reg(3) == 0x4084F5E4u);
  CHECK(c61.uart_no_jtag_value(3) == 4u);
  // The ESP32-S31 arrived after esptool dropped the variable: none.
  const UsbPaths& s31 = *chip(ChipId::esp32s31).usb;
  CHECK_FALSE(s31.uart_no_reg(0));
  CHECK(s31.has_otg());
  CHECK(s31.otg_pid == 32);
  CHECK(s31.usb_jtag_serial);
  CHECK_FALSE(s31.jtag_watchdogs);
}

TEST_CASE("espsim over USB-Serial/JTAG resets itself when the RTC watchdog is left running", "[sim][usb]") {
  Rig r(ChipId::esp32c3, DownloadPath::usb_jtag_serial, 9000 * kMs);
  r.dev.advance(8000 * kMs);
  CHECK(r.dev.self_resets() == 0);
  r.dev.advance(10000 * kMs);
  CHECK(r.dev.self_resets() == 1);
  CHECK(r.dev.mode() == Device::Mode::app);
}

TEST_CASE("espbak over USB-OTG uploads the stub and writes flash in 0x800 blocks, then resets by watchdog",
          "[loader][usb][sim]") {
  struct Part {
    ChipId id;
    std::optional<std::pair<std::uint32_t, std::uint32_t>> revision;
  };
  for (auto part : {Part{ChipId::esp32s2, {}}, Part{ChipId::esp32s3, {}}, Part{ChipId::esp32p4, {{1, 0}}},
                    Part{ChipId::esp32p4, {{3, 1}}}}) {
    INFO(chip(part.id).name);
    testing::SimChipConfig cfg = on_path(part.id, DownloadPath::usb_otg);
    cfg.chip_revision = part.revision;
    ConnectedSim c(cfg);
    auto& [sim, link, loader] = c;
    CHECK(loader.usb_path() == UsbPath::usb_otg);
    loader.run_stub();
    REQUIRE(loader.stub_running());
    CHECK(loader.flash_write_size() == 0x800);
    Bytes data(0x5000);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = std::uint8_t(i * 7 + 1);
    loader.write_flash(0x10000, data, false);
    CHECK(loader.flash_md5(0x10000, std::uint32_t(data.size())) == Md5::of(data));
    Bytes back;
    loader.read_flash(0x10000, std::uint32_t(data.size()), back);
    CHECK(back == data);
    CHECK(largest_block(sim.commands(), Op::mem_data) == 0x800);
    CHECK(largest_block(sim.commands(), Op::flash_data) == 0x800);
    // --after hard_reset: esptool's OTG path takes the watchdog (the sim's
    // strap register reads 0: GPIO0 was low at boot; force-download clear).
    auto plan = loader.finish(AfterReset::hard_reset);
    CHECK(plan.action == AfterResetAction::watchdog_reset);
    Bytes rest(64);
    // Runs the simulation past the watchdog's timeout: the system reset
    // takes the OTG port away (tests/unit/test_usb_reenumeration.cpp).
    CHECK_THROWS_AS(link->read(rest, std::chrono::milliseconds(100)), espbak::Error);
    CHECK(sim.device().self_resets() == 1);
    CHECK(sim.device().usb_disconnects() == 1);
  }
}

TEST_CASE("an ESP32-S31 over USB-OTG behind a port with no USB id: the refused 0x1800 block turns espbak to 0x800",
          "[loader][usb][sim]") {
  // No UARTDEV_BUF_NO to ask (esptool v5.2.0 has none for the S31) and no
  // VID:PID through a pty: the ROM's refusal is the only sign.
  ConnectedSim c(on_path(ChipId::esp32s31, DownloadPath::usb_otg));
  auto& [sim, link, loader] = c;
  CHECK(loader.usb_path() == UsbPath::uart);
  loader.run_stub();
  REQUIRE(loader.stub_running());
  CHECK(loader.usb_path() == UsbPath::usb_otg);
  CHECK(loader.flash_write_size() == 0x800);
  // One full-size block tried, then the whole upload again at 0x800.
  std::size_t full = 0, small = 0;
  for (const auto& c : sim.commands()) {
    if (c.op != std::uint8_t(Op::mem_data)) continue;
    const std::size_t n = c.data.size() - 16;
    (n > 0x800 ? full : small) += 1;
  }
  CHECK(full == 1);
  CHECK(small >= 2);
  Bytes data(0x3000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = std::uint8_t(i * 5 + 3);
  loader.write_flash(0x20000, data, false);
  CHECK(loader.flash_md5(0x20000, std::uint32_t(data.size())) == Md5::of(data));
  CHECK(largest_block(sim.commands(), Op::flash_data) == 0x800);
}

TEST_CASE("a chip without a USB-OTG path: a refused RAM block ends the upload, no smaller blocks tried",
          "[loader][usb]") {
  test::LoaderRig r(test::FakeChip::Kind::esp32_rom);
  int mem_data = 0;
  r.chip.custom = [&](const Command& c) {
    if (c.op != std::uint8_t(Op::mem_data)) return false;
    ++mem_data;
    r.link.reply(c.op, 0, r.chip.fail_status(0x01));
    return true;
  };
  ConnectOptions co;
  co.before = BeforeReset::no_reset;
  r.loader.connect(co);
  CHECK_THROWS_AS(r.loader.run_stub(), Error);
  CHECK(mem_data == 1);
  CHECK(r.loader.usb_path() == UsbPath::uart);
}

TEST_CASE("espbak over a UART keeps 0x1800 RAM blocks and the RTS reset", "[loader][usb][sim]") {
  ConnectedSim c(on_path(ChipId::esp32s3, DownloadPath::uart));
  auto& [sim, link, loader] = c;
  CHECK(loader.usb_path() == UsbPath::uart);
  loader.run_stub();
  CHECK(largest_block(sim.commands(), Op::mem_data) == 0x1800);
  CHECK(loader.finish(AfterReset::hard_reset).action == AfterResetAction::rts_pulse);
}

TEST_CASE("espbak over USB-Serial/JTAG disables the RTC watchdog so a long session survives", "[loader][usb][sim]") {
  for (ChipId id : {ChipId::esp32c3, ChipId::esp32s3, ChipId::esp32h2, ChipId::esp32c5, ChipId::esp32c61,
                    ChipId::esp32h4, ChipId::esp32h21}) {
    INFO(chip(id).name);
    testing::SimChipConfig cfg = on_path(id, DownloadPath::usb_jtag_serial);
    cfg.usb_jtag_rtc_wdt = 9000 * kMs;
    ConnectedSim c(cfg);
    auto& [sim, link, loader] = c;
    CHECK(loader.usb_path() == UsbPath::usb_jtag_serial);
    link->clock().sleep(std::chrono::seconds(20));  // a long operation's worth of virtual time
    CHECK_NOTHROW(loader.read_reg(0x40001000));  // the ROM still answers
    CHECK(sim.device().self_resets() == 0);
  }
}

TEST_CASE("espsim over USB-Serial/JTAG without a watchdog esptool disables leaves the ESP32-S31 running",
          "[sim][usb]") {
  // esptool v5.3.1 esp32s31.py: no disable_watchdogs, and espsim does not
  // guess a watchdog the host is not told to disable.
  Rig r(ChipId::esp32s31, DownloadPath::usb_jtag_serial, 9000 * kMs);
  r.dev.advance(20000 * kMs);
  CHECK(r.dev.self_resets() == 0);
}

namespace {

// A simulated link that reports a local port's USB id, as a serial port does.
class WithUsbId final : public Transport {
 public:
  WithUsbId(std::unique_ptr<Transport> inner, UsbId id) : inner_(std::move(inner)), id_(id) {}
  std::size_t read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    return inner_->read(buf, timeout);
  }
  void write(std::span<const std::uint8_t> data) override { inner_->write(data); }
  void flush_input() override { inner_->flush_input(); }
  void set_baud(std::uint32_t baud) override { inner_->set_baud(baud); }
  std::uint32_t baud() const override { return inner_->baud(); }
  bool set_dtr(bool on) override { return inner_->set_dtr(on); }
  bool set_rts(bool on) override { return inner_->set_rts(on); }
  bool has_modem_lines() const override { return inner_->has_modem_lines(); }
  std::optional<UsbId> usb_id() const override { return id_; }
  std::string name() const override { return inner_->name(); }
  Clock& clock() override { return inner_->clock(); }

 private:
  std::unique_ptr<Transport> inner_;
  UsbId id_;
};

UsbPath path_with_port_id(DownloadPath sim_path, UsbId id, ChipId part = ChipId::esp32s3) {
  testing::SimChipConfig cfg;
  cfg.chip = &chip(part);
  cfg.download_path = sim_path;
  testing::SimChip sim(cfg);
  WithUsbId link(sim.open("sim://usb", 115200), id);
  Loader loader(link);
  ConnectOptions co;
  co.before = BeforeReset::no_reset;
  loader.connect(co);
  return loader.usb_path();
}

}  // namespace

TEST_CASE("a local port's USB id decides the path, as esptool v5 does, over UARTDEV_BUF_NO", "[loader][usb][sim]") {
  // 303A:0009 is the S3's OTG port (IMAGE_CHIP_ID 9), 303A:1001 USB-Serial/JTAG.
  CHECK(path_with_port_id(DownloadPath::uart, {0x303A, 0x0009}) == UsbPath::usb_otg);
  CHECK(path_with_port_id(DownloadPath::uart, {0x303A, 0x1001}) == UsbPath::usb_jtag_serial);
  // A CP2102 bridge: a UART, whatever the ROM's variable holds.
  CHECK(path_with_port_id(DownloadPath::usb_otg, {0x10C4, 0xEA60}) == UsbPath::uart);
  // The ESP32-S31 (esptool v5.3.1 esp32s31.py): OTG PID = IMAGE_CHIP_ID 32,
  // USB-Serial/JTAG 1001; without a USB id it has no UARTDEV_BUF_NO to ask.
  CHECK(path_with_port_id(DownloadPath::usb_otg, {0x303A, 0x0020}, ChipId::esp32s31) == UsbPath::usb_otg);
  CHECK(path_with_port_id(DownloadPath::usb_jtag_serial, {0x303A, 0x1001}, ChipId::esp32s31) ==
        UsbPath::usb_jtag_serial);
  CHECK(path_with_port_id(DownloadPath::usb_jtag_serial, {0x303A, 0x1001}, ChipId::esp32h2) ==
        UsbPath::usb_jtag_serial);
  CHECK(path_with_port_id(DownloadPath::usb_jtag_serial, {0x303A, 0x0010}, ChipId::esp32h2) == UsbPath::uart);
}
