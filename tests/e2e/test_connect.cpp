// Finding and resetting the chip: espsim as an RFC 2217 server modelling a
// dev board (auto-reset circuit, USB-Serial/JTAG, none), espbak as a process.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <thread>

#include "harness.hpp"

using namespace e2e;
using namespace std::chrono_literals;

namespace {

SimOptions board(const std::string& chip, std::vector<std::string> extra = {}) {
  SimOptions so;
  so.chip = chip;
  so.rfc2217 = true;
  so.extra_args = std::move(extra);
  return so;
}

// A plain TCP client on an rfc2217:// port (no Telnet negotiation: the
// server sends board output as data). Holding it makes the port busy.
struct RawClient {
  int fd = -1;
  explicit RawClient(const std::string& url) {
    auto colon = url.rfind(':');
    int port = std::stoi(url.substr(colon + 1));
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(std::uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~RawClient() { close(fd); }
  std::string read_for(std::chrono::milliseconds d) {
    std::string got;
    auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, std::size_t(n));
    }
    return got;
  }
};

std::string describe(const RunResult& r, const Sim& sim) { return e2e::describe(r) + "\nespsim:\n" + sim.log(); }

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// The board's last reported state ("... download mode" / "... firmware").
std::string last_board_line(const Sim& sim) {
  std::string log = sim.log(), last;
  std::size_t pos = 0;
  while ((pos = log.find("espsim: board: ", pos)) != std::string::npos) {
    auto nl = log.find('\n', pos);
    last = log.substr(pos, nl - pos);
    pos = nl;
  }
  return last;
}

}  // namespace

TEST_CASE("default reset over rfc2217 gets an ESP32 into download mode, hard reset leaves it running", "[connect]") {
  TempDir dir;
  // A bootloader image header at 0x1000 (magic 0xE9, 3 segments): the board
  // boots it to the application (an erased flash loops in the ROM).
  Bytes flash(4u << 20, 0xFF);
  flash[0x1000] = 0xE9;
  flash[0x1001] = 0x03;
  write_file(dir / "flash.bin", flash);
  Sim sim(dir, board("esp32"));
  auto r = run_espbak({"-p", sim.port(), "flash_id"}, 30s);
  INFO(describe(r, sim));
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Detecting chip type... ESP32"));
  CHECK(contains(sim.log(), "EN released with GPIO0 low: ROM download mode"));
  // --after hard_reset (the default) pulsed RTS: the firmware runs and talks.
  std::this_thread::sleep_for(100ms);
  CHECK(contains(last_board_line(sim), "GPIO0 high: booting the firmware"));
  RawClient console(sim.port());
  std::string chatter = console.read_for(600ms);
  CHECK(contains(chatter, "espsim_app: application running"));
}

TEST_CASE("ESP8266: SYNC gets through the 74880-baud boot log read at 115200", "[connect]") {
  TempDir dir;
  Sim sim(dir, board("esp8266"));
  auto r = run_espbak({"-p", sim.port(), "--trace", "--after", "no_reset", "chip_id"}, 30s);
  INFO(describe(r, sim));
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Chip ID: 0x"));
  // The ROM's log arrived mis-sampled: bytes, but not the ROM's text.
  auto at = r.err.find("read boot log len ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoi(r.err.substr(at + 18)) > 10);
  CHECK_FALSE(contains(r.err, "ets Jan"));
}

TEST_CASE("option --before no_reset against a running board fails with advice, after no_reset it works", "[connect]") {
  TempDir dir;
  Sim sim(dir, board("esp32"));
  auto fail = run_espbak({"-p", sim.port(), "--before", "no_reset", "--connect-attempts", "2", "read_mac"}, 30s);
  {
    INFO(describe(fail, sim));
    CHECK(fail.code == 5);
    CHECK(line_count(fail.err) == 1);
    CHECK(contains(fail.err, "running its application"));
    CHECK(contains(fail.err, "BOOT/GPIO0"));
    CHECK(contains(fail.err, "--before default_reset"));
    CHECK(contains(fail.err, "2 attempts"));
  }
  // Leave the chip in the loader; a later --before no_reset finds it there.
  auto stay = run_espbak({"-p", sim.port(), "--after", "no_reset", "read_mac"}, 30s);
  INFO(describe(stay, sim));
  REQUIRE(stay.code == 0);
  CHECK(contains(last_board_line(sim), "ROM download mode"));
  auto again = run_espbak({"-p", sim.port(), "--before", "no_reset", "--after", "no_reset", "read_mac"}, 30s);
  INFO(describe(again, sim));
  CHECK(again.code == 0);
  CHECK(contains(again.out, "MAC: 24:0a:c4:12:34:56"));
}

TEST_CASE("a slow EN capacitor needs the 0.55 s attempt that esptool alternates with", "[connect]") {
  // 250 ms: the firmware's boot log then arrives while espbak waits for a SYNC
  // reply (not during a purge), so the wrong boot mode is reported.
  TempDir dir;
  Sim sim(dir, board("esp32", {"--en-delay-ms", "250"}));
  auto one = run_espbak({"-p", sim.port(), "--connect-attempts", "1", "read_mac"}, 30s);
  {
    INFO(describe(one, sim));
    CHECK(one.code == 5);
    CHECK(contains(one.err, "Wrong boot mode detected (0x13)"));
    CHECK(contains(one.err, "Classic (0.05 s)"));
  }
  auto two = run_espbak({"-p", sim.port(), "read_mac"}, 30s);
  INFO(describe(two, sim));
  CHECK(two.code == 0);
  CHECK(contains(sim.log(), "GPIO0 low: ROM download mode"));
}

TEST_CASE("USB-Serial/JTAG board: usb_reset gets in, hard reset runs the firmware", "[connect]") {
  TempDir dir;
  Sim sim(dir, board("esp32", {"--usb-jtag-serial"}));
  auto r = run_espbak({"-p", sim.port(), "--before", "usb_reset", "read_mac"}, 30s);
  INFO(describe(r, sim));
  REQUIRE(r.code == 0);
  std::this_thread::sleep_for(50ms);
  CHECK(contains(last_board_line(sim), "GPIO0 high: booting the firmware"));
}

TEST_CASE("a custom reset sequence replaces the built-in ones, a bad one is a usage error", "[connect]") {
  TempDir dir;
  Sim sim(dir, board("esp32"));
  auto r = run_espbak({"-p", sim.port(), "--custom-reset-sequence", "D0|R1|W0.1|D1|R0|W0.05|D0", "--after",
                       "no_reset", "read_mac"},
                      30s);
  INFO(describe(r, sim));
  CHECK(r.code == 0);
  CHECK(contains(last_board_line(sim), "ROM download mode"));
  auto bad = run_espbak({"-p", sim.port(), "--custom-reset-sequence", "D0|X1", "read_mac"}, 10s);
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "X1"));
}

TEST_CASE("discovery skips missing and busy ports and a chattering board, and finds the chip", "[connect]") {
  TempDir dir;
  TempDir dir2, dir3;
  Sim chip(dir, board("esp32"));
  Sim noise(dir2, board("esp8266", {"--no-auto-reset"}));
  SimOptions pty_opts;
  pty_opts.pty = true;
  Sim held(dir3, pty_opts);  // a chip in download mode, but another program holds its port
  int holder = open(held.port().c_str(), O_RDWR | O_NOCTTY);
  REQUIRE(holder >= 0);
  REQUIRE(flock(holder, LOCK_EX | LOCK_NB) == 0);

  std::string missing = (dir / "ttyUSB-missing").string();
  std::string list = missing + " " + held.port() + " " + noise.port() + "," + chip.port();
  auto r = run_espbak({"read_mac"}, 60s, {"ESPBAK_PORTS=" + list, "ESPBAK_PORT=", "ESPTOOL_PORT="});
  INFO(describe(r, chip) << "\nnoise:\n" << noise.log());
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Found chip on " + chip.port()));
  CHECK(contains(r.out, "MAC: 24:0a:c4:12:34:56"));
  CHECK(contains(r.err, missing + ": skipped"));
  CHECK(contains(r.err, held.port() + ": skipped: port " + held.port() + " is busy"));
  CHECK(contains(r.err, noise.port() + " failed to connect"));
  CHECK(r.seconds < 15);

  // Named explicitly, the busy port is refused, never shared.
  auto busy = run_espbak({"-p", held.port(), "read_mac"}, 10s);
  CHECK(busy.code == 4);
  CHECK(contains(busy.err, "busy"));
  close(holder);
}

TEST_CASE("option --port-filter restricts discovery, an empty result says so", "[connect]") {
  TempDir dir, dir2;
  Sim chip(dir, board("esp32"));
  Sim noise(dir2, board("esp32", {"--no-auto-reset"}));
  std::string list = noise.port() + " " + chip.port();
  std::string chip_port_number = chip.port().substr(chip.port().rfind(':') + 1);
  auto r = run_espbak({"--port-filter", "name=:" + chip_port_number, "read_mac"}, 30s, {"ESPBAK_PORTS=" + list});
  INFO(describe(r, chip));
  CHECK(r.code == 0);
  CHECK_FALSE(contains(r.out, "Serial port " + noise.port()));
  auto none = run_espbak({"--port-filter", "vid=0x303a", "read_mac"}, 10s, {"ESPBAK_PORTS=" + list});
  CHECK(none.code == 4);
  CHECK(contains(none.err, "no serial port found"));
  auto bad = run_espbak({"--port-filter", "colour=red", "read_mac"}, 10s, {"ESPBAK_PORTS=" + list});
  CHECK(bad.code == 2);
}

TEST_CASE("an rfc2217 port in use by another client is refused", "[connect]") {
  TempDir dir;
  Sim sim(dir, board("esp32"));
  RawClient first(sim.port());
  first.read_for(50ms);
  auto r = run_espbak({"-p", sim.port(), "read_mac"}, 10s);
  INFO(describe(r, sim));
  CHECK(r.code == 4);
  CHECK(contains(r.err, "busy"));
}

TEST_CASE("list_ports prints ESPBAK_PORTS entries and JSON", "[connect]") {
  auto r = run_espbak({"list_ports", "--json"}, 10s, {"ESPBAK_PORTS=rfc2217://127.0.0.1:1 /dev/espbak-none"});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "\"device\":\"rfc2217://127.0.0.1:1\""));
  CHECK(contains(r.out, "\"device\":\"/dev/espbak-none\""));
  CHECK(contains(r.out, "\"esp_bridge\":false"));
  CHECK(contains(r.out, "\"ok\":true"));
  auto text = run_espbak({"list_ports"}, 10s, {"ESPBAK_PORTS=rfc2217://127.0.0.1:1"});
  CHECK(contains(text.out, "rfc2217://127.0.0.1:1  ----:----"));
}
