// The end of a session: the --after decision table (plan_after_reset) and
// Loader::finish carrying it out on the fake transport.
#include <catch2/catch.hpp>

#include "espbak/link/reset/after.hpp"
#include "espbak/link/reset/sequences.hpp"
#include "espbak/loader/loader.hpp"
#include "test_loader_fake_device.hpp"

using namespace espbak;
using namespace espbak::test;
using namespace std::chrono_literals;
using A = AfterResetAction;

namespace {

AfterResetState state(bool stub, bool stub_can_run_user_code = false, bool custom = false) {
  AfterResetState s;
  s.stub_running = stub;
  s.stub_can_run_user_code = stub_can_run_user_code;
  s.has_custom_hard_reset_sequence = custom;
  return s;
}

// A stub-running ESP8266 (the fake answers SYNC like a stub; the magic value
// makes it an ESP8266), connect traffic forgotten.
struct Esp8266StubRig : LoaderRig {
  Esp8266StubRig() : LoaderRig(FakeChip::Kind::stub) {
    chip.regs[0x40001000] = 0xFFF0C101;
    ConnectOptions o;
    o.before = BeforeReset::no_reset;
    loader.connect(o);
    loader.run_stub();  // already running: nothing uploaded
    link.host_frames.clear();
    events.clear();
  }
};

}  // namespace

TEST_CASE("the --after decision table") {
  SECTION("hard_reset: the RTS pulse, or the custom hard sequence when given, ROM or stub alike") {
    for (bool stub : {false, true}) {
      CHECK(plan_after_reset(AfterReset::hard_reset, state(stub)).action == A::rts_pulse);
      CHECK(plan_after_reset(AfterReset::hard_reset, state(stub, false, true)).action == A::custom_hard_sequence);
      CHECK(plan_after_reset(AfterReset::hard_reset, state(stub, true, true)).warning.empty());
    }
  }
  SECTION("soft_reset: ROM runs the user code; a stub with RUN_USER_CODE uses it") {
    CHECK(plan_after_reset(AfterReset::soft_reset, state(false)).action == A::rom_run_user_code);
    CHECK(plan_after_reset(AfterReset::soft_reset, state(false, false, true)).action == A::rom_run_user_code);
    auto p = plan_after_reset(AfterReset::soft_reset, state(true, true));
    CHECK(p.action == A::stub_run_user_code);
    CHECK(p.warning.empty());
  }
  SECTION("soft_reset with a stub that cannot: warn and pulse RTS (not the custom sequence)") {
    for (bool custom : {false, true}) {
      auto p = plan_after_reset(AfterReset::soft_reset, state(true, false, custom));
      CHECK(p.action == A::rts_pulse);
      CHECK(p.warning == "soft reset with the flasher stub works only on ESP8266; hard resetting instead");
    }
  }
  SECTION("no_reset: the stub returns to the ROM, the ROM stays") {
    CHECK(plan_after_reset(AfterReset::no_reset, state(true)).action == A::stub_return_to_rom);
    CHECK(plan_after_reset(AfterReset::no_reset, state(true, true, true)).action == A::stub_return_to_rom);
    CHECK(plan_after_reset(AfterReset::no_reset, state(false)).action == A::nothing);
  }
  SECTION("watchdog_reset: the chip's watchdog; esptool's hard reset where it has none or in Secure Download Mode") {
    AfterResetState s = state(true);
    s.has_watchdog_reset = true;
    s.chip_name = "ESP32-S3";
    auto p = plan_after_reset(AfterReset::watchdog_reset, s);
    CHECK(p.action == A::watchdog_reset);
    CHECK(p.warning.empty());
    CHECK(p.note.empty());
    s.has_watchdog_reset = false;
    s.chip_name = "ESP32";
    p = plan_after_reset(AfterReset::watchdog_reset, s);
    CHECK(p.action == A::rts_pulse);
    CHECK(p.note == "Watchdog hard reset is not supported on ESP32, attempting classic hard reset instead.");
    s.has_custom_hard_reset_sequence = true;
    CHECK(plan_after_reset(AfterReset::watchdog_reset, s).action == A::custom_hard_sequence);
    s = state(false);
    s.has_watchdog_reset = true;
    s.secure_download_mode = true;
    p = plan_after_reset(AfterReset::watchdog_reset, s);
    CHECK(p.action == A::rts_pulse);
    CHECK(p.warning ==
          "Watchdog hard reset is not supported in Secure Download Mode, attempting classic hard reset instead.");
  }
  SECTION("no_reset_stub: nothing at all") {
    for (bool stub : {false, true}) {
      auto p = plan_after_reset(AfterReset::no_reset_stub, state(stub, stub, true));
      CHECK(p.action == A::nothing);
      CHECK(p.warning.empty());
    }
  }
}

TEST_CASE("finish(hard_reset) pulses RTS for 0.1 s through the sleeper and sends no command") {
  ConnectedRig r(FakeChip::Kind::stub);
  r.link.modem_lines = true;
  std::vector<std::chrono::milliseconds> waits;
  r.loader.set_sleeper([&](std::chrono::milliseconds d) { waits.push_back(d); });
  r.loader.finish(AfterReset::hard_reset);
  CHECK(r.link.line_changes == std::vector<std::pair<char, bool>>{{'R', true}, {'R', false}});
  CHECK(waits == std::vector<std::chrono::milliseconds>{100ms});
  CHECK(r.link.host_frames.empty());
  CHECK(r.events.empty());
}

TEST_CASE("finish(hard_reset) runs the custom hard reset sequence instead of the pulse") {
  ConnectedRig r(FakeChip::Kind::esp32_rom);
  r.link.modem_lines = true;
  r.loader.finish(AfterReset::hard_reset, parse_reset_sequence("D1|R1|W0.1|R0|D0"));
  std::vector<std::pair<char, bool>> expected = {{'D', true}, {'R', true}, {'R', false}, {'D', false}};
  CHECK(r.link.line_changes == expected);
  CHECK(r.events.empty());
}

TEST_CASE("finish(hard_reset) on a port without lines leaves a note instead") {
  SECTION("pulse") {
    ConnectedRig r(FakeChip::Kind::esp32_rom);
    r.loader.finish(AfterReset::hard_reset);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].first == LoaderEvent::note);
    CHECK(r.events[0].second ==
          "fake://device has no RTS line: the chip was not reset; reset it by hand to run its application");
  }
  SECTION("custom sequence") {
    ConnectedRig r(FakeChip::Kind::esp32_rom);
    r.loader.finish(AfterReset::hard_reset, parse_reset_sequence("R1|W0.1|R0"));
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].first == LoaderEvent::note);
    CHECK(r.events[0].second == "fake://device refused a DTR/RTS change: the chip was not reset");
  }
}

TEST_CASE("finish(soft_reset) with the ESP32 stub warns, then pulses RTS") {
  ConnectedRig r(FakeChip::Kind::stub);
  REQUIRE(r.loader.chip().cli_name == "esp32");
  r.link.modem_lines = true;
  r.loader.finish(AfterReset::soft_reset, parse_reset_sequence("D1|D0"));
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].first == LoaderEvent::warning);
  CHECK(r.link.line_changes == std::vector<std::pair<char, bool>>{{'R', true}, {'R', false}});
  CHECK(r.link.host_frames.empty());
}

TEST_CASE("finish(soft_reset) with the ESP8266 stub sends RUN_USER_CODE and waits for no answer") {
  Esp8266StubRig r;
  REQUIRE(r.loader.chip().cli_name == "esp8266");
  REQUIRE(r.loader.stub_running());
  r.loader.finish(AfterReset::soft_reset);
  auto cmds = r.link.commands();
  REQUIRE(cmds.size() == 1);
  CHECK(cmds[0].op == std::uint8_t(Op::run_user_code));
  CHECK(r.events.empty());
}

TEST_CASE("finish(no_reset) on the ROM and finish(no_reset_stub) send nothing and touch no line") {
  SECTION("ROM, no_reset") {
    ConnectedRig r(FakeChip::Kind::esp32_rom);
    r.link.modem_lines = true;
    r.loader.finish(AfterReset::no_reset);
    CHECK(r.link.host_frames.empty());
    CHECK(r.link.line_changes.empty());
  }
  SECTION("stub, no_reset_stub") {
    ConnectedRig r(FakeChip::Kind::stub);
    r.link.modem_lines = true;
    r.loader.finish(AfterReset::no_reset_stub);
    CHECK(r.link.host_frames.empty());
    CHECK(r.link.line_changes.empty());
    CHECK(r.loader.stub_running());
  }
  SECTION("stub, no_reset: back in the ROM afterwards") {
    ConnectedRig r(FakeChip::Kind::stub);
    r.loader.finish(AfterReset::no_reset);
    CHECK_FALSE(r.loader.stub_running());
    CHECK(r.link.commands().size() == 2);
  }
}
