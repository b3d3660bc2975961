// The connect-time reset cycle (esptool loader.py _construct_reset_strategy_sequence),
// the --before/--after names and parsing, and the USB-JTAG-Serial USB ID.
#include <catch2/catch.hpp>

#include "espbak/link/reset/cycle.hpp"
#include "espbak/link/reset/modes.hpp"
#include "espbak/link/reset/usb_ids.hpp"
#include "test_loader_fake_device.hpp"

using namespace espbak;
using namespace std::chrono_literals;

namespace {

// A FakeLink that says how its port sets the lines and which USB ID it has.
struct PortLink : test::FakeLink {
  bool together = true;         // TIOCMSET: both lines in one step
  std::optional<UsbId> usb;     // the adapter's VID:PID, if USB
  PortLink() { modem_lines = true; }
  bool sets_lines_together() const override { return together; }
  std::optional<UsbId> usb_id() const override { return usb; }
};

std::vector<std::string> names_of(const std::vector<ResetStrategy>& cycle) {
  std::vector<std::string> names;
  for (const auto& s : cycle) names.push_back(s.name());
  return names;
}

}  // namespace

TEST_CASE("a port that sets both lines at once cycles UnixTight then Classic, each with both delays") {
  PortLink link;
  auto cycle = reset_strategy_cycle(link, BeforeReset::default_reset, std::nullopt);
  CHECK(names_of(cycle) ==
        std::vector<std::string>{"UnixTight (0.05 s)", "UnixTight (0.55 s)", "Classic (0.05 s)", "Classic (0.55 s)"});
  REQUIRE(cycle.size() == 4);
  CHECK(cycle[0].kind == ResetKind::unix_tight);
  CHECK(cycle[1].delay == kResetDelayExtra);
  CHECK(cycle[3].kind == ResetKind::classic);
  CHECK_FALSE(cycle[0].custom);
}

TEST_CASE("a port that sets the lines one at a time (rfc2217, Windows) cycles Classic only") {
  PortLink link;
  link.together = false;
  auto cycle = reset_strategy_cycle(link, BeforeReset::default_reset, std::nullopt);
  CHECK(names_of(cycle) == std::vector<std::string>{"Classic (0.05 s)", "Classic (0.55 s)"});
  CHECK(cycle[0].delay == kResetDelay);
}

TEST_CASE("the USB-Serial/JTAG port 303A:1001 gets only the USB-JTAG-Serial sequence") {
  PortLink link;
  link.usb = UsbId{0x303A, 0x1001};
  auto cycle = reset_strategy_cycle(link, BeforeReset::default_reset, std::nullopt);
  REQUIRE(cycle.size() == 1);
  CHECK(cycle[0].kind == ResetKind::usb_jtag_serial);
  CHECK(cycle[0].name() == "USB-JTAG-Serial");
  // Another Espressif PID (the S2/S3 ROM's USB-OTG CDC) is not that peripheral.
  link.usb = UsbId{0x303A, 0x0002};
  CHECK(reset_strategy_cycle(link, BeforeReset::default_reset, std::nullopt).size() == 4);
}

TEST_CASE("with --before usb_reset any port gets the USB-JTAG-Serial sequence") {
  PortLink link;
  link.together = false;
  link.usb = UsbId{0x10C4, 0xEA60};
  CHECK(names_of(reset_strategy_cycle(link, BeforeReset::usb_reset, std::nullopt)) ==
        std::vector<std::string>{"USB-JTAG-Serial"});
}

TEST_CASE("a custom reset sequence replaces the whole cycle, even on the USB-JTAG-Serial port") {
  PortLink link;
  link.usb = UsbId{0x303A, 0x1001};
  auto seq = parse_reset_sequence("D0|R1|W0.1|D1|R0|W0.05|D0");
  for (BeforeReset before : {BeforeReset::default_reset, BeforeReset::usb_reset}) {
    auto cycle = reset_strategy_cycle(link, before, seq);
    REQUIRE(cycle.size() == 1);
    REQUIRE(cycle[0].custom);
    CHECK(cycle[0].name() == "custom sequence 'D0|R1|W0.1|D1|R0|W0.05|D0'");
  }
}

TEST_CASE("run_reset_strategy drives the built-in sequence or the custom one, waiting through the sleeper") {
  std::vector<std::chrono::milliseconds> waits;
  Sleeper sleep = [&](std::chrono::milliseconds d) { waits.push_back(d); };
  SECTION("Classic with the extra delay") {
    PortLink link;
    link.together = false;
    auto cycle = reset_strategy_cycle(link, BeforeReset::default_reset, std::nullopt);
    CHECK(run_reset_strategy(link, cycle[1], sleep));
    std::vector<std::pair<char, bool>> expected = {{'D', false}, {'R', true}, {'D', true}, {'R', false}, {'D', false}};
    CHECK(link.line_changes == expected);
    CHECK(waits == std::vector<std::chrono::milliseconds>{100ms, 550ms});
  }
  SECTION("USB-JTAG-Serial") {
    PortLink link;
    link.usb = UsbId{kEspressifVid, kUsbJtagSerialPid};
    auto cycle = reset_strategy_cycle(link, BeforeReset::default_reset, std::nullopt);
    CHECK(run_reset_strategy(link, cycle[0], sleep));
    std::vector<std::pair<char, bool>> expected = {{'R', false}, {'D', false}, {'D', true}, {'R', false},
                                                   {'R', true},  {'D', false}, {'R', true}, {'D', false},
                                                   {'R', false}};
    CHECK(link.line_changes == expected);
    CHECK(waits == std::vector<std::chrono::milliseconds>{100ms, 100ms, 100ms});
  }
  SECTION("custom") {
    PortLink link;
    auto cycle = reset_strategy_cycle(link, BeforeReset::default_reset, parse_reset_sequence("R1|W0.2|R0"));
    CHECK(run_reset_strategy(link, cycle[0], sleep));
    CHECK(link.line_changes == std::vector<std::pair<char, bool>>{{'R', true}, {'R', false}});
    CHECK(waits == std::vector<std::chrono::milliseconds>{200ms});
  }
  SECTION("a port without lines refuses") {
    PortLink link;
    link.modem_lines = false;
    auto cycle = reset_strategy_cycle(link, BeforeReset::default_reset, std::nullopt);
    CHECK_FALSE(run_reset_strategy(link, cycle[0], sleep));
    CHECK(waits.empty());
  }
}

TEST_CASE("the USB-Serial/JTAG ID is Espressif's VID with PID 0x1001") {
  CHECK(is_usb_jtag_serial(UsbId{0x303A, 0x1001}));
  CHECK_FALSE(is_usb_jtag_serial(UsbId{0x303A, 0x1002}));
  CHECK_FALSE(is_usb_jtag_serial(UsbId{0x10C4, 0x1001}));
  CHECK_FALSE(is_usb_jtag_serial(std::nullopt));
}

TEST_CASE("the --before and --after names round-trip in both spellings, and the choices keep esptool's order") {
  for (auto b : {BeforeReset::default_reset, BeforeReset::usb_reset, BeforeReset::no_reset,
                 BeforeReset::no_reset_no_sync}) {
    std::string name(before_reset_name(b));
    CHECK(parse_before(name) == b);
    std::replace(name.begin(), name.end(), '_', '-');
    CHECK(parse_before(name) == b);
  }
  for (auto a : {AfterReset::hard_reset, AfterReset::soft_reset, AfterReset::no_reset, AfterReset::no_reset_stub,
                 AfterReset::watchdog_reset}) {
    std::string name(after_reset_name(a));
    CHECK(parse_after(name) == a);
    std::transform(name.begin(), name.end(), name.begin(), [](char c) { return char(std::toupper(c)); });
    CHECK(parse_after(name) == a);
  }
  CHECK(before_reset_choices(", ") == "default_reset, usb_reset, no_reset, no_reset_no_sync");
  CHECK(after_reset_choices("|") == "hard_reset|soft_reset|no_reset|no_reset_stub|watchdog_reset");
  CHECK_FALSE(parse_before(""));
  CHECK_FALSE(parse_before("no_reset_"));
  CHECK(parse_after("watchdog-reset") == AfterReset::watchdog_reset);  // esptool v5's spelling
  CHECK_FALSE(parse_after("watchdog"));
  CHECK(before_resets_chip(BeforeReset::default_reset));
  CHECK(before_resets_chip(BeforeReset::usb_reset));
  CHECK_FALSE(before_resets_chip(BeforeReset::no_reset));
  CHECK_FALSE(before_resets_chip(BeforeReset::no_reset_no_sync));
}
