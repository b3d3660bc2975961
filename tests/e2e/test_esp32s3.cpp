// The ESP32-S3 row end to end: espbak against `espsim --chip esp32s3`
// (detection through GET_SECURITY_INFO chip id 9, the S3 stub, RDID through
// the S3 SPI registers).
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace e2e;

namespace {

RunResult espbak(const Sim& sim, std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(90)) {
  std::vector<std::string> full = {"-p", sim.port()};
  full.insert(full.end(), args.begin(), args.end());
  return run_espbak(full, timeout);
}

}  // namespace

TEST_CASE("ESP32-S3: chip detection, description and flash_id", "[esp32s3]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32s3";
  so.flash_size = "8MB";
  Sim sim(dir, so);
  auto r = espbak(sim, {"flash_id"});
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  const std::string text = flat(r);
  CHECK(text.find("Detecting chip type... ESP32-S3") != std::string::npos);
  CHECK(text.find("Chip is ESP32-S3 (QFN56) (revision v0.2)") != std::string::npos);
  CHECK(text.find("Features: Wi-Fi, BT 5 (LE), Dual Core + LP Core, 240MHz, Embedded PSRAM 8MB (AP_3v3)") !=
        std::string::npos);
  CHECK(text.find("Crystal is 40MHz") != std::string::npos);
  CHECK(text.find("MAC: 7c:df:a1:12:34:56") != std::string::npos);
  CHECK(text.find("Secure Download Mode") == std::string::npos);
  CHECK(r.out.find("Manufacturer: ef") != std::string::npos);
  CHECK(r.out.find("Device: 4017") != std::string::npos);  // Winbond, 8 MB
  CHECK(r.out.find("Detected flash size: 8MB") != std::string::npos);
}

TEST_CASE("ESP32-S3: write_flash then read_flash ALL round-trips through the stub", "[esp32s3]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32s3";
  so.flash_size = "2MB";
  Sim sim(dir, so);
  const Bytes data = random_bytes(300 * 1024 + 17, 3);
  write_file(dir / "in.bin", data);
  auto w = espbak(sim, {"write_flash", "0x20000", (dir / "in.bin").string()});
  INFO(describe(w) << "\nespsim:\n" << sim.log());
  REQUIRE(w.code == 0);
  CHECK(flat(w).find("Uploading stub...") != std::string::npos);
  CHECK(flat(w).find("Hash of data verified.") != std::string::npos);

  auto rd = espbak(sim, {"read_flash", "0", "ALL", (dir / "out.bin").string()});
  INFO(describe(rd));
  REQUIRE(rd.code == 0);
  Bytes out = read_file(dir / "out.bin");
  REQUIRE(out.size() == 2u * 1024 * 1024);
  CHECK(Bytes(out.begin() + 0x20000, out.begin() + 0x20000 + long(data.size())) == data);
  CHECK(read_file(sim.flash_file()) == out);
}

TEST_CASE("ESP32-S3: get_security_info shows chip id 9 and no Secure Download Mode", "[esp32s3]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32s3";
  Sim sim(dir, so);
  auto r = espbak(sim, {"--json", "get_security_info"});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(r.out.find("\"chip_id\":9") != std::string::npos);
  CHECK(r.out.find("\"secure_download_mode\":false") != std::string::npos);
}

TEST_CASE("get_security_info on an ESP32 says the chip has no such command", "[esp32s3]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  Sim sim(dir, so);
  auto r = espbak(sim, {"-q", "get_security_info"});
  INFO(describe(r));
  CHECK(r.code == 9);
  CHECK(line_count(r.err) == 1);
  CHECK(r.err.find("ESP32 has no GET_SECURITY_INFO") != std::string::npos);
}
