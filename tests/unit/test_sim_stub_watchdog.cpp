// espsim: code uploaded onto a running stub runs (OHAI), the RTC watchdog
// reset esptool's --after watchdog_reset arms, and the board's boot from
// flash after it (docs/espsim.md "Stub model", "Watchdog reset", "Boot from
// flash").
#include <catch2/catch.hpp>

#include <string>

#include "espbak/chips/chip.hpp"
#include "espbak/loader/loader.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/board.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/link.hpp"
#include "espbak/stubs/stub_sources.hpp"
#include "../support/device_rig.hpp"
#include "../support/sim_transport.hpp"

using namespace espbak;
using namespace espbak::sim;

namespace {

struct Rig : testing::DeviceRig {
  explicit Rig(ChipId id) : DeviceRig(config(id)) {}
  std::vector<Bytes> cmd(Op op, const Bytes& data, std::uint32_t chk = 0) { return frames(op, data, chk); }
  // MEM_BEGIN / MEM_DATA / MEM_END jumping to `entry`: the frames MEM_END brings.
  std::vector<Bytes> upload(std::uint32_t entry) {
    CHECK(ok(Op::mem_begin, words({4, 1, 0x1800, 0x40100000})));
    Bytes blob{1, 2, 3, 4};
    Bytes d = words({4, 0, 0, 0});
    d.insert(d.end(), blob.begin(), blob.end());
    CHECK(ok(Op::mem_data, d, checksum(blob)));
    return cmd(Op::mem_end, words({0, entry}));
  }
  void write_reg(std::uint32_t addr, std::uint32_t value) { CHECK(ok(Op::write_reg, words({addr, value, ~0u, 0}))); }
};

const Bytes kOhai{'O', 'H', 'A', 'I'};

}  // namespace

TEST_CASE("a stub uploaded onto a running stub starts and says OHAI", "[sim][stub]") {
  Rig r(ChipId::esp32s3);
  auto first = r.upload(0x40100004);
  REQUIRE(first.size() == 2);
  CHECK(first[1] == kOhai);
  REQUIRE(r.dev.mode() == Device::Mode::stub);
  // esptool reconnecting with --before no_reset_no_sync to a stub left
  // running uploads the stub again: MEM_END's answer, then the new OHAI.
  auto again = r.upload(0x40100004);
  REQUIRE(again.size() == 2);
  auto reply = decode_response(again[0]);
  REQUIRE(reply);
  CHECK(reply->op == std::uint8_t(Op::mem_end));
  CHECK(again[1] == kOhai);
  CHECK(r.dev.mode() == Device::Mode::stub);
  CHECK(r.ok(Op::read_reg, words({kChipDetectMagicReg})));  // the new stub answers
}

TEST_CASE("a running stub, like the ROM, does not start a stub image built for another part", "[sim][stub]") {
  // The ESP32-P4's two stub images (Device::uploaded_code_runs): one is this
  // part's, the other is not.
  std::vector<std::uint32_t> p4_entries;
  for (std::size_t i = 0; i < kStubImageSourceCount; ++i)
    if (std::string_view(kStubImageSources[i].name).substr(0, 7) == "esp32p4") p4_entries.push_back(kStubImageSources[i].entry);
  REQUIRE(p4_entries.size() == 2);
  Rig r(ChipId::esp32p4);
  auto first = r.upload(p4_entries[0]);
  std::uint32_t wrong = p4_entries[1];
  if (first.size() != 2) {  // entry 0 was the other part's: start again with the right one
    r.dev.reset(++r.t);
    r.dev.take_tx();
    first = r.upload(p4_entries[1]);
    wrong = p4_entries[0];
  }
  REQUIRE(first.size() == 2);
  REQUIRE(r.dev.mode() == Device::Mode::stub);
  auto frames = r.upload(wrong);
  CHECK(frames.size() == 1);  // MEM_END's reply, then nothing: no OHAI
  CHECK(r.dev.mode() == Device::Mode::app);
}

TEST_CASE("the RTC watchdog resets the chip when enabled with the key, not otherwise", "[sim][watchdog]") {
  const ChipInfo& s3 = chip(ChipId::esp32s3);
  REQUIRE(s3.rtc_watchdog);
  const RtcWatchdog& wdt = *s3.rtc_watchdog;
  Rig r(ChipId::esp32s3);
  REQUIRE(r.upload(0x40100004).size() == 2);
  SECTION("esptool's disable_watchdogs (CONFIG0 = 0) leaves it off") {
    r.write_reg(wdt.wprotect, wdt.key);
    r.write_reg(wdt.config0, 0);
    r.write_reg(wdt.wprotect, 0);
    r.t += 1000 * kMs;
    r.dev.advance(r.t);
    CHECK(r.dev.mode() == Device::Mode::stub);
    CHECK(r.dev.self_resets() == 0);
  }
  SECTION("without the key the enable write is ignored") {
    r.write_reg(wdt.config1, RtcWatchdog::kTimeout);
    r.write_reg(wdt.config0, RtcWatchdog::kConfig0);
    r.t += 1000 * kMs;
    r.dev.advance(r.t);
    CHECK(r.dev.self_resets() == 0);
  }
  SECTION("esptool's watchdog_reset: the lock write is answered, then the chip resets") {
    for (const RegOp& op : wdt.reset_ops())
      if (op.kind == RegOp::Kind::write) r.write_reg(op.addr, op.value);
    CHECK(r.dev.mode() == Device::Mode::stub);
    CHECK(r.dev.next_event() > r.t);
    CHECK(r.dev.next_event() < r.t + 100 * kMs);
    r.t += 100 * kMs;
    r.dev.advance(r.t);
    CHECK(r.dev.mode() == Device::Mode::app);
    CHECK(r.dev.self_resets() == 1);
    CHECK(r.cmd(Op::read_reg, words({kChipDetectMagicReg})).empty());  // nothing listens
  }
}

TEST_CASE("espbak's --after watchdog_reset writes the chip row's registers and the chip resets", "[sim][watchdog]") {
  for (ChipId id : {ChipId::esp32s3, ChipId::esp32c3, ChipId::esp32s2}) {
    const ChipInfo& info = chip(id);
    INFO(info.name);
    testing::SimChipConfig cfg;
    cfg.chip = &info;
    testing::SimChip sim(cfg);
    auto link = sim.open("sim://chip", 115200);
    Loader loader(*link);
    ConnectOptions co;
    co.before = BeforeReset::no_reset;
    loader.connect(co);
    sim.clear_commands();
    auto plan = loader.finish(AfterReset::watchdog_reset);
    CHECK(plan.action == AfterResetAction::watchdog_reset);
    std::size_t writes = 0;
    for (const auto& c : sim.commands()) writes += c.op == std::uint8_t(Op::write_reg);
    CHECK(writes == 4);
    // The host waits (esptool: 0.5 s); a read lets the simulation run that long.
    std::uint8_t byte;
    CHECK(link->read(std::span(&byte, 1), std::chrono::milliseconds(500)) == 0);  // the chip says nothing
    CHECK(sim.device().self_resets() == 1);
    CHECK(sim.device().mode() == Device::Mode::app);
  }
}

TEST_CASE("a chip without a watchdog reset gets esptool's note and a hard reset", "[sim][watchdog]") {
  testing::SimChipConfig cfg;
  cfg.chip = &chip(ChipId::esp32);
  testing::SimChip sim(cfg);
  auto link = sim.open("sim://chip", 115200);
  Loader loader(*link);
  ConnectOptions co;
  co.before = BeforeReset::no_reset;
  loader.connect(co);
  sim.clear_commands();
  auto plan = loader.finish(AfterReset::watchdog_reset);
  CHECK(plan.action == AfterResetAction::rts_pulse);
  CHECK(plan.note == "Watchdog hard reset is not supported on ESP32, attempting classic hard reset instead.");
  CHECK(sim.commands().empty());
  CHECK(sim.device().self_resets() == 0);
}

namespace {

struct BoardRig {
  FlashModel flash{4u << 20};
  Device dev;
  Link link;
  Board board;
  SimTime now = 0;
  explicit BoardRig(ChipId id)
      : dev(Rig::config(id), flash), link(dev, LinkConfig{}), board(link, chip(id), board_config(id)) {}
  static BoardConfig board_config(ChipId id) {
    BoardConfig b;
    b.chip = &chip(id);
    return b;
  }
  std::string run_for(SimTime d) {
    std::string out;
    for (SimTime end = now + d; now < end;) {
      now += kMs;
      board.pump(now);
      auto b = board.to_host(now);
      out.append(b.begin(), b.end());
    }
    return out;
  }
  // Into download mode as esptool's ClassicReset does.
  void into_download() {
    board.set_lines(now, false, true);  // EN low
    now += 100 * kMs;
    board.set_lines(now, true, false);  // EN released, IO0 low
    run_for(100 * kMs);
    board.set_lines(now, false, false);
    REQUIRE(board.state() == Board::State::download);
    run_for(10 * kMs);
  }
  void watchdog_reset() {
    for (const RegOp& op : chip(dev.chip_id()).rtc_watchdog->reset_ops()) {
      if (op.kind != RegOp::Kind::write) continue;
      auto frame = slip::encode(encode_command(Op::write_reg, words({op.addr, op.value, ~0u, 0}), 0));
      board.from_host(now, frame);
      run_for(2 * kMs);
    }
  }
};

}  // namespace

TEST_CASE("after a watchdog reset the board boots from flash: invalid header when erased, the app with an image",
          "[sim][watchdog][board]") {
  BoardRig r(ChipId::esp32s3);
  r.run_for(100 * kMs);
  SECTION("erased flash: the ROM's invalid header loop") {
    r.into_download();
    r.watchdog_reset();
    std::string out = r.run_for(400 * kMs);
    CHECK(r.board.state() == Board::State::firmware);
    CHECK(out.find("boot:0x8 (SPI_FAST_FLASH_BOOT)") != std::string::npos);
    auto first = out.find("invalid header: 0xffffffff\r\n");
    REQUIRE(first != std::string::npos);
    CHECK(out.find("invalid header: 0xffffffff\r\n", first + 1) != std::string::npos);  // it loops
    CHECK(out.find("espsim_app") == std::string::npos);
  }
  SECTION("an image header at the bootloader offset: the app runs") {
    const std::uint8_t header[] = {0xE9, 0x03, 0x02, 0x20};
    r.flash.program(chip(ChipId::esp32s3).bootloader_offset, header);
    r.into_download();
    r.watchdog_reset();
    std::string out = r.run_for(600 * kMs);
    CHECK(r.board.state() == Board::State::firmware);
    CHECK(out.find("espsim_app: application running") != std::string::npos);
    CHECK(out.find("invalid header") == std::string::npos);
  }
}
