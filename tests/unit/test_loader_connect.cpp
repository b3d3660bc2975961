// Loader::connect: SYNC retries, stub detection, reset lines, chip detection.
#include <catch2/catch.hpp>

#include "espbak/loader/loader.hpp"
#include "espbak/util/error.hpp"
#include "test_loader_fake_device.hpp"

using namespace espbak;
using namespace espbak::test;

namespace {

ConnectOptions opts(BeforeReset before = BeforeReset::no_reset, int attempts = 7,
                    const ChipInfo* expected = nullptr) {
  ConnectOptions o;
  o.before = before;
  o.attempts = attempts;
  o.expected_chip = expected;
  return o;
}

}  // namespace

TEST_CASE("connect retries SYNC and detects an ESP32 ROM by its magic value") {
  LoaderRig r(FakeChip::Kind::esp32_rom);
  r.chip.syncs_to_ignore = 2;
  r.loader.connect(opts());
  CHECK(r.loader.chip().cli_name == "esp32");
  CHECK_FALSE(r.loader.stub_running());
  CHECK_FALSE(r.loader.sync_stub_detected());
  CHECK(r.count(LoaderEvent::sync_failed) == 2);
  CHECK(r.link.commands(Op::sync).size() == 3);
  // esptool's order: GET_SECURITY_INFO (refused by this ROM), then the magic register.
  auto cmds = r.link.commands();
  std::vector<std::uint8_t> after_sync;
  for (auto& c : cmds)
    if (c.op != std::uint8_t(Op::sync)) after_sync.push_back(c.op);
  CHECK(after_sync == std::vector<std::uint8_t>{0x14, 0x0A});
  CHECK(r.chip.reg_reads == std::vector<std::uint32_t>{0x40001000});
}

TEST_CASE("connect detects an ESP8266 ROM") {
  LoaderRig r(FakeChip::Kind::esp8266_rom);
  r.loader.connect(opts());
  CHECK(r.loader.chip().cli_name == "esp8266");
}

TEST_CASE("a SYNC answered with value 0 means a stub is already running, and run_stub uploads nothing") {
  LoaderRig r(FakeChip::Kind::stub);
  r.loader.connect(opts());
  CHECK(r.loader.sync_stub_detected());
  auto before = r.link.host_frames.size();
  r.loader.run_stub();
  CHECK(r.loader.stub_running());
  CHECK(r.link.host_frames.size() == before);
}

TEST_CASE("connect gives up after the attempts with a one-line hint") {
  LoaderRig r(FakeChip::Kind::esp32_rom);
  r.chip.syncs_to_ignore = 1000;
  try {
    r.loader.connect(opts(BeforeReset::no_reset, 2, &chip(ChipId::esp8266)));
    FAIL("expected a connect error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::connect);
    std::string msg = e.what();
    CHECK(msg.starts_with("Failed to connect to ESP8266: No serial data received."));
    CHECK(msg.find("GPIO0") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
  }
  CHECK(r.link.commands(Op::sync).size() == 10);  // 2 attempts x 5 tries
  CHECK(r.count(LoaderEvent::sync_failed) == 10);
}

TEST_CASE("a boot log without 'waiting for download' reports the wrong boot mode") {
  LoaderRig r(FakeChip::Kind::esp32_rom);
  r.link.modem_lines = true;
  r.chip.syncs_to_ignore = 1000;
  r.link.on_reset_released = [&] {
    r.link.push_bytes("ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n");
  };
  try {
    r.loader.connect(opts(BeforeReset::default_reset, 1));
    FAIL("expected a connect error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::connect);
    CHECK(std::string(e.what()).find("Wrong boot mode detected (0x13)") != std::string::npos);
  }
}

TEST_CASE("default reset drives the UnixTight sequence when the port has modem lines") {
  LoaderRig r(FakeChip::Kind::esp32_rom);
  r.link.modem_lines = true;
  r.loader.connect(opts(BeforeReset::default_reset));
  // The fake has no TIOCMSET, so set_dtr_rts falls back to DTR then RTS.
  std::vector<std::pair<char, bool>> expected = {
      {'D', false}, {'R', false}, {'D', true},  {'R', true},  {'D', false}, {'R', true},
      {'D', true},  {'R', false}, {'D', false}, {'R', false}, {'D', false},
  };
  CHECK(r.link.line_changes == expected);
}

TEST_CASE("without modem lines default reset becomes no reset, with a note") {
  LoaderRig r(FakeChip::Kind::esp32_rom);
  r.loader.connect(opts(BeforeReset::default_reset));
  CHECK(r.count(LoaderEvent::note) >= 1);
  CHECK(r.link.line_changes.empty());
}

TEST_CASE("a --chip naming a different chip is a usage error naming both chips") {
  LoaderRig r(FakeChip::Kind::esp32_rom);
  try {
    r.loader.connect(opts(BeforeReset::no_reset, 1, &chip(ChipId::esp8266)));
    FAIL("expected a mismatch error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()) == "This chip is ESP32, not ESP8266. Wrong --chip argument?");
  }
}

TEST_CASE("an unknown magic value is refused when auto-detecting, tolerated with --chip") {
  LoaderRig r(FakeChip::Kind::esp32_rom);
  r.chip.regs[0x40001000] = 0x12345678;
  try {
    r.loader.connect(opts());
    FAIL("expected an unsupported-chip error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::unsupported);
    CHECK(std::string(e.what()).find("0x12345678") != std::string::npos);
  }
  LoaderRig r2(FakeChip::Kind::esp32_rom);
  r2.chip.regs[0x40001000] = 0x12345678;
  r2.loader.connect(opts(BeforeReset::no_reset, 1, &chip(ChipId::esp32)));
  CHECK(r2.loader.chip().cli_name == "esp32");
  CHECK(r2.count(LoaderEvent::warning) == 1);
}

TEST_CASE("no_reset_no_sync sends no SYNC") {
  LoaderRig r(FakeChip::Kind::esp32_rom);
  r.loader.connect(opts(BeforeReset::no_reset_no_sync));
  CHECK(r.link.commands(Op::sync).empty());
  CHECK(r.loader.chip().cli_name == "esp32");
}
