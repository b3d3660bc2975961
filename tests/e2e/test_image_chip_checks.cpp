// write_flash refuses an image built for another chip or for revisions the
// chip is not (esptool v5.3.1 cmds.py write_flash: the extended header's
// chip id, min_rev_full..max_rev_full, or min_rev, which the ESP32-C3
// compares with its minor revision); --force writes it anyway; a data file
// is not an image and is written as it is.
#include <algorithm>
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "../support/image_builder.hpp"

using namespace e2e;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Board {
  TempDir dir;
  std::unique_ptr<Sim> sim;
  Bytes initial = Bytes(1 << 20, 0xFF);
  // espsim's parts: the ESP32-C3 is v0.4, the ESP32-S3 v0.2 (their chip
  // files' power-on eFuses; test_chip_matrix.cpp checks both).
  // revision: espsim --chip-revision (empty: the chip file's part);
  // initial: what the flash holds before (erased by default).
  explicit Board(const std::string& chip, const std::string& revision = "", Bytes before = {}) {
    if (!before.empty()) initial = std::move(before);
    SimOptions so;
    so.chip = chip;
    if (!revision.empty()) so.extra_args = {"--chip-revision", revision};
    so.flash_size = "1MB";
    so.flash_file = (dir / "flash.bin").string();
    write_file(so.flash_file, initial);
    sim = std::make_unique<Sim>(dir, so);
  }
  RunResult write(const std::string& name, const Bytes& data, std::vector<std::string> extra = {}) {
    write_file(dir / name, data);
    std::vector<std::string> args = {"-p", sim->port(), "write_flash"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("0x10000");
    args.push_back((dir / name).string());
    return run_espbak(args, std::chrono::seconds(120));
  }
  Bytes flash() const { return read_file(sim->flash_file()); }
};

test_images::Bytes app_image(std::uint16_t chip_id, std::uint16_t min_full, std::uint16_t max_full) {
  test_images::Spec spec;
  spec.chip_id = chip_id;
  spec.min_rev_full = min_full;
  spec.max_rev_full = max_full;
  spec.segments = {{0x3C000020, Bytes(64, 0x5A)}};
  return test_images::build(spec);
}

// An image that sets only the legacy min_rev byte (extended header offset 6,
// file offset 14; min_rev_full 0, max_rev_full 0xFFFF): esptool's
// use_rev_full_fields is false for it.
test_images::Bytes legacy_image(std::uint16_t chip_id, std::uint8_t min_rev) {
  auto image = app_image(chip_id, 0, 0xFFFF);
  image[14] = min_rev;  // the checksum and digest do not cover the header; the check does not look at them
  return image;
}

void check_refused(Board& board, const RunResult& r, const std::string& message) {
  INFO(describe(r) << "\nespsim:\n" << board.sim->log());
  CHECK(r.code == 3);
  CHECK(line_count(r.err) == 1);
  CHECK(contains(r.err, message));
  CHECK(board.flash() == board.initial);
}

}  // namespace

TEST_CASE("write_flash refuses an image for another chip unless --force, and writes data files as they are",
          "[flash][image-check]") {
  Board board("esp32c3");
  // IMAGE_CHIP_ID 9: an ESP32-S3 image.
  auto s3 = app_image(9, 0, 0xFFFF);
  check_refused(board, board.write("s3.bin", s3), "is not an ESP32-C3 image. Use the force argument to flash anyway.");

  auto forced = board.write("s3.bin", s3, {"--force"});
  INFO(describe(forced));
  REQUIRE(forced.code == 0);
  Bytes flash = board.flash();
  CHECK(std::equal(s3.begin() + 24, s3.end(), flash.begin() + 0x10000 + 24));  // header bytes may be patched

  // Not an image (no 0xE9 magic): written without a check.
  Bytes data(4096, 0x42);
  auto r = board.write("data.bin", data);
  INFO(describe(r));
  CHECK(r.code == 0);
  CHECK(board.flash()[0x10000] == 0x42);
}

TEST_CASE("write_flash refuses an image whose revision range leaves the chip out", "[flash][image-check]") {
  Board board("esp32c3");
  // The C3 image's ID with a range [v0.0 - v0.3]: a v0.4 chip is outside.
  check_refused(board, board.write("old.bin", app_image(5, 0, 3)),
                "'" + (board.dir / "old.bin").string() +
                    "' requires chip revision in range [v0.0 - v0.3] (this chip is revision v0.4). Use the force "
                    "argument to flash anyway.");
  check_refused(board, board.write("new.bin", app_image(5, 101, 0xFFFF)),
                "requires chip revision in range [v1.1 - max rev not set] (this chip is revision v0.4)");
  auto ok = board.write("fits.bin", app_image(5, 3, 199));
  INFO(describe(ok));
  CHECK(ok.code == 0);
}

TEST_CASE("an image without full revision fields is checked by min_rev, the ESP32-C3's as its minor revision",
          "[flash][image-check]") {
  // min_rev 5, min_rev_full 0, max_rev_full 0xFFFF: esptool falls back to min_rev.
  test_images::Spec spec;
  spec.chip_id = 5;
  spec.min_rev_full = 0;
  spec.max_rev_full = 0xFFFF;
  spec.segments = {{0x3C000020, Bytes(64, 0x11)}};
  auto image = test_images::build(spec);
  image[14] = 5;  // min_rev byte (extended header offset 6)
  {
    Board c3("esp32c3");
    check_refused(c3, c3.write("min5.bin", image),
                  "requires chip revision 5 or higher (this chip is revision 4). Use the force argument");
  }
  {
    // On the ESP32-S3 (chip id 9) min_rev is the major revision: v0.4 is major 0.
    image[12] = 9;
    image[13] = 0;
    // The checksum and digest no longer match, which the check does not look at.
    Board s3("esp32s3");
    check_refused(s3, s3.write("min5.bin", image), "requires chip revision 5 or higher (this chip is revision 0)");
  }
}

TEST_CASE("write_flash compares an image's revisions with espsim --chip-revision before anything is erased",
          "[flash][image-check]") {
  // A flash that is not erased, so an erase before the refusal would show.
  const Bytes before = random_bytes(1 << 20, 14);
  {
    // ESP32-C3 v1.1: a legacy min_rev is compared with the minor revision
    // alone (esptool v5.3.1 cmds.py write_flash: get_minor_chip_version), so
    // min_rev 4 refuses a v1.1 part although v1.1 is the later silicon.
    Board c3("esp32c3", "1.1", before);
    check_refused(c3, c3.write("min4.bin", legacy_image(5, 4), {"--erase-all"}),
                  "requires chip revision 4 or higher (this chip is revision 1). Use the force argument");
    check_refused(c3, c3.write("upto099.bin", app_image(5, 3, 99)),
                  "requires chip revision in range [v0.3 - v0.99] (this chip is revision v1.1)");
    // Two files: the second is refused, so the first is not written either.
    write_file(c3.dir / "data.bin", Bytes(4096, 0x42));
    write_file(c3.dir / "old.bin", app_image(5, 0, 3));
    check_refused(c3,
                  run_espbak({"-p", c3.sim->port(), "write_flash", "0x8000", (c3.dir / "data.bin").string(), "0x10000",
                              (c3.dir / "old.bin").string()},
                             std::chrono::seconds(120)),
                  "old.bin' requires chip revision in range [v0.0 - v0.3] (this chip is revision v1.1)");
    // The range's ends are inclusive: [v1.1 - max rev not set] takes a v1.1.
    auto from11 = app_image(5, 101, 0xFFFF);
    auto ok = c3.write("from11.bin", from11);
    INFO(describe(ok));
    REQUIRE(ok.code == 0);
    Bytes flash = c3.flash();
    CHECK(std::equal(from11.begin() + 24, from11.end(), flash.begin() + 0x10000 + 24));
    // --force skips the check, --erase-all included: the whole flash is erased.
    auto forced = c3.write("min4.bin", legacy_image(5, 4), {"--erase-all", "--force"});
    INFO(describe(forced));
    REQUIRE(forced.code == 0);
    flash = c3.flash();
    CHECK(flash[0x10000 + 14] == 4);
    CHECK(std::all_of(flash.begin() + 0x20000, flash.end(), [](std::uint8_t b) { return b == 0xFF; }));
  }
  {
    // ESP32-C3 v0.3, the legacy path's other side: min_rev 4 is above minor 3.
    Board c3("esp32c3", "0.3", before);
    check_refused(c3, c3.write("min4.bin", legacy_image(5, 4)),
                  "requires chip revision 4 or higher (this chip is revision 3)");
  }
  // ESP32-P4 (IMAGE_CHIP_ID 18): min_rev_full 300 (v3.0) against v1.0 and v3.1;
  // a legacy min_rev is the major revision on every chip but the C3.
  {
    Board p4("esp32p4", "1.0", before);
    check_refused(p4, p4.write("v3.bin", app_image(18, 300, 0xFFFF)),
                  "requires chip revision in range [v3.0 - max rev not set] (this chip is revision v1.0)");
    check_refused(p4, p4.write("min3.bin", legacy_image(18, 3)),
                  "requires chip revision 3 or higher (this chip is revision 1)");
  }
  {
    Board p4("esp32p4", "3.1", before);
    auto ok = p4.write("v3.bin", app_image(18, 300, 0xFFFF));
    INFO(describe(ok) << "\nespsim:\n" << p4.sim->log());
    CHECK(ok.code == 0);
    auto legacy = p4.write("min3.bin", legacy_image(18, 3));
    INFO(describe(legacy));
    CHECK(legacy.code == 0);
  }
}

TEST_CASE("write_flash on the ESP32 checks IMAGE_CHIP_ID 0 and the major revision", "[flash][image-check]") {
  // espsim's ESP32 is a D0WD-V3 v3.0 (test_chip_matrix.cpp).
  Board esp32("esp32");
  check_refused(esp32, esp32.write("c3.bin", app_image(5, 0, 0xFFFF)),
                "is not an ESP32 image. Use the force argument to flash anyway.");
  check_refused(esp32, esp32.write("min4.bin", legacy_image(0, 4)),
                "requires chip revision 4 or higher (this chip is revision 3)");
  auto ok = esp32.write("min3.bin", legacy_image(0, 3));
  INFO(describe(ok));
  CHECK(ok.code == 0);
}
