// image_info and merge_bin as a user runs them (issue 14): no chip, no port;
// esptool v5.3.1's spellings and its v4 ones. The expected bytes follow
// esptool's rules (cmds.py merge_bin, uf2_writer.py, python-intelhex
// write_hex_file; tests/unit/test_image_merge.cpp works them out in detail).
#include <catch2/catch.hpp>

#include <filesystem>

#include "harness.hpp"
#include "../support/image_builder.hpp"

using namespace e2e;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Inputs {
  TempDir dir;
  Bytes boot, pt, app;
  Inputs() {
    test_images::Spec b;  // a bootloader: qio, 4MB/40m, a DRAM segment with its description, SHA-256 appended
    b.flash_mode = 0;
    b.entry = 0x40080400;
    b.segments = {{0x3FFF0000, test_images::bootloader_description()}, {0x40078000, Bytes(0x40, 5)}};
    boot = test_images::build(b);
    pt = random_bytes(0xC00, 3);
    app = test_images::build(test_images::esp32_app());
    write_file(dir / "boot.bin", boot);
    write_file(dir / "pt.bin", pt);
    write_file(dir / "app.bin", app);
  }
  std::vector<std::string> pairs() const {
    return {"0x1000", (dir / "boot.bin").string(), "0x8000", (dir / "pt.bin").string(), "0x10000",
            (dir / "app.bin").string()};
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

RunResult run(std::vector<std::string> args) { return run_espbak(args, std::chrono::seconds(60)); }

std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

}  // namespace

TEST_CASE("image_info FILE prints esptool v5's header, segments, footer and app description, the chip detected",
          "[image][cli]") {
  Inputs in;
  for (const char* spelling : {"image_info", "image-info"}) {
    auto r = run({spelling, in.path("app.bin")});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(contains(r.out, "Image size: 720 bytes\nDetected image type: ESP32\n\nESP32 Image Header\n"));
    CHECK(contains(r.out, "Entry point: 0x40080604\n"));
    CHECK(contains(r.out, "Flash size: 4MB\nFlash freq: 40m\nFlash mode: DIO\n"));
    CHECK(contains(r.out, "Chip ID: 0 (ESP32)\n"));
    CHECK(contains(r.out, "      1  0x00020  0x3ffb0000  0x00000130  BYTE_ACCESSIBLE, DRAM\n"));
    CHECK(contains(r.out, "(valid)\nValidation hash: "));
    CHECK(contains(r.out, "Project name: hello_world\nApp version: v1.0\n"));
    CHECK(r.err.empty());
  }
  // --chip names the image's chip (no detection line); v4's --version 2 is accepted.
  auto named = run({"--chip", "esp32", "image_info", "--version", "2", in.path("boot.bin")});
  INFO(describe(named));
  REQUIRE(named.code == 0);
  CHECK_FALSE(contains(named.out, "Detected image type"));
  CHECK(contains(named.out, "Bootloader Information\n======================\nBootloader version: 1\n"));
  auto bad_version = run({"image_info", "--version", "3", in.path("app.bin")});
  CHECK(bad_version.code == 2);
  CHECK(line_count(bad_version.err) == 1);
}

TEST_CASE("image_info on broken images: one line and exit 3, a wrong checksum or digest reported as esptool does",
          "[image][cli][errors]") {
  Inputs in;
  struct Case {
    const char* name;
    Bytes bytes;
    const char* message;
  };
  Bytes bad_magic = in.app;
  bad_magic[0] = 0x12;
  test_images::Spec many;
  for (std::uint32_t i = 0; i < 17; ++i) many.segments.push_back({0x3FFB0000 + 4 * i, Bytes(4, 0)});
  const Case cases[] = {
      {"empty.bin", {}, "Image is empty."},
      {"magic.bin", bad_magic, "This is not a valid image (invalid magic number: 0x12)."},
      {"short.bin", Bytes(in.app.begin(), in.app.begin() + 0x100), "End of file reading segment 0x3f400020"},
      {"many.bin", test_images::build(many), "Invalid segment count 17 (max 16)."},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    write_file(in.dir / c.name, c.bytes);
    auto r = run({"image_info", in.path(c.name)});
    INFO(describe(r));
    CHECK(r.code == 3);
    CHECK(line_count(r.err) == 1);
    CHECK(contains(r.err, c.message));
    CHECK(r.out.empty());
  }
  auto missing = run({"image_info", in.path("nothing.bin")});
  CHECK(missing.code == 3);
  CHECK(line_count(missing.err) == 1);

  Bytes bad_sum = in.app;
  bad_sum[0x2af] ^= 0x01;
  write_file(in.dir / "sum.bin", bad_sum);
  auto sum = run({"image_info", in.path("sum.bin")});
  INFO(describe(sum));
  CHECK(sum.code == 0);
  CHECK(contains(sum.out, "(invalid - calculated "));
  CHECK(contains(sum.out, " (invalid)\n"));  // the digest covers the checksum byte

  Bytes odd_segment = test_images::build({.segments = {{0x3FFB0000, Bytes(5, 7)}}});
  write_file(in.dir / "odd.bin", odd_segment);
  auto odd = run({"image_info", in.path("odd.bin")});
  CHECK(odd.code == 0);
  CHECK(contains(odd.err, "Warning: Segment 0 at 0x3ffb0000 has length 0x5, not a multiple of 4"));
}

TEST_CASE("merge_bin raw: the files at their offsets, 0xFF between, the bootloader's header patched, padded to 4MB",
          "[image][cli]") {
  Inputs in;
  for (const char* pad : {"--pad-to-size", "--fill-flash-size"}) {  // esptool v5, v4
    CAPTURE(pad);
    const std::string out = in.path(std::string("merged") + pad + ".bin");
    auto r = run(with({"--chip", "esp32", "merge_bin", "-o", out, "--flash-mode", "dio", pad, "4MB"}, in.pairs()));
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(contains(r.out, "Flash params set to 0x0220"));
    CHECK(contains(r.out, "Wrote 0x400000 bytes to file '" + out + "', ready to flash to offset 0x0."));
    Bytes merged = read_file(out);
    REQUIRE(merged.size() == 0x400000);
    CHECK(std::all_of(merged.begin(), merged.begin() + 0x1000, [](auto b) { return b == 0xFF; }));
    Bytes boot(merged.begin() + 0x1000, merged.begin() + 0x1000 + std::ptrdiff_t(in.boot.size()));
    CHECK(boot[2] == 2);  // qio -> dio
    Bytes expected_boot = in.boot;
    expected_boot[2] = 2;
    auto digest = espbak::sha256(std::span(expected_boot).first(expected_boot.size() - 32));
    std::copy(digest.begin(), digest.end(), expected_boot.end() - 32);  // esptool refreshes the SHA-256
    CHECK(boot == expected_boot);
    CHECK(Bytes(merged.begin() + 0x8000, merged.begin() + 0x8C00) == in.pt);
    CHECK(Bytes(merged.begin() + 0x10000, merged.begin() + 0x10000 + std::ptrdiff_t(in.app.size())) == in.app);
    CHECK(merged.back() == 0xFF);
    CHECK_FALSE(std::filesystem::exists(out + ".part"));
  }
  // --target-offset 0x1000: the output starts with the bootloader.
  auto shifted = run(with({"--chip", "esp32", "merge-bin", "--output", in.path("t.bin"), "--target-offset",
                              "0x1000"},
                             in.pairs()));
  INFO(describe(shifted));
  REQUIRE(shifted.code == 0);
  Bytes t = read_file(in.dir / "t.bin");
  CHECK(t.size() == 0x10000 - 0x1000 + in.app.size());
  CHECK(Bytes(t.begin(), t.begin() + std::ptrdiff_t(in.boot.size())) == in.boot);  // "keep": unpatched
}

TEST_CASE("merge_bin --format uf2 and hex write esptool's blocks and records", "[image][cli]") {
  Inputs in;
  auto uf2 = run(with({"--chip", "esp32", "merge_bin", "--format", "uf2", "-o", in.path("out.uf2")}, in.pairs()));
  INFO(describe(uf2));
  REQUIRE(uf2.code == 0);
  CHECK(contains(uf2.out, "Adding '" + in.path("boot.bin") + "' at 0x1000..."));
  Bytes blocks = read_file(in.dir / "out.uf2");
  const std::size_t expected_blocks =
      (in.boot.size() + 451) / 452 + (in.pt.size() + 451) / 452 + (in.app.size() + 451) / 452;
  REQUIRE(blocks.size() == 512 * expected_blocks);
  CHECK(contains(uf2.out, "ready to be flashed with any ESP USB Bridge."));
  auto u32 = [&](std::size_t at) {
    return std::uint32_t(blocks[at]) | std::uint32_t(blocks[at + 1]) << 8 | std::uint32_t(blocks[at + 2]) << 16 |
           std::uint32_t(blocks[at + 3]) << 24;
  };
  CHECK(u32(0) == 0x0A324655);
  CHECK(u32(12) == 0x1000);
  CHECK(u32(28) == 0x1C5F21B0);  // targets/esp32.py UF2_FAMILY_ID
  CHECK(u32(508) == 0x0AB16F30);

  auto small = run(with({"--chip", "esp32c3", "merge_bin", "--format", "uf2", "--chunk-size", "256",
                            "--md5-disable", "-o", in.path("small.uf2")},
                           {"0x0", in.path("pt.bin")}));
  INFO(describe(small));
  REQUIRE(small.code == 0);
  Bytes s = read_file(in.dir / "small.uf2");
  CHECK(s.size() == 512 * 12);  // 0xC00 / 256
  CHECK(s[28] == 0x6C);          // 0xD42BA06C, the ESP32-C3's family id, little-endian

  auto hex = run(with({"--chip", "esp32", "merge_bin", "--format", "hex", "-o", in.path("out.hex")}, in.pairs()));
  INFO(describe(hex));
  REQUIRE(hex.code == 0);
  Bytes text = read_file(in.dir / "out.hex");
  std::string h(text.begin(), text.end());
  CHECK(h.rfind(":020000040000FA\n:10100000E9", 0) == 0);  // the bootloader's first record at 0x1000
  CHECK(contains(h, "\n:020000040001F9\n:10000000E9"));    // the app at 0x10000
  CHECK(h.size() > 12);
  CHECK(h.substr(h.size() - 12) == ":00000001FF\n");
  CHECK(contains(hex.out, "Wrote 0x" ));
}

TEST_CASE("merge_bin refuses before writing: no --chip, overlapping files, a file before --target-offset, a bad "
          "chunk size",
          "[image][cli][errors]") {
  Inputs in;
  const std::string out = in.path("never.bin");
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* message;
  };
  const std::vector<Case> cases = {
      {with({"merge_bin", "-o", out}, in.pairs()), 2, "Specify the --chip argument (choose from "},
      {with({"--chip", "esp32", "merge_bin", "-o", out}, {"0x1000", in.path("boot.bin"), "0x1100", in.path("pt.bin")}),
       3, "Detected overlap at address: 0x1100"},
      {with({"--chip", "esp32", "merge_bin", "-o", out, "-t", "0x2000"}, in.pairs()), 3,
       "Output data target offset is 0x2000. Input data offset 0x1000 is before this."},
      {with({"--chip", "esp32", "merge_bin", "--format", "uf2", "--chunk-size", "6", "-o", out}, in.pairs()), 2,
       "Chunk size should be a 4-byte aligned number."},
      {with({"--chip", "esp32", "merge_bin", "--format", "uf2", "--chunk-size", "512", "-o", out}, in.pairs()), 2,
       "does not fit a UF2 block"},
      {with({"--chip", "esp32", "merge_bin", "--format", "elf", "-o", out}, in.pairs()), 2, "Invalid format: 'elf'"},
      {with({"--chip", "esp32", "merge_bin", "--pad-to-size", "3MB", "-o", out}, in.pairs()), 2,
       "invalid --pad-to-size '3MB'"},
      {with({"--chip", "esp32", "merge_bin", "-o", out}, {"0x1000", in.path("missing.bin")}), 3, "cannot open"},
  };
  for (const auto& c : cases) {
    auto r = run(c.args);
    INFO(describe(r));
    CHECK(r.code == c.code);
    CHECK(line_count(r.err) == 1);
    CHECK(contains(r.err, c.message));
    CHECK_FALSE(std::filesystem::exists(out));
    CHECK_FALSE(std::filesystem::exists(out + ".part"));
  }
}
