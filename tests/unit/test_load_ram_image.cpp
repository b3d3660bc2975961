// load_ram's image file (ops/commands.hpp read_load_ram_image): the shared
// parser (image/firmware_image.hpp) in the chip's header form, the file's
// name in every error, and the ESP8266 V2 refusal. Segment rules are
// esptool v5.3.1 bin_image.py's (LoadFirmwareImage, ImageSegment).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>

#include <unistd.h>

#include "espbak/ops/commands.hpp"
#include "espbak/util/error.hpp"

using namespace espbak;
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

struct ImageFile {
  fs::path path = fs::temp_directory_path() / ("espbak-ram-" + std::to_string(::getpid()) + ".bin");
  explicit ImageFile(const Bytes& b) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
  }
  ~ImageFile() { fs::remove(path); }
};

// Header (entry 0x40100004, 2 segments), the extended header when asked,
// a 3-byte segment at 0x40100000 and an empty one at 0x3FFE0000, then the
// checksum at the end of its 16-byte line.
Bytes two_segments(bool extended) {
  Bytes b = {0xE9, 2, 0, 0, 0x04, 0x00, 0x10, 0x40};
  if (extended) b.insert(b.end(), 16, 0);
  Bytes segs = {0x00, 0x00, 0x10, 0x40, 3, 0, 0, 0, 1, 2, 3, 0x00, 0x00, 0xFE, 0x3F, 0, 0, 0, 0};
  b.insert(b.end(), segs.begin(), segs.end());
  b.resize((b.size() / 16 + 1) * 16, 0);
  return b;
}

std::string error_of(const Bytes& b, const char* chip) {
  ImageFile f(b);
  try {
    read_load_ram_image(f.path.string(), *find_chip(chip));
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    CHECK(std::string(e.what()).rfind(f.path.string() + ": ", 0) == 0);  // names the file first
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("load_ram image: segments and entry in the ESP8266 and the ESP32 header forms", "[load_ram]") {
  for (const char* chip : {"esp8266", "esp32", "esp32c3"}) {
    CAPTURE(chip);
    ImageFile f(two_segments(std::string(chip) != "esp8266"));
    auto img = read_load_ram_image(f.path.string(), *find_chip(chip));
    CHECK(img.entry == 0x40100004);
    REQUIRE(img.segments.size() == 2);
    CHECK(img.segments[0].addr == 0x40100000);
    // ImageSegment pads a segment with a load address to whole words, and
    // esptool's load_ram sends the padded bytes.
    CHECK(img.segments[0].data == Bytes{1, 2, 3, 0});
    CHECK(img.segments[1].addr == 0x3FFE0000);
    CHECK(img.segments[1].data.empty());
  }
}

TEST_CASE("load_ram image: missing, short, wrong magic, V2, too many and truncated segments are refused",
          "[load_ram]") {
  CHECK_THROWS_WITH(read_load_ram_image("/nonexistent/app.bin", *find_chip("esp32")),
                    "cannot read image file '/nonexistent/app.bin'");
  using Catch::Matchers::Contains;
  CHECK_THAT(error_of({0xE9, 0, 0}, "esp8266"), Contains("the 8-byte image header needs 8 bytes"));
  CHECK_THAT(error_of({0xE9, 0, 0, 0, 0, 0, 0, 0}, "esp32"), Contains("the 16-byte extended header"));
  CHECK_THAT(error_of({0xE8, 0, 0, 0, 0, 0, 0, 0}, "esp32"), Contains("Invalid firmware image magic=0xe8"));
  CHECK_THAT(error_of({0xE8, 0, 0, 0, 0, 0, 0, 0}, "esp8266"), Contains("Invalid image magic number: 232"));
  // A well-formed V2 image (IROM segment, then a V1 image): refused.
  Bytes v2 = {0xEA, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4, 0xE9, 0, 0, 0, 0, 0, 0, 0};
  v2.resize(32, 0);
  CHECK_THAT(error_of(v2, "esp8266"), Contains("ESP8266 V2 (OTA bootloader) image: its first segment is flash"));
  Bytes many = {0xE9, 17, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 17; ++i) many.insert(many.end(), {0, 0, 0x10, 0x40, 0, 0, 0, 0});
  many.resize((many.size() / 16 + 1) * 16, 0);
  CHECK_THAT(error_of(many, "esp8266"), Contains("Invalid segment count 17 (max 16)"));
  CHECK_THAT(error_of({0xE9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "esp8266"),
             Contains("the header of segment 0 needs 8 bytes"));
  CHECK_THAT(error_of({0xE9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x40, 0x00, 0x10, 0, 0, 1, 2}, "esp8266"),
             Contains("End of file reading segment 0x40100000, length 4096 (actual length 2)"));
  // No checksum byte: esptool's read_checksum needs it (ord of an empty read).
  CHECK_THAT(error_of({0xE9, 0, 0, 0, 0, 0, 0, 0}, "esp8266"), Contains("the checksum byte"));
}
