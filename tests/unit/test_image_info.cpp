// image/firmware_image and image/image_info: images built by the layout of
// esptool v5.3.1 bin_image.py (tests/support/image_builder.hpp), the report
// expected line for line from cmds.py _print_image_info's format strings.
#include <catch2/catch.hpp>

#include <cctype>

#include <fmt/format.h>

#include "image_builder.hpp"
#include "espbak/image/image_info.hpp"
#include "espbak/loader/stub_images.hpp"
#include "espbak/util/error.hpp"

using namespace espbak;
using test_images::Bytes;

namespace {

std::string report(const Bytes& image, const ChipInfo* chip = nullptr) {
  std::string text;
  for (const auto& line : image::describe_image_file(image, chip))
    text += (line.kind == image::InfoLine::Kind::warning ? "Warning: " : "") + line.text + "\n";
  return text;
}

std::string error_of(const Bytes& image, const ChipInfo* chip = nullptr) {
  try {
    report(image, chip);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    return e.what();
  }
  return "(no error)";
}

std::uint8_t xor_of_segments(const test_images::Spec& s) {
  std::uint8_t sum = 0xEF;
  for (const auto& seg : s.segments)
    for (auto b : seg.data) sum ^= b;
  return sum;
}

std::string hex(std::span<const std::uint8_t> b) {
  std::string s;
  for (auto x : b) s += fmt::format("{:02x}", x);
  return s;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

}  // namespace

TEST_CASE("image_info on an ESP32 application prints esptool v5's report line for line", "[image]") {
  auto spec = test_images::esp32_app();
  Bytes img = test_images::build(spec);
  REQUIRE(img.size() == 720);  // 0x2b0 up to the checksum byte, then 32 digest bytes
  const std::string digest = hex(std::span(img).subspan(0x2b0, 32));
  const std::string expected = fmt::format(R"(Image size: 720 bytes
Detected image type: ESP32

ESP32 Image Header
==================
Image version: 1
Entry point: 0x40080604
Segments: 4
Flash size: 4MB
Flash freq: 40m
Flash mode: DIO

ESP32 Extended Image Header
===========================
WP pin: 0xee (disabled)
Flash pins drive settings: clk_drv: 0x0, q_drv: 0x0, d_drv: 0x0, cs0_drv: 0x0, hd_drv: 0x0, wp_drv: 0x0
Chip ID: 0 (ESP32)
Minimal chip revision: v0.0, (legacy min_rev = 0)
Maximal chip revision: v0.99

Segments Information
====================
Segment   Length   Load addr   File offs  Memory types
-------  -------  ----------  ----------  ------------
      0  0x00110  0x3f400020  0x00000018  DROM
      1  0x00020  0x3ffb0000  0x00000130  BYTE_ACCESSIBLE, DRAM
      2  0x00040  0x40080000  0x00000158  IRAM
      3  0x00100  0x400d0020  0x000001a0  IROM

ESP32 Image Footer
==================
Checksum: {:#04x} (valid)
Validation hash: {} (valid)

Application Information
=======================
Project name: hello_world
App version: v1.0
Compile time: Jan  2 2026 12:34:56
ELF file SHA256: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
ESP-IDF: v5.3.1
Minimal eFuse block revision: 0.1
Maximal eFuse block revision: 0.99
MMU page size: 64 KB
Secure version: 3
)",
                                           xor_of_segments(spec), digest);
  CHECK(report(img) == expected);
}

TEST_CASE("image_info detects the chip from the extended header's chip id and names regions from its MEMORY_MAP",
          "[image]") {
  test_images::Spec s;
  s.chip_id = 9;  // ESP32-S3 (targets/esp32s3.py IMAGE_CHIP_ID)
  s.flash_size_freq = 0x3F;  // 8MB, 80m
  s.min_rev_full = 2;
  s.segments = {{0x3C000020, Bytes(0x100, 1)}, {0x3FC88000, test_images::bootloader_description()},
                {0x42000020, Bytes(0x10, 2)}};
  std::string text = report(test_images::build(s));
  CHECK(has_line(text, "Detected image type: ESP32-S3"));
  CHECK(has_line(text, "ESP32-S3 Image Header"));
  CHECK(has_line(text, "Flash size: 8MB"));
  CHECK(has_line(text, "Flash freq: 80m"));
  CHECK(has_line(text, "Chip ID: 9 (ESP32-S3)"));
  CHECK(has_line(text, "Minimal chip revision: v0.2, (legacy min_rev = 0)"));
  CHECK(has_line(text, "      1  0x00050  0x3fc88000  0x00000120  BYTE_ACCESSIBLE, MEM_INTERNAL, DRAM"));
  CHECK(has_line(text, "      2  0x00010  0x42000020  0x00000178  IROM"));
  // The DROM segment does not start with esp_app_desc_t: no application
  // section, and the bootloader description is not looked at either.
  CHECK(text.find("Application Information") == std::string::npos);
  CHECK(text.find("Bootloader Information") == std::string::npos);
}

TEST_CASE("image_info prints the bootloader description of a DRAM segment when no DROM segment exists", "[image]") {
  test_images::Spec s;
  s.entry = 0x40080400;
  s.segments = {{0x3FFF0000, test_images::bootloader_description()}, {0x40078000, Bytes(0x40, 5)}};
  std::string text = report(test_images::build(s), &chip(ChipId::esp32));
  CHECK(text.find("Detected image type") == std::string::npos);  // --chip given
  CHECK(has_line(text, "      0  0x00050  0x3fff0000  0x00000018  BYTE_ACCESSIBLE, DRAM, DIRAM_DRAM"));
  CHECK(has_line(text, "      1  0x00040  0x40078000  0x00000070  CACHE_APP"));
  CHECK(has_line(text, "Bootloader Information\n======================\nBootloader version: 1\nESP-IDF: v5.3.1\n"
                       "Compile time: Jan  2 2026 12:34:56"));
}

TEST_CASE("image_info on ESP8266 v1 and v2 images", "[image]") {
  SECTION("v1: no extended header, no digest; the header's first segment bytes do not name a chip") {
    test_images::Spec s;
    s.extended = false;
    s.flash_mode = 0;
    s.flash_size_freq = 0x20;  // 1MB (ESP8266 FLASH_SIZES), 40m
    s.entry = 0x40100004;
    Bytes data(0x10, 0xAA);  // byte 23 of the file (0xAA) is not 0/1: not an extended header
    s.segments = {{0x40100000, data}, {0x3FFE8000, Bytes(8, 0)}};
    std::string text = report(test_images::build(s));
    CHECK(has_line(text, "Detected image type: ESP8266"));
    CHECK(has_line(text, "ESP8266 Image Header"));
    CHECK(has_line(text, "Flash size: 1MB"));
    CHECK(has_line(text, "Flash mode: QIO"));
    CHECK(text.find("Extended Image Header") == std::string::npos);
    CHECK(text.find("Validation hash") == std::string::npos);
    CHECK(has_line(text, "      0  0x00010  0x40100000  0x00000008  IRAM"));
    CHECK(has_line(text, "      1  0x00008  0x3ffe8000  0x00000020  DRAM"));
  }
  SECTION("v2: 0xEA header, the IROM segment at address 0 outside the checksum, then a v1 image") {
    Bytes img = {0xEA, 4, 2, 0x40, 0x04, 0x10, 0x10, 0x40};  // dio, 4MB, 40m, entry 0x40101004
    test_images::put_u32(img, 0);
    test_images::put_u32(img, 0x10);
    img.insert(img.end(), 0x10, 0x5A);  // IROM: excluded from the checksum
    Bytes rest = {0xE9, 1, 2, 0x40, 0x04, 0x10, 0x10, 0x40};
    test_images::put_u32(rest, 0x40100000);
    test_images::put_u32(rest, 4);
    rest.insert(rest.end(), {1, 2, 4, 8});
    img.insert(img.end(), rest.begin(), rest.end());
    while (img.size() % 16 != 15) img.push_back(0);
    img.push_back(0xEF ^ 1 ^ 2 ^ 4 ^ 8);
    std::string text = report(img, &chip(ChipId::esp8266));
    CHECK(has_line(text, "Image version: 2"));
    CHECK(has_line(text, "Entry point: 0x40101004"));
    CHECK(has_line(text, "Segments: 2"));
    CHECK(has_line(text, "      0  0x00010  0x00000000  0x00000008  "));
    CHECK(has_line(text, "      1  0x00004  0x40100000  0x00000028  IRAM"));
    CHECK(has_line(text, fmt::format("Checksum: {:#04x} (valid)", 0xEF ^ 1 ^ 2 ^ 4 ^ 8)));
  }
}

TEST_CASE("image_info reports a wrong checksum and a wrong digest as esptool does, and refuses broken images in one line",
          "[image]") {
  auto spec = test_images::esp32_app();
  const Bytes good = test_images::build(spec);
  SECTION("bad checksum: reported with the calculated value") {
    Bytes img = good;
    img[0x2af] ^= 0xFF;
    std::string text = report(img);
    CHECK(has_line(text, fmt::format("Checksum: {:#04x} (invalid - calculated {:#04x})", img[0x2af], good[0x2af])));
    CHECK(text.find("Validation hash: ") != std::string::npos);
    CHECK(text.find(" (invalid)\n") != std::string::npos);  // the digest covers the checksum byte
  }
  SECTION("bad digest: the calculated hash, marked invalid") {
    Bytes img = good;
    img.back() ^= 1;
    std::string text = report(img);
    CHECK(has_line(text, fmt::format("Validation hash: {} (invalid)", hex(std::span(good).subspan(0x2b0, 32)))));
    CHECK(has_line(text, fmt::format("Checksum: {:#04x} (valid)", good[0x2af])));
  }
  SECTION("digest cut short: invalid") {
    Bytes img(good.begin(), good.end() - 5);
    CHECK(report(img).find(" (invalid)\n") != std::string::npos);
  }
  SECTION("empty") { CHECK(error_of({}) == "Image is empty."); }
  SECTION("bad magic") {
    Bytes img = good;
    img[0] = 0x00;
    CHECK(error_of(img) == "This is not a valid image (invalid magic number: 0x0).");
    img[0] = 0xEA;  // the v2 magic is not an ESP32 image
    CHECK(error_of(img, &chip(ChipId::esp32)) == "Invalid firmware image magic=0xea");
  }
  SECTION("truncated inside a segment") {
    Bytes img(good.begin(), good.begin() + 0x100);
    CHECK(error_of(img) == "End of file reading segment 0x3f400020, length 272 (actual length 224)");
  }
  SECTION("truncated inside the header") {
    Bytes img(good.begin(), good.begin() + 20);
    CHECK(error_of(img, &chip(ChipId::esp32)) ==
          "Image is truncated: the 16-byte extended header needs 16 bytes at offset 0x8, the file has 12 more");
  }
  SECTION("truncated before the checksum") {
    Bytes img(good.begin(), good.begin() + 0x2a8);
    CHECK(error_of(img) == "Image is truncated: the checksum byte needs 1 bytes at offset 0x2af, the file has 0 more");
  }
  SECTION("append_digest neither 0 nor 1") {
    Bytes img = good;
    img[23] = 2;
    CHECK(error_of(img, &chip(ChipId::esp32)) == "Invalid value for append_digest field (0x02). Should be 0 or 1.");
  }
  SECTION("more than 16 segments") {
    test_images::Spec s;
    for (std::uint32_t i = 0; i < 17; ++i) s.segments.push_back({0x3FFB0000 + 4 * i, Bytes(4, 0)});
    CHECK(error_of(test_images::build(s)) ==
          "Invalid segment count 17 (max 16). Usually this indicates a linker script problem.");
  }
  SECTION("a segment length not a multiple of 4: a warning, zero-padded as esptool holds it") {
    test_images::Spec s;
    s.segments = {{0x3FFB0000, Bytes(5, 7)}};
    std::string text = report(test_images::build(s));
    CHECK(has_line(text, "Warning: Segment 0 at 0x3ffb0000 has length 0x5, not a multiple of 4 (zero-padded)"));
    CHECK(has_line(text, "      0  0x00008  0x3ffb0000  0x00000018  BYTE_ACCESSIBLE, DRAM"));
    CHECK(has_line(text, fmt::format("Checksum: {:#04x} (valid)", 0xEF ^ 7 ^ 7 ^ 7 ^ 7 ^ 7)));
  }
  SECTION("another chip's id under --chip: esptool's warning") {
    std::string text = report(good, &chip(ChipId::esp32c3));
    CHECK(has_line(text, "Warning: Unexpected chip ID in image. Expected 5 but value was 0. Is this image for a "
                         "different chip model?"));
    CHECK(has_line(text, "Chip ID: 0 (ESP32)"));
  }
}

TEST_CASE("image_info's fallback to ESP8266: an unknown chip id or an append_digest byte above 1", "[image]") {
  test_images::Spec s;
  s.chip_id = 200;  // no chip row has it
  s.segments = {{0x3FFB0000, Bytes(8, 0)}};
  Bytes img = test_images::build(s);
  CHECK(&image::detect_image_chip(img) == &chip(ChipId::esp8266));
  img[12] = 13;  // ESP32-C6
  CHECK(&image::detect_image_chip(img) == &chip(ChipId::esp32c6));
  img[23] = 7;
  CHECK(&image::detect_image_chip(img) == &chip(ChipId::esp8266));
  // Shorter than 24 bytes: esptool looks at the last byte it read, and a
  // missing chip id byte reads as 0 (ESP32).
  CHECK(&image::detect_image_chip(Bytes{0xE9, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01}) == &chip(ChipId::esp32));
  CHECK(&image::detect_image_chip(Bytes{0xE9, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xEF}) == &chip(ChipId::esp8266));
  CHECK(&image::detect_image_chip(Bytes{0xE9, 0, 0, 0, 0, 0, 0, 0}) == &chip(ChipId::esp8266));
}

TEST_CASE("every chip row has the image facts of esptool's targets", "[image][chips]") {
  for (const auto& c : all_chips()) {
    INFO(c.name);
    CHECK(c.image.chip_id.has_value() == c.quirks.extended_image_header);
    CHECK(c.image.uf2_family_id != 0);
    CHECK_FALSE(c.image.memory_map.empty());
    for (const auto& r : c.image.memory_map) CHECK(r.start < r.end);
    if (c.image.chip_id) CHECK(image::chip_by_image_id(*c.image.chip_id) == &c);  // ids are unique
  }
  CHECK(chip(ChipId::esp32).image.uf2_family_id == 0x1C5F21B0);
  CHECK(chip(ChipId::esp32c3).image.chip_id == 5);
  CHECK(chip(ChipId::esp32s31).image.chip_id == 32);
}

TEST_CASE("esp_app_desc_t: magic, field offsets, NULs removed, MMU page size", "[image]") {
  Bytes desc = test_images::app_description("pro\0ject", "1.2.3");
  auto app = image::parse_app_description(desc);
  REQUIRE(app);
  CHECK(app->project_name == "pro");  // put_text copies up to the C string's end
  CHECK(app->version == "1.2.3");
  CHECK(app->idf_ver == "v5.3.1");
  CHECK(app->mmu_page_size == 16);
  CHECK_FALSE(image::parse_app_description(std::span(desc).first(255)));
  desc[0] = 0;
  CHECK_FALSE(image::parse_app_description(desc));
}

// esptool v4.9.1 cmds.py image_info with --version 1 (v4's default): the
// lines come from its format strings ("Entry point: {:8x}", "{} segments",
// bin_image.py ImageSegment.__repr__ "len 0x%05x load 0x%08x file_offs
// 0x%08x", "Checksum: {:02x}", "Validation Hash: "); v4's own test
// (test/test_image_info.py test_v1_esp32) checks the same forms.
TEST_CASE("image_info --version 1 prints esptool v4's legacy report line for line", "[image]") {
  auto spec = test_images::esp32_app();
  const Bytes img = test_images::build(spec);
  auto legacy = [](const Bytes& bytes, const ChipInfo* chip = nullptr) {
    std::string text;
    for (const auto& line : image::describe_image_file_v1(bytes, chip))
      text += (line.kind == image::InfoLine::Kind::warning ? "Warning: " : "") + line.text + "\n";
    return text;
  };
  const std::string expected = fmt::format(R"(File size: 720 (bytes)
Detected image type: ESP32
Image version: 1
Entry point: 40080604
4 segments

Segment 1: len 0x00110 load 0x3f400020 file_offs 0x00000018 [DROM]
Segment 2: len 0x00020 load 0x3ffb0000 file_offs 0x00000130 [BYTE_ACCESSIBLE,DRAM]
Segment 3: len 0x00040 load 0x40080000 file_offs 0x00000158 [IRAM]
Segment 4: len 0x00100 load 0x400d0020 file_offs 0x000001a0 [IROM]
Checksum: {:02x} (valid)
Validation Hash: {} (valid)
)",
                                           xor_of_segments(spec), hex(std::span(img).subspan(0x2b0, 32)));
  CHECK(legacy(img) == expected);
  // With --chip: no detection line. A bad checksum: the calculated one too.
  Bytes bad = img;
  bad[0x2af] ^= 0xFF;
  const std::string text = legacy(bad, &chip(ChipId::esp32));
  CHECK(text.find("Detected image type") == std::string::npos);
  CHECK(has_line(text, fmt::format("Checksum: {:02x} (invalid - calculated {:02x})", bad[0x2af], img[0x2af])));
  // An ESP8266 image: no digest line; a file that is no image: v4's error.
  test_images::Spec s;
  s.extended = false;
  s.entry = 0x40100004;
  s.segments = {{0x40100000, Bytes(0x10, 0xAA)}};
  const std::string e = legacy(test_images::build(s));
  CHECK(has_line(e, "Detected image type: ESP8266"));
  CHECK(has_line(e, "1 segments"));
  CHECK(has_line(e, "Segment 1: len 0x00010 load 0x40100000 file_offs 0x00000008 [IRAM]"));
  CHECK(e.find("Validation Hash") == std::string::npos);
  try {
    legacy(Bytes{0x12, 0, 0, 0});
    FAIL("no error");
  } catch (const Error& err) {
    CHECK(std::string(err.what()) == "This is not a valid image (invalid magic number: 0x12)");
  }
}

// Real code as images: every chip's flasher stub (esptool-js 0.7.0's, the
// images espbak uploads) laid out as a firmware image for that chip, its
// segments at their load addresses. image_info must detect the chip from
// the header's IMAGE_CHIP_ID, name each segment's memory region from the
// row's MEMORY_MAP (a stub runs from IRAM and keeps data in DRAM) and find
// the checksum and digest valid; the legacy report says the same.
TEST_CASE("image_info on every chip's flasher stub laid out as an image for that chip", "[image][chips]") {
  for (const ChipInfo& c : all_chips()) {
    if (c.stub_name.empty()) continue;
    auto stub = find_stub_image(c.stub_name);
    INFO(c.name << " stub " << c.stub_name);
    REQUIRE(stub);
    test_images::Spec s;
    s.extended = c.quirks.extended_image_header;
    s.digest = s.extended;
    s.chip_id = c.image.chip_id.value_or(0);
    s.entry = stub->entry;
    for (const auto& seg : stub->segments) s.segments.push_back({seg.addr, Bytes(seg.bytes.begin(), seg.bytes.end())});
    const Bytes img = test_images::build(s);
    const std::string text = report(img);
    INFO(text);
    std::string upper(c.name);
    for (auto& ch : upper) ch = char(std::toupper(static_cast<unsigned char>(ch)));
    CHECK(has_line(text, "Detected image type: " + upper));
    CHECK(text.find("Warning:") == std::string::npos);
    CHECK(text.find(" (valid)\n") != std::string::npos);
    CHECK(text.find("(invalid") == std::string::npos);
    std::size_t named = 0;
    for (std::size_t i = 0; i < stub->segments.size(); ++i) {
      const std::string at = fmt::format("  {:#010x}  ", stub->segments[i].addr);
      auto line = text.find(at);
      REQUIRE(line != std::string::npos);
      const std::string rest = text.substr(line, text.find('\n', line) - line);
      if (rest.find("RAM") != std::string::npos) ++named;  // IRAM or DRAM
    }
    // Except the ESP8266 stub's text at 0x4010c500: esptool v5.3.1
    // targets/esp8266.py MEMORY_MAP ends IRAM at 0x40108000 (the part has
    // 64 KB there), so esptool names no region for it, and nor does espbak.
    CHECK(named == stub->segments.size() - (s.extended ? 0 : 1));
    std::string legacy;
    for (const auto& l : image::describe_image_file_v1(img, nullptr)) legacy += l.text + "\n";
    CHECK(has_line(legacy, fmt::format("{} segments", stub->segments.size())));
    CHECK(legacy.find("(valid)") != std::string::npos);
    CHECK(legacy.find("invalid") == std::string::npos);
  }
}
