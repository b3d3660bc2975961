// ops/image: padding, region checks, SHA-256 and bootloader header patching.
#include <catch2/catch.hpp>

#include "espbak/ops/image.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/md5.hpp"

using namespace espbak;

namespace {

std::string sha_hex(std::string_view text) {
  auto d = sha256(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  return to_hex(d);
}

FlashRegion region(std::uint32_t address, std::size_t size, const char* name = "f.bin") {
  FlashRegion r;
  r.address = address;
  r.file = name;
  r.data.assign(size, 0xAB);
  return r;
}

// A minimal ESP32 image: header, extended header, one 16-byte segment,
// padding + checksum, and (optionally) the appended SHA-256.
Bytes esp32_image(bool with_sha) {
  Bytes img = {kImageMagic, 1, 0x02 /*dio*/, 0x20 /*4MB, 40m*/, 0x00, 0x00, 0x08, 0x40};
  Bytes ext(16, 0);
  ext[15] = with_sha ? 1 : 0;
  img.insert(img.end(), ext.begin(), ext.end());
  put_u32(img, 0x3FFB0000);
  put_u32(img, 16);
  for (int i = 0; i < 16; ++i) img.push_back(std::uint8_t(i));
  while (img.size() % 16 != 15) img.push_back(0);
  img.push_back(0x5A);  // checksum byte (not checked by the patcher)
  if (with_sha) {
    auto d = sha256(img);
    img.insert(img.end(), d.begin(), d.end());
  }
  return img;
}

}  // namespace

TEST_CASE("sha256 matches the FIPS 180-2 examples") {
  CHECK(sha_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the length no longer fits in the first padded block.
  CHECK(sha_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("pad_to pads with 0xFF to the alignment") {
  CHECK(pad_to(Bytes{1, 2, 3}, 4) == Bytes{1, 2, 3, 0xFF});
  CHECK(pad_to(Bytes{1, 2, 3, 4}, 4) == Bytes{1, 2, 3, 4});
  CHECK(pad_to(Bytes{}, 4).empty());
}

TEST_CASE("regions that share a flash sector overlap") {
  CHECK_NOTHROW(check_no_overlap({region(0, 0x1000), region(0x1000, 0x800)}));
  CHECK_NOTHROW(check_no_overlap({region(0x10000, 0x10), region(0, 0x1000)}));  // order does not matter
  CHECK_THROWS_AS(check_no_overlap({region(0, 0x1001), region(0x1000, 0x10)}), Error);
  // 0x1800 is in the sector 0x1000..0x1FFF that the first region's tail erases.
  CHECK_THROWS_AS(check_no_overlap({region(0x1000, 0x10), region(0x1800, 0x10)}), Error);
  try {
    check_no_overlap({region(0, 0x2000, "a.bin"), region(0x1000, 4, "b.bin")});
    FAIL("no overlap reported");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    CHECK(std::string(e.what()).find("b.bin") != std::string::npos);
  }
}

TEST_CASE("regions must end inside the flash") {
  CHECK_NOTHROW(check_regions_fit({region(0xF0000, 0x10000)}, 0x100000));
  CHECK_THROWS_AS(check_regions_fit({region(0xF0000, 0x10001)}, 0x100000), Error);
}

TEST_CASE("image layout finds the checksum and the appended digest") {
  const ChipInfo& esp32 = chip(ChipId::esp32);
  Bytes img = esp32_image(true);
  auto layout = parse_image_layout(esp32, img);
  REQUIRE(layout);
  CHECK(layout->sha256_appended);
  CHECK(layout->data_length + 32 == img.size());
  // Truncated digest: not an image we may patch.
  img.resize(img.size() - 1);
  CHECK_FALSE(parse_image_layout(esp32, img));
  CHECK_FALSE(parse_image_layout(esp32, Bytes{0x00, 1, 2, 3, 4, 5, 6, 7}));
}

TEST_CASE("header patching follows esptool _update_image_flash_params") {
  const ChipInfo& esp32 = chip(ChipId::esp32);
  FlashParams params;
  params.mode = "qio";
  params.freq = "80m";
  params.size = "8MB";

  SECTION("only at the bootloader offset") {
    Bytes img = esp32_image(false);
    CHECK(patch_image_header(esp32, 0x0, params, img).image == img);
    CHECK(patch_image_header(esp32, 0x10000, params, img).image == img);
  }
  SECTION("keep everything: untouched") {
    Bytes img = esp32_image(true);
    CHECK(patch_image_header(esp32, 0x1000, FlashParams{}, img).image == img);
  }
  SECTION("mode, size and freq from the chip row; SHA-256 recomputed") {
    Bytes img = esp32_image(true);
    auto out = patch_image_header(esp32, 0x1000, params, img);
    REQUIRE(out.image.size() == img.size());
    CHECK(out.image[2] == 0x00);         // qio
    CHECK(out.image[3] == (0x30 | 0xF));  // 8MB | 80m
    std::size_t data_length = img.size() - 32;
    auto digest = sha256(std::span(out.image.data(), data_length));
    CHECK(Bytes(out.image.begin() + std::ptrdiff_t(data_length), out.image.end()) == Bytes(digest.begin(), digest.end()));
    CHECK(Bytes(img.begin() + std::ptrdiff_t(data_length), img.end()) != Bytes(digest.begin(), digest.end()));
    REQUIRE(out.notes.size() == 2);
    CHECK(out.notes[0] == "Flash params set to 0x003f");
  }
  SECTION("ESP8266 images sit at 0 and have no digest") {
    const ChipInfo& esp8266 = chip(ChipId::esp8266);
    Bytes img = {kImageMagic, 0, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
    FlashParams p;
    p.size = "4MB";
    p.mode = "dout";
    auto out = patch_image_header(esp8266, 0, p, img);
    CHECK(out.image[2] == 3);
    CHECK(out.image[3] == 0x40);
    CHECK(out.image.size() == img.size());
  }
  SECTION("data that is not an image is left alone with a warning") {
    Bytes junk(64, 0x11);
    auto out = patch_image_header(esp32, 0x1000, params, junk);
    CHECK(out.image == junk);
    REQUIRE(out.warnings.size() == 1);
    CHECK(out.warnings[0].find("doesn't look like an image") != std::string::npos);
  }
  SECTION("values the chip does not know are refused") {
    FlashParams bad;
    bad.size = "2MB-c1";  // an ESP8266-only layout
    CHECK_THROWS_AS(check_flash_params(esp32, bad), Error);
    CHECK_NOTHROW(check_flash_params(chip(ChipId::esp8266), bad));
  }
}
