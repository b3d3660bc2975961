// The chip's own USB download paths (docs/espsim.md "USB download paths",
// docs/connecting.md): espsim's USB-OTG block limit, UARTDEV_BUF_NO and the
// RTC watchdog left running over USB-Serial/JTAG; espbak's choice of path
// from UARTDEV_BUF_NO, its 0x800 blocks over OTG, disable_watchdogs and the
// OTG hard reset by watchdog (esptool v5.3.1 targets/esp32s2.py, esp32s3.py,
// esp32c3.py, esp32p4.py).
#include <catch2/catch.hpp>

#include <chrono>

#include "espbak/chips/chip.hpp"
#include "espbak/loader/loader.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/device.hpp"
#include "../support/device_rig.hpp"
#include "../support/sim_transport.hpp"

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
    testing::SimChipConfig cfg;
    cfg.chip = &chip(part.id);
    cfg.chip_revision = part.revision;
    cfg.download_path = DownloadPath::usb_otg;
    testing::SimChip sim(cfg);
    auto link = sim.open("sim://otg", 115200);
    Loader loader(*link);
    ConnectOptions co;
    co.before = BeforeReset::no_reset;
    loader.connect(co);
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
    link->read(rest, std::chrono::milliseconds(100));  // runs the simulation past the watchdog's timeout
    CHECK(sim.device().self_resets() == 1);
  }
}

TEST_CASE("espbak over a UART keeps 0x1800 RAM blocks and the RTS reset", "[loader][usb][sim]") {
  testing::SimChipConfig cfg;
  cfg.chip = &chip(ChipId::esp32s3);
  testing::SimChip sim(cfg);
  auto link = sim.open("sim://uart", 115200);
  Loader loader(*link);
  ConnectOptions co;
  co.before = BeforeReset::no_reset;
  loader.connect(co);
  CHECK(loader.usb_path() == UsbPath::uart);
  loader.run_stub();
  CHECK(largest_block(sim.commands(), Op::mem_data) == 0x1800);
  CHECK(loader.finish(AfterReset::hard_reset).action == AfterResetAction::rts_pulse);
}

TEST_CASE("espbak over USB-Serial/JTAG disables the RTC watchdog so a long session survives", "[loader][usb][sim]") {
  for (ChipId id : {ChipId::esp32c3, ChipId::esp32s3}) {
    INFO(chip(id).name);
    testing::SimChipConfig cfg;
    cfg.chip = &chip(id);
    cfg.download_path = DownloadPath::usb_jtag_serial;
    cfg.usb_jtag_rtc_wdt = 9000 * kMs;
    testing::SimChip sim(cfg);
    auto link = sim.open("sim://jtag", 115200);
    Loader loader(*link);
    ConnectOptions co;
    co.before = BeforeReset::no_reset;
    loader.connect(co);
    CHECK(loader.usb_path() == UsbPath::usb_jtag_serial);
    link->clock().sleep(std::chrono::seconds(20));  // a long operation's worth of virtual time
    CHECK(loader.read_reg(0x40001000) == chip(id).magic_values.front());
    CHECK(sim.device().self_resets() == 0);
  }
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

UsbPath path_with_port_id(DownloadPath sim_path, UsbId id) {
  testing::SimChipConfig cfg;
  cfg.chip = &chip(ChipId::esp32s3);
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
}
