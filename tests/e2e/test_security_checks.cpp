// esptool's safety checks on chips with security features on (issue 14):
// espsim --efuse turns flash encryption / secure boot on; erase_flash,
// erase_region and write_flash are refused as esptool v5.3.1 refuses them
// (cmds.py), in one line, exit 9, the flash file untouched; --force does them.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace e2e;

namespace {

constexpr const char* kActive =
    "Active security features detected, erasing flash is disabled as a safety measure. Use the force argument to "
    "override, please use with caution, otherwise it may brick your device!";
constexpr const char* kReleaseMode =
    "Detected flash encryption enabled and download manual encrypt disabled. Data must be encrypted appropriately "
    "before flashing. Flashing plaintext data may brick your device! Use the force argument to override the "
    "warning.";
constexpr std::size_t kFlashBytes = 1 << 20;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A chip with a 1 MB flash of random bytes (so that an erase shows) and the
// given eFuse settings.
struct Rig {
  TempDir dir;
  std::unique_ptr<Sim> sim;
  Bytes initial;
  Rig(const std::string& chip, const std::vector<std::string>& efuses) : initial(random_bytes(kFlashBytes, 14)) {
    SimOptions so;
    so.chip = chip;
    so.flash_size = "1MB";
    so.flash_file = (dir / "flash.bin").string();
    write_file(so.flash_file, initial);
    for (const auto& e : efuses) {
      so.extra_args.push_back("--efuse");
      so.extra_args.push_back(e);
    }
    sim = std::make_unique<Sim>(dir, so);
  }
  RunResult run(std::vector<std::string> args) {
    std::vector<std::string> full = {"-p", sim->port()};
    full.insert(full.end(), args.begin(), args.end());
    return run_espbak(full, std::chrono::seconds(120));
  }
  Bytes flash() const { return read_file(sim->flash_file()); }
  std::string file(const std::string& name, const Bytes& data) {
    write_file(dir / name, data);
    return (dir / name).string();
  }
};

// One line on stderr holding `message`, exit 9 (unsupported), flash untouched.
void check_refused(Rig& rig, const RunResult& r, const std::string& message) {
  INFO(describe(r) << "\nespsim:\n" << rig.sim->log());
  CHECK(r.code == 9);
  CHECK(line_count(r.err) == 1);
  CHECK(contains(r.err, message));
  CHECK(rig.flash() == rig.initial);
}

bool erased(const Bytes& flash, std::size_t from, std::size_t size) {
  for (std::size_t i = from; i < from + size; ++i)
    if (flash[i] != 0xFF) return false;
  return true;
}

struct Secured {
  const char* chip;
  const char* efuse;  // what turns the feature on
  const char* feature;
};

const Secured kSecured[] = {
    {"esp32", "FLASH_CRYPT_CNT=1", "flash encryption"},     {"esp32", "ABS_DONE_0=1", "secure boot v1"},
    {"esp32s3", "SPI_BOOT_CRYPT_CNT=1", "flash encryption"}, {"esp32s3", "SECURE_BOOT_EN=1", "secure boot"},
    {"esp32c3", "SPI_BOOT_CRYPT_CNT=7", "flash encryption"}, {"esp32c3", "SECURE_BOOT_EN=1", "secure boot"},
};

}  // namespace

TEST_CASE("security features on: erase_flash, erase_region and write_flash --erase-all are refused, --force erases",
          "[security]") {
  const Secured& c = kSecured[GENERATE(range(0, int(std::size(kSecured))))];
  CAPTURE(c.chip, c.feature);
  Rig rig(c.chip, {c.efuse});
  check_refused(rig, rig.run({"erase_flash"}), kActive);
  check_refused(rig, rig.run({"erase_region", "0x10000", "0x1000"}), kActive);
  const std::string in = rig.file("in.bin", random_bytes(0x1000, 3));
  check_refused(rig, rig.run({"write_flash", "--erase-all", "0x20000", in}), kActive);

  auto region = rig.run({"erase_region", "--force", "0x10000", "0x1000"});
  INFO(describe(region));
  REQUIRE(region.code == 0);
  Bytes after = rig.flash();
  CHECK(erased(after, 0x10000, 0x1000));
  CHECK(std::equal(after.begin() + 0x11000, after.end(), rig.initial.begin() + 0x11000));

  auto all = rig.run({"erase_flash", "--force"});
  INFO(describe(all));
  REQUIRE(all.code == 0);
  CHECK(erased(rig.flash(), 0, kFlashBytes));
}

TEST_CASE("security features off: erase_region and erase_flash need no --force", "[security]") {
  const char* chip = GENERATE("esp8266", "esp32", "esp32s3", "esp32c3");
  CAPTURE(chip);
  Rig rig(chip, {});
  auto region = rig.run({"erase_region", "0x10000", "0x1000"});
  INFO(describe(region));
  REQUIRE(region.code == 0);
  CHECK(erased(rig.flash(), 0x10000, 0x1000));
  auto all = rig.run({"erase_flash"});
  INFO(describe(all));
  REQUIRE(all.code == 0);
  CHECK(erased(rig.flash(), 0, kFlashBytes));
}

TEST_CASE("flash encryption in release mode: a plain write_flash is refused, --force writes", "[security]") {
  // esptool write_flash: get_encrypted_download_disabled() and
  // get_flash_encryption_enabled() without --encrypt.
  struct Row {
    const char* chip;
    std::vector<std::string> efuses;
  };
  const Row row = GENERATE(Row{"esp32", {"FLASH_CRYPT_CNT=1", "DISABLE_DL_ENCRYPT=1"}},
                           Row{"esp32s3", {"SPI_BOOT_CRYPT_CNT=1", "DIS_DOWNLOAD_MANUAL_ENCRYPT=1"}},
                           Row{"esp32c3", {"SPI_BOOT_CRYPT_CNT=1", "DIS_DOWNLOAD_MANUAL_ENCRYPT=1"}});
  CAPTURE(row.chip);
  Rig rig(row.chip, row.efuses);
  const Bytes data = random_bytes(0x2000, 4);
  const std::string in = rig.file("in.bin", data);
  check_refused(rig, rig.run({"write_flash", "0x20000", in}), kReleaseMode);
  auto w = rig.run({"write_flash", "--force", "0x20000", in});
  INFO(describe(w));
  REQUIRE(w.code == 0);
  Bytes after = rig.flash();
  CHECK(std::equal(data.begin(), data.end(), after.begin() + 0x20000));
}

TEST_CASE("flash encryption in development mode or secure boot v2: write_flash writes, as esptool does",
          "[security]") {
  const Secured& c = kSecured[GENERATE(2, 3, 4, 5)];  // the S3's and the C3's
  CAPTURE(c.chip, c.feature);
  Rig rig(c.chip, {c.efuse});
  // An image at the bootloader offset (0 on these chips): with secure boot
  // on, esptool leaves its header alone (a signed image).
  // A valid one (esptool bin_image.py): magic, no segments, qio, an
  // extended header without digest, then data.
  Bytes image = random_bytes(0x3000, 5);
  image[0] = 0xE9;
  image[1] = 0;     // segments
  image[2] = 0x00;  // qio
  image[3] = 0x20;
  // The chip's IMAGE_CHIP_ID (S3 9, C3 5) and no revision limits (min_rev
  // 0, min_rev_full 0, max_rev_full 0xFFFF): write_flash's image check.
  image[12] = std::string(c.chip) == "esp32s3" ? 9 : 5;
  image[13] = 0;
  image[14] = image[15] = image[16] = 0;
  image[17] = image[18] = 0xFF;
  image[23] = 0;  // no SHA-256 appended
  const std::string in = rig.file("boot.bin", image);
  auto w = rig.run({"write_flash", "--flash_mode", "dio", "0x0", in});
  INFO(describe(w) << "\nespsim:\n" << rig.sim->log());
  REQUIRE(w.code == 0);
  const bool secure_boot = std::string(c.efuse).rfind("SECURE_BOOT_EN", 0) == 0;
  CHECK(contains(flat(w), "Security features enabled, so not changing any flash settings.") == secure_boot);
  Bytes after = rig.flash();
  if (secure_boot)
    CHECK(std::equal(image.begin(), image.end(), after.begin()));
  else
    CHECK(after[2] == 0x02);  // dio patched in (esptool's header update)
}

TEST_CASE("ESP32 secure boot v1: write_flash below 0x8000 is refused, above it and with --force it writes",
          "[security]") {
  Rig rig("esp32", {"ABS_DONE_0=1"});
  const Bytes data = random_bytes(0x1000, 6);
  const std::string in = rig.file("in.bin", data);
  check_refused(rig, rig.run({"write_flash", "0x20000", in, "0x7000", in}),
                "Secure Boot V1 detected, writing to flash regions < 0x8000 is disabled to protect the bootloader. "
                "Use the force argument to override, please use with caution, otherwise it may brick your device!");
  auto high = rig.run({"write_flash", "0x8000", in});
  INFO(describe(high));
  REQUIRE(high.code == 0);
  auto forced = rig.run({"write_flash", "--force", "0x7000", in});
  INFO(describe(forced));
  REQUIRE(forced.code == 0);
  Bytes after = rig.flash();
  CHECK(std::equal(data.begin(), data.end(), after.begin() + 0x7000));
  CHECK(std::equal(data.begin(), data.end(), after.begin() + 0x8000));
}

TEST_CASE("ESP32-C5 flash encryption with the Key Manager: nothing below 0x2000 is erased or written", "[security]") {
  Rig rig("esp32c5", {"SPI_BOOT_CRYPT_CNT=1", "FORCE_USE_KEY_MANAGER_KEY=2"});
  const std::string in = rig.file("in.bin", random_bytes(0x1000, 7));
  check_refused(rig, rig.run({"erase_region", "0x1000", "0x1000"}),
                "Flash encryption with Key Manager detected, erasing flash region 0x0-0x2000 is disabled to protect "
                "key recovery info. Use the force argument to override");
  check_refused(rig, rig.run({"write_flash", "0x1000", in}),
                "Flash encryption with Key Manager detected, writing to flash region 0x0-0x2000 is disabled to "
                "protect key recovery info. Use the force argument to override");
  // Above it the erase is refused as on any chip with flash encryption on.
  check_refused(rig, rig.run({"erase_region", "0x10000", "0x1000"}), kActive);
  auto w = rig.run({"write_flash", "0x10000", in});
  INFO(describe(w));
  CHECK(w.code == 0);
}

TEST_CASE("Secure Download Mode with flash encryption on: a plain write_flash is refused, --force writes",
          "[security][sdm]") {
  // esptool write_flash: in the mode it reads the crypt count from
  // GET_SECURITY_INFO (espsim reports its SPI_BOOT_CRYPT_CNT eFuse there).
  TempDir dir;
  SimOptions so;
  so.chip = "esp32s3";
  so.flash_size = "2MB";
  so.extra_args = {"--secure-download-mode", "--efuse", "SPI_BOOT_CRYPT_CNT=1"};
  Sim sim(dir, so);
  const Bytes before = read_file(sim.flash_file());
  const Bytes data = random_bytes(0x1000, 8);
  write_file(dir / "in.bin", data);
  // -q: the mode's warning (stub skipped) is not the error line.
  auto r = run_espbak({"-q", "-p", sim.port(), "write_flash", "0x10000", (dir / "in.bin").string()});
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  CHECK(r.code == 9);
  CHECK(line_count(r.err) == 1);
  CHECK(contains(r.err, "Detected flash encryption and secure download mode enabled. Flashing plaintext binary may "
                        "brick your device! Use the force argument to override the warning."));
  CHECK(read_file(sim.flash_file()) == before);
  auto f = run_espbak({"-p", sim.port(), "write_flash", "--force", "0x10000", (dir / "in.bin").string()});
  INFO(describe(f));
  REQUIRE(f.code == 0);
  Bytes after = read_file(sim.flash_file());
  CHECK(std::equal(data.begin(), data.end(), after.begin() + 0x10000));
}
