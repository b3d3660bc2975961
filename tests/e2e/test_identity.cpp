// flash_id / chip_id / read_mac against espsim, over TCP and a pty, with the
// stub and in the ROM, with a non-default MAC and flash size.
#include <catch2/catch.hpp>

#include <cstdio>
#include <regex>

#include "harness.hpp"

using namespace e2e;

namespace {

struct Case {
  const char* chip;
  const char* mac;
  const char* flash_size;
  const char* jedec;  // manufacturer + device, as espsim --jedec-id takes it
};

// Capacity byte of a JEDEC ID for a size (W25Q family: 0x15 = 2MB .. 0x17 = 8MB).
const Case kCases[] = {
    {"esp8266", "5c:cf:7f:12:34:56", "2MB", "ef4015"},
    {"esp32", "24:0a:c4:ab:cd:ef", "8MB", "c84017"},
};

std::vector<std::string> with_port(const Sim& sim, std::vector<std::string> args, bool no_stub) {
  std::vector<std::string> full = {"-p", sim.port()};
  if (no_stub) full.push_back("--no-stub");
  full.insert(full.end(), args.begin(), args.end());
  return full;
}

}  // namespace

TEST_CASE("flash_id, chip_id and read_mac report what the simulated chip is", "[identity]") {
  const Case& c = GENERATE(range(0, 2)) == 0 ? kCases[0] : kCases[1];
  const bool pty = GENERATE(false, true);
  const bool no_stub = GENERATE(false, true);
  CAPTURE(c.chip, pty, no_stub);

  TempDir dir;
  SimOptions so;
  so.chip = c.chip;
  so.flash_size = c.flash_size;
  so.mac = c.mac;
  so.jedec_id = c.jedec;
  so.pty = pty;
  Sim sim(dir, so);

  const std::string chip_line = std::string(c.chip) == "esp8266" ? "Chip is ESP8266EX" : "Chip is ESP32-";
  const std::string manufacturer = std::string(c.jedec).substr(0, 2);
  const std::string device = std::string(c.jedec).substr(2);

  SECTION("flash_id") {
    auto r = run_espbak(with_port(sim, {"flash_id"}, no_stub));
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err << "\nespsim:\n" << sim.log());
    REQUIRE(r.code == 0);
    CHECK(r.out.find(chip_line) != std::string::npos);
    CHECK(r.out.find(std::string("MAC: ") + c.mac) != std::string::npos);
    CHECK(r.out.find("Manufacturer: " + manufacturer + "\n") != std::string::npos);
    CHECK(r.out.find("Device: " + device + "\n") != std::string::npos);
    CHECK(r.out.find(std::string("Detected flash size: ") + c.flash_size + "\n") != std::string::npos);
    CHECK((r.out.find("Stub running...") != std::string::npos) == !no_stub);
  }
  SECTION("read_mac") {
    auto r = run_espbak(with_port(sim, {"read-mac"}, no_stub));
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err << "\nespsim:\n" << sim.log());
    REQUIRE(r.code == 0);
    // Once in the connect banner, once as the result.
    auto first = r.out.find(std::string("MAC: ") + c.mac);
    REQUIRE(first != std::string::npos);
    CHECK(r.out.find(std::string("MAC: ") + c.mac, first + 1) != std::string::npos);
  }
  SECTION("chip_id") {
    auto r = run_espbak(with_port(sim, {"chip_id"}, no_stub));
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err << "\nespsim:\n" << sim.log());
    REQUIRE(r.code == 0);
    if (std::string(c.chip) == "esp8266") {
      // The SDK chip ID carries the last three MAC bytes in its low 24 bits.
      std::string mac = c.mac;
      std::string low24 = mac.substr(9, 2) + mac.substr(12, 2) + mac.substr(15, 2);
      std::smatch m;
      std::regex re("Chip ID: 0x([0-9a-f]{8})\n");
      REQUIRE(std::regex_search(r.out, m, re));
      CHECK(m[1].str().substr(2) == low24);
    } else {
      CHECK(r.err.find("ESP32 has no Chip ID") != std::string::npos);
      CHECK(r.out.find(std::string("MAC: ") + c.mac) != std::string::npos);
    }
  }
}

TEST_CASE("flash size follows --flash-size when no JEDEC ID is given", "[identity]") {
  const char* size = GENERATE("1MB", "16MB");
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = size;
  Sim sim(dir, so);
  auto r = run_espbak({"-p", sim.port(), "flash-id"});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find(std::string("Detected flash size: ") + size + "\n") != std::string::npos);
}

TEST_CASE("option --quiet keeps only results, --json prints one object", "[identity]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp8266";
  so.flash_size = "4MB";
  so.mac = "5c:cf:7f:00:11:22";
  Sim sim(dir, so);

  auto q = run_espbak({"-p", sim.port(), "-q", "read_mac"});
  INFO("stdout:\n" << q.out << "\nstderr:\n" << q.err);
  REQUIRE(q.code == 0);
  CHECK(q.out == "MAC: 5c:cf:7f:00:11:22\n");
  CHECK(q.err.empty());

  auto j = run_espbak({"-p", sim.port(), "--json", "flash_id"});
  INFO("stdout:\n" << j.out << "\nstderr:\n" << j.err);
  REQUIRE(j.code == 0);
  CHECK(line_count(j.out) == 1);
  CHECK(j.out.front() == '{');
  CHECK(j.out.find("\"command\":\"flash_id\"") != std::string::npos);
  CHECK(j.out.find("\"flash_size\":\"4MB\"") != std::string::npos);
  CHECK(j.out.find("\"mac\":\"5c:cf:7f:00:11:22\"") != std::string::npos);
  CHECK(j.out.find("\"ok\":true") != std::string::npos);
}
