// --after watchdog_reset over RFC 2217 (the chip resets itself and the board
// boots it from flash), esptool's fallback where a chip has none, and a stub
// left running by --after no_reset_stub taking a new upload on a
// --before no_reset_no_sync reconnect.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "harness.hpp"

using namespace e2e;
using namespace std::chrono_literals;

namespace {

SimOptions board(const std::string& chip) {
  SimOptions so;
  so.chip = chip;
  so.rfc2217 = true;
  return so;
}

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// espsim's log once it holds `what`, or after 10 s (a loaded machine may
// take a while to run the board's reset); what it holds then otherwise.
std::string sim_log_once(const Sim& sim, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string log = sim.log();
  while (!contains(log, what) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    log = sim.log();
  }
  return log;
}

// A second client on the rfc2217:// port: the server sends it board output
// as plain data (no Telnet negotiation needed to read). Reads until `what`
// has arrived (10 s at most: a loaded machine runs the board late), then
// `more` on. espsim serves one client at a time and may not have seen
// espbak's connection close yet: a connection it refuses (closed before
// anything arrived) is retried until the deadline.
std::string console_until(const std::string& url, const std::string& what, std::chrono::milliseconds more) {
  int port = std::stoi(url.substr(url.rfind(':') + 1));
  std::string got;
  auto end = std::chrono::steady_clock::now() + 10s;
  bool seen = false;
  while (std::chrono::steady_clock::now() < end && !seen) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(std::uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    while (std::chrono::steady_clock::now() < end) {
      if (!seen && got.find(what) != std::string::npos) {
        seen = true;
        end = std::chrono::steady_clock::now() + more;
      }
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;  // refused as busy (or closed): connect again
      got.append(buf, std::size_t(n));
    }
    close(fd);
    if (!seen) std::this_thread::sleep_for(50ms);
  }
  return got;
}

// A 4 MB flash file, erased, with an image header (magic 0xE9, 3 segments)
// at `offset`.
void flash_with_image_at(const fs::path& path, std::uint32_t offset) {
  Bytes flash(4u << 20, 0xFF);
  flash[offset] = 0xE9;
  flash[offset + 1] = 0x03;
  write_file(path, flash);
}

}  // namespace

TEST_CASE("option --after watchdog_reset resets an ESP32-S3 by its RTC watchdog, erased flash gives the invalid header loop",
          "[connect][watchdog]") {
  TempDir dir;
  Sim sim(dir, board("esp32s3"));
  auto r = run_espbak({"-p", sim.port(), "--after", "watchdog-reset", "read_mac"}, 30s);
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Hard resetting with a watchdog..."));
  CHECK_FALSE(contains(r.out, "RTS pin"));
  const std::string booted = "the chip reset itself (RTC watchdog), GPIO0 high: booting the firmware (no image at 0x0";
  CHECK(contains(sim_log_once(sim, booted), booted));
  // Half a second more: an application would have spoken by then.
  std::string console = console_until(sim.port(), "invalid header: 0xffffffff\r\n", 500ms);
  CHECK(contains(console, "invalid header: 0xffffffff\r\n"));
  CHECK_FALSE(contains(console, "espsim_app"));
}

TEST_CASE("option --after watchdog_reset with an image in flash runs the application", "[connect][watchdog]") {
  TempDir dir;
  SimOptions so = board("esp32c3");
  flash_with_image_at(dir / "flash.bin", 0x0);  // the ESP32-C3's bootloader offset
  Sim sim(dir, so);
  auto r = run_espbak({"-p", sim.port(), "--after", "watchdog_reset", "flash_id"}, 30s);
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Hard resetting with a watchdog..."));
  const std::string booted = "the chip reset itself (RTC watchdog), GPIO0 high: booting the firmware\n";
  CHECK(contains(sim_log_once(sim, booted), booted));
  CHECK(contains(console_until(sim.port(), "espsim_app: application running", 0ms), "espsim_app: application running"));
}

TEST_CASE("option --after watchdog_reset on an ESP32 without a watchdog reset in esptool gets a note and the RTS pulse",
          "[connect][watchdog]") {
  TempDir dir;
  Sim sim(dir, board("esp32"));
  auto r = run_espbak({"-p", sim.port(), "--after", "watchdog_reset", "read_mac"}, 30s);
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Note: Watchdog hard reset is not supported on ESP32, attempting classic hard reset instead."));
  CHECK(contains(r.out, "Hard resetting via RTS pin..."));
  const std::string log = sim_log_once(sim, "EN released with GPIO0 high: booting the firmware");
  CHECK(contains(log, "EN released with GPIO0 high: booting the firmware"));
  CHECK_FALSE(contains(log, "RTC watchdog"));
}

TEST_CASE("a stub left running (--after no_reset_stub) takes a new upload on a --before no_reset_no_sync reconnect",
          "[connect][stub]") {
  TempDir dir;
  Sim sim(dir, board("esp32s3"));
  auto first = run_espbak({"-p", sim.port(), "--after", "no_reset_stub", "read_mac"}, 30s);
  {
    INFO(describe(first) << "\nespsim:\n" << sim.log());
    REQUIRE(first.code == 0);
    CHECK(contains(first.out, "Staying in flasher stub."));
  }
  // No SYNC, so espbak cannot tell a stub is running and uploads it again:
  // the running stub starts the new one, which says OHAI.
  auto again = run_espbak({"-p", sim.port(), "--before", "no_reset_no_sync", "--after", "no_reset_stub", "read_mac"},
                          30s);
  INFO(describe(again) << "\nespsim:\n" << sim.log());
  CHECK(again.code == 0);
  CHECK(contains(again.out, "Uploading stub..."));
  CHECK(contains(again.out, "Stub running..."));
  CHECK(contains(again.out, "MAC: "));
}
