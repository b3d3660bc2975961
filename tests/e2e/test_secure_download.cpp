// Secure Download Mode: espbak against `espsim --chip esp32s3
// --secure-download-mode`. Refused commands fail before sending anything
// that touches the flash, with one line naming the command, the chip and
// what the mode allows; write_flash and erase_region work with ROM commands.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace e2e;

namespace {

constexpr const char* kAllows = "which allows only write_flash (unverified), erase_region and get_security_info";

struct SdmRig {
  TempDir dir;
  std::unique_ptr<Sim> sim;
  explicit SdmRig(const char* chip = "esp32s3") {
    SimOptions so;
    so.chip = chip;
    so.flash_size = "2MB";
    so.extra_args = {"--secure-download-mode"};
    sim = std::make_unique<Sim>(dir, so);
  }
  RunResult run(std::vector<std::string> args) {
    std::vector<std::string> full = {"-p", sim->port()};
    full.insert(full.end(), args.begin(), args.end());
    return run_espbak(full, std::chrono::seconds(90));
  }
};

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

}  // namespace

TEST_CASE("Secure Download Mode: each refused command gives one line and exit 9, touching nothing", "[sdm]") {
  SdmRig rig;
  const Bytes before = read_file(rig.sim->flash_file());
  struct Case {
    std::vector<std::string> args;
    std::string command;
    std::string extra;
  };
  const fs::path out = rig.dir / "backup.bin";
  const std::vector<Case> cases = {
      {{"read_flash", "0", "ALL", out.string()}, "read_flash", "flash size detection"},
      {{"read_flash", "0", "0x1000", out.string()}, "read_flash", ""},
      {{"flash_id"}, "flash_id", ""},
      {{"read_mac"}, "read_mac", ""},
      {{"chip_id"}, "chip_id", ""},
      {{"erase_flash"}, "erase_flash", ""},
      {{"verify_flash", "0", (rig.dir / "in.bin").string()}, "verify_flash", ""},
      {{"write_flash", "--flash_size", "detect", "0x10000", (rig.dir / "in.bin").string()},
       "write_flash --flash_size detect", "flash size detection"},
  };
  write_file(rig.dir / "in.bin", Bytes(4096, 0x5A));
  for (const auto& c : cases) {
    std::vector<std::string> args = {"-q"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = rig.run(args);
    INFO(c.command << ": " << describe(r) << "\nespsim:\n" << rig.sim->log());
    CHECK(r.code == 9);
    CHECK(line_count(r.err) == 1);
    CHECK(r.err.find("espbak: error: " + c.command + " is not possible: the ESP32-S3 is in Secure Download Mode, ") ==
          0);
    CHECK(r.err.find(kAllows) != std::string::npos);
    if (!c.extra.empty()) CHECK(r.err.find(c.extra) != std::string::npos);
    CHECK_FALSE(file_exists(out));
    CHECK(temporary_files(out).empty());
  }
  CHECK(read_file(rig.sim->flash_file()) == before);
}

TEST_CASE("Secure Download Mode: connect says so and the stub is skipped with one warning", "[sdm]") {
  SdmRig rig;
  auto r = rig.run({"get_security_info"});
  INFO(describe(r) << "\nespsim:\n" << rig.sim->log());
  REQUIRE(r.code == 0);
  const std::string text = flat(r);
  CHECK(text.find("Detecting chip type... ESP32-S3") != std::string::npos);
  CHECK(text.find("Chip is ESP32-S3 in Secure Download Mode") != std::string::npos);
  CHECK(text.find("Stub flasher is not supported in Secure Download Mode, continuing with the ROM loader") !=
        std::string::npos);
  CHECK(text.find("Uploading stub") == std::string::npos);
  CHECK(r.out.find("SECURE_DOWNLOAD_ENABLE") != std::string::npos);
  CHECK(r.out.find("Chip ID: 9") != std::string::npos);
  CHECK(r.out.find("Secure Download Mode: enabled") != std::string::npos);

  auto j = rig.run({"--json", "get_security_info"});
  REQUIRE(j.code == 0);
  CHECK(j.out.find("\"secure_download_mode\":true") != std::string::npos);
  CHECK(j.out.find("\"stub\":false") != std::string::npos);
}

TEST_CASE("Secure Download Mode: write_flash writes with ROM commands, unverified and unpatched", "[sdm]") {
  SdmRig rig;
  // A bootloader-like image at the S3 bootloader offset 0: espbak must not patch its header.
  Bytes image = random_bytes(70000, 7);
  image[0] = 0xE9;
  image[2] = 0x02;
  image[3] = 0x20;
  write_file(rig.dir / "boot.bin", image);
  auto r = rig.run({"write_flash", "--flash_mode", "dio", "--flash_size", "2MB", "0x0", (rig.dir / "boot.bin").string()});
  INFO(describe(r) << "\nespsim:\n" << rig.sim->log());
  REQUIRE(r.code == 0);
  const std::string text = flat(r);
  CHECK(text.find("Security features enabled, so not changing any flash settings.") != std::string::npos);
  CHECK(text.find("the data written cannot be verified") != std::string::npos);
  CHECK(text.find("Hash of data verified") == std::string::npos);
  CHECK(text.find("compressed") == std::string::npos);
  CHECK(text.find("Wrote 70000 bytes at 0x00000000") != std::string::npos);
  Bytes flash = read_file(rig.sim->flash_file());
  CHECK(Bytes(flash.begin(), flash.begin() + long(image.size())) == image);

  // An unaligned write: the ROM writes whole sectors, so espbak pads the front.
  Bytes small = random_bytes(1000, 8);
  write_file(rig.dir / "small.bin", small);
  auto u = rig.run({"write_flash", "0x30010", (rig.dir / "small.bin").string()});
  INFO(describe(u));
  REQUIRE(u.code == 0);
  flash = read_file(rig.sim->flash_file());
  CHECK(Bytes(flash.begin() + 0x30010, flash.begin() + 0x30010 + long(small.size())) == small);
}

TEST_CASE("Secure Download Mode: erase_region erases with FLASH_BEGIN", "[sdm]") {
  SdmRig rig;
  write_file(rig.dir / "data.bin", Bytes(0x3000, 0x11));
  REQUIRE(rig.run({"write_flash", "0x40000", (rig.dir / "data.bin").string()}).code == 0);
  auto r = rig.run({"erase_region", "0x41000", "0x1000"});
  INFO(describe(r) << "\nespsim:\n" << rig.sim->log());
  REQUIRE(r.code == 0);
  CHECK(flat(r).find("Erase completed successfully") != std::string::npos);
  Bytes flash = read_file(rig.sim->flash_file());
  CHECK(flash[0x40000] == 0x11);
  CHECK(flash[0x40FFF] == 0x11);
  CHECK(flash[0x41000] == 0xFF);
  CHECK(flash[0x41FFF] == 0xFF);
  CHECK(flash[0x42000] == 0x11);
}

TEST_CASE("Secure Download Mode on the ESP32-S2: READ_REG refused, so the chip without a security chip id",
          "[sdm][esp32s2]") {
  // esptool detect_chip: the S2's 12-byte GET_SECURITY_INFO has no chip id,
  // and in the mode its ROM refuses the magic-register READ_REG; that
  // refusal names the S2. Writing works with ROM commands as on the S3.
  SdmRig rig("esp32s2");
  auto r = rig.run({"--json", "get_security_info"});
  INFO(describe(r) << "\nespsim:\n" << rig.sim->log());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("\"name\":\"ESP32-S2\"") != std::string::npos);
  CHECK(r.out.find("\"secure_download_mode\":true") != std::string::npos);
  CHECK(r.out.find("\"chip_id\"") == std::string::npos);
  Bytes data = random_bytes(3000, 9);
  write_file(rig.dir / "data.bin", data);
  auto w = rig.run({"write_flash", "--flash_size", "2MB", "0x8000", (rig.dir / "data.bin").string()});
  INFO(describe(w));
  REQUIRE(w.code == 0);
  CHECK(flat(w).find("Detecting chip type... ESP32-S2") != std::string::npos);
  Bytes flash = read_file(rig.sim->flash_file());
  CHECK(Bytes(flash.begin() + 0x8000, flash.begin() + 0x8000 + long(data.size())) == data);
}

TEST_CASE("espsim refuses --secure-download-mode for chips without it", "[sdm]") {
  for (const char* chip : {"esp8266", "esp32"}) {
    TempDir dir;
    Process p(ESPSIM_BIN, {"--chip", chip, "--flash-size", "1MB", "--listen", "tcp:127.0.0.1:0",
                           "--secure-download-mode"});
    auto code = p.wait(std::chrono::seconds(10));
    INFO(chip << ": " << p.err);
    REQUIRE(code);
    CHECK(*code == 2);
    CHECK(p.err.find("no Secure Download Mode") != std::string::npos);
  }
}
