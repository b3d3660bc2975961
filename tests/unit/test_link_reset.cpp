// Custom reset sequences (esptool's custom_reset_sequence syntax) and port discovery ordering.
#include <catch2/catch.hpp>

#include "espbak/link/discovery.hpp"
#include "espbak/link/reset/sequences.hpp"
#include "espbak/util/error.hpp"
#include "test_loader_fake_device.hpp"

using namespace espbak;
using namespace std::chrono_literals;

TEST_CASE("esptool's Classic sequence string parses and drives the lines in order") {
  auto seq = parse_reset_sequence("D0|R1|W0.1|D1|R0|W0.05|D0");
  REQUIRE(seq.steps.size() == 7);
  CHECK(seq.steps[2].kind == ResetStep::Kind::wait);
  CHECK(seq.steps[2].wait == 100000us);
  test::FakeLink link;
  link.modem_lines = true;
  std::vector<std::chrono::milliseconds> waits;
  CHECK(run_reset_sequence(link, seq, [&](std::chrono::milliseconds d) { waits.push_back(d); }));
  std::vector<std::pair<char, bool>> expected = {{'D', false}, {'R', true}, {'D', true}, {'R', false}, {'D', false}};
  CHECK(link.line_changes == expected);
  CHECK(waits == std::vector<std::chrono::milliseconds>{100ms, 50ms});
}

TEST_CASE("U sets both lines and a port without lines refuses the sequence") {
  auto seq = parse_reset_sequence("U1,1|U0,1|W0.1|U1,0|W0.05|U0,0");
  test::FakeLink link;
  link.modem_lines = true;
  CHECK(run_reset_sequence(link, seq, [](std::chrono::milliseconds) {}));
  CHECK(link.line_changes.size() == 8);
  test::FakeLink no_lines;
  CHECK_FALSE(run_reset_sequence(no_lines, seq, [](std::chrono::milliseconds) {}));
}

TEST_CASE("malformed reset sequences are usage errors naming the step") {
  for (const char* bad : {"D2", "X1", "W", "Wabc", "U1", "U1,2", "D0||R1", "W100"}) {
    INFO(bad);
    try {
      parse_reset_sequence(bad);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
    }
  }
}

TEST_CASE("port filters parse like esptool's and match by attribute") {
  auto f = parse_port_filters({"vid=0x303a,pid=0x1001", "name=ttyACM"});
  CHECK(f.vids == std::vector<std::uint16_t>{0x303A});
  CHECK(f.pids == std::vector<std::uint16_t>{0x1001});
  PortInfo jtag{"/dev/ttyACM0", UsbId{0x303A, 0x1001}, "", "", "", "", false};
  PortInfo cp210x{"/dev/ttyUSB0", UsbId{0x10C4, 0xEA60}, "0001", "", "", "", false};
  CHECK(port_matches(jtag, f));
  CHECK_FALSE(port_matches(cp210x, f));
  CHECK(port_matches(cp210x, parse_port_filters({"serial=000"})));
  CHECK_FALSE(port_matches(jtag, parse_port_filters({"serial=000"})));
  CHECK_THROWS_AS(parse_port_filters({"vid"}), Error);
  CHECK_THROWS_AS(parse_port_filters({"colour=red"}), Error);
  CHECK_THROWS_AS(parse_port_filters({"vid=0x12345"}), Error);
}

TEST_CASE("discovery tries Espressif, then known bridges, then USB names, each in reverse order") {
  std::vector<PortInfo> ports = {
      {"/dev/ttyS0", std::nullopt, "", "", "", "", false},
      {"/dev/ttyUSB0", UsbId{0x1234, 0x5678}, "", "", "", "", false},
      {"/dev/ttyUSB1", UsbId{0x1A86, 0x7523}, "", "", "", "", false},
      {"/dev/ttyACM0", UsbId{0x303A, 0x1001}, "", "", "", "", false},
      {"/dev/ttyUSB2", UsbId{0x10C4, 0xEA60}, "", "", "", "", false},
      {"/dev/ttyS1", std::nullopt, "", "", "", "", false},
  };
  auto order = order_candidates(ports, {});
  std::vector<std::string> names;
  for (auto& p : order) names.push_back(p.device);
  CHECK(names == std::vector<std::string>{"/dev/ttyACM0", "/dev/ttyUSB2", "/dev/ttyUSB1", "/dev/ttyUSB0",
                                          "/dev/ttyS1", "/dev/ttyS0"});
  CHECK(known_esp_bridge({0x1A86, 0x55D4}) == "WCH CH9102");
  CHECK(known_esp_bridge({0x1234, 0x5678}).empty());
}

TEST_CASE("ESPBAK_PORTS keeps its order and accepts spaces and commas") {
  auto listed = parse_port_list(" rfc2217://a:1,/dev/pts/7  socket://b:2 ");
  REQUIRE(listed.size() == 3);
  CHECK(listed[0].device == "rfc2217://a:1");
  CHECK(listed[1].device == "/dev/pts/7");
  CHECK(listed[2].device == "socket://b:2");
  auto order = order_candidates(listed, parse_port_filters({"name=://"}));
  REQUIRE(order.size() == 2);
  CHECK(order[0].device == "rfc2217://a:1");
}
