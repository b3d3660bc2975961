// The stub goes up at the transfer rate where the ROM can change rate (the
// ESP32 family), so a connect does not spend ~0.6 s sending 6.7 KB at 115200
// (issue 17); the ESP8266 ROM cannot, and uploads at 115200 as before.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace e2e;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Where the first trace line of `command` (e.g. "write MEM_BEGIN") is in the
// trace; npos when absent.
std::size_t first(const std::string& trace, const std::string& command) { return trace.find(command); }

}  // namespace

TEST_CASE("ESP32 family: the ROM is moved to the transfer rate before the stub upload", "[connect][speed]") {
  const std::string chip = GENERATE("esp32", "esp32c3", "esp32s3");
  CAPTURE(chip);
  TempDir dir;
  SimOptions so;
  so.chip = chip;
  so.pty = true;
  so.link = "realistic";
  Sim sim(dir, so);
  auto r = run_espbak({"-p", sim.port(), "-b", "921600", "--trace", "flash_id"}, std::chrono::seconds(60));
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  const auto baud = first(r.err, "write CHANGE_BAUDRATE");
  const auto upload = first(r.err, "write MEM_BEGIN");
  REQUIRE(baud != std::string::npos);
  REQUIRE(upload != std::string::npos);
  CHECK(baud < upload);
  // One baud change only: the stub already runs at 921600.
  CHECK(r.err.find("write CHANGE_BAUDRATE", baud + 1) == std::string::npos);
  CHECK(contains(r.out, "Changing baud rate to 921600\nChanged.\nUploading stub..."));
  CHECK(contains(r.out, "Detected flash size: 4MB"));
}

TEST_CASE("ESP8266: the stub goes up at 115200 and the stub changes the rate", "[connect][speed]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp8266";
  so.pty = true;
  so.link = "realistic";
  Sim sim(dir, so);
  auto r = run_espbak({"-p", sim.port(), "-b", "921600", "--trace", "flash_id"}, std::chrono::seconds(60));
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  const auto baud = first(r.err, "write CHANGE_BAUDRATE");
  const auto upload = first(r.err, "write MEM_BEGIN");
  REQUIRE(baud != std::string::npos);
  CHECK(upload < baud);
  CHECK(contains(r.out, "Stub running...\nChanging baud rate to 921600\nChanged."));
}

TEST_CASE("baud auto uploads the stub at 921600 and probes from there, exact backup", "[connect][speed]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.pty = true;
  so.extra_args = {"--bridge", "cp2102"};  // carries 1 Mbaud at most (docs/espsim.md)
  Bytes flash = random_bytes(4u << 20, 77);
  write_file(dir / "flash.bin", flash);
  Sim sim(dir, so);
  auto r = run_espbak({"-p", sim.port(), "-b", "auto", "--trace", "read_flash", "0", "0x20000",
                       (dir / "out.bin").string()},
                      std::chrono::seconds(90));
  INFO(describe(r).substr(0, 4000) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(first(r.err, "write CHANGE_BAUDRATE") < first(r.err, "write MEM_BEGIN"));
  CHECK(contains(r.out, "Using 921600 baud (auto)"));
  CHECK(read_file(dir / "out.bin") == Bytes(flash.begin(), flash.begin() + 0x20000));
}
