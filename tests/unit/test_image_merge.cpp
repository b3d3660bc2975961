// image/merge: merge_bin's raw, UF2 and Intel HEX bytes, worked out by hand
// from esptool v5.3.1 cmds.py merge_bin, uf2_writer.py and
// python-intelhex's write_hex_file (the records below are checked by their
// checksums: the two's complement of the sum of the record's bytes).
#include <catch2/catch.hpp>

#include "espbak/image/merge.hpp"
#include "espbak/util/md5.hpp"

using namespace espbak;
using image::PlacedFile;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::uint32_t u32(const Bytes& b, std::size_t at) {
  return std::uint32_t(b[at]) | std::uint32_t(b[at + 1]) << 8 | std::uint32_t(b[at + 2]) << 16 |
         std::uint32_t(b[at + 3]) << 24;
}

Bytes counting(std::size_t n, std::uint8_t from = 0) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = std::uint8_t(from + i);
  return b;
}

}  // namespace

TEST_CASE("merge_bin raw: 0xFF between the files, offsets less --target-offset, --pad-to-size", "[image][merge]") {
  std::vector<PlacedFile> files = {{0x1000, {1, 2, 3}}, {0x1008, {4}}};
  Bytes out = image::merge_raw(files, 0, 0);
  REQUIRE(out.size() == 0x1009);
  CHECK(std::all_of(out.begin(), out.begin() + 0x1000, [](auto b) { return b == 0xFF; }));
  CHECK(Bytes(out.begin() + 0x1000, out.end()) == Bytes{1, 2, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 4});
  Bytes shifted = image::merge_raw(files, 0x1000, 0);
  CHECK(shifted == Bytes{1, 2, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 4});
  Bytes padded = image::merge_raw(files, 0x1000, 0x2000);  // 4MB would be the same rule
  CHECK(padded.size() == 0x1000);
  CHECK(padded.back() == 0xFF);
  CHECK(image::merge_raw(files, 0, 0x100).size() == 0x1009);  // never shortened
}

TEST_CASE("merge_bin uf2: 512-byte blocks with the family id, MD5 part and per-file block numbers", "[image][merge]") {
  std::vector<PlacedFile> files = {{0x1000, counting(500)}, {0x8000, counting(4, 7)}};
  Bytes out = image::merge_uf2(files, 0x1C5F21B0, image::uf2_max_chunk(true), true);
  REQUIRE(out.size() == 3 * 512);
  // Block 0 of file 1: 452 bytes (476 less the 24-byte MD5 part).
  CHECK(u32(out, 0) == 0x0A324655);
  CHECK(u32(out, 4) == 0x9E5D5157);
  CHECK(u32(out, 8) == 0x6000);  // family id present | MD5 present
  CHECK(u32(out, 12) == 0x1000);
  CHECK(u32(out, 16) == 452);
  CHECK(u32(out, 20) == 0);
  CHECK(u32(out, 24) == 2);
  CHECK(u32(out, 28) == 0x1C5F21B0);
  CHECK(Bytes(out.begin() + 32, out.begin() + 32 + 452) == Bytes(counting(452)));
  CHECK(u32(out, 32 + 452) == 0x1000);  // MD5 part: address, length, digest
  CHECK(u32(out, 32 + 456) == 452);
  const Bytes first_chunk = counting(452);
  auto digest = Md5::of(first_chunk);
  CHECK(Bytes(out.begin() + 32 + 460, out.begin() + 32 + 476) == Bytes(digest.begin(), digest.end()));
  CHECK(u32(out, 508) == 0x0AB16F30);
  // Block 1: the remaining 48 bytes at 0x1000 + 452, zeros after the MD5 part.
  CHECK(u32(out, 512 + 12) == 0x11C4);
  CHECK(u32(out, 512 + 16) == 48);
  CHECK(u32(out, 512 + 20) == 1);
  CHECK(out[512 + 32 + 48 + 24] == 0);
  CHECK(u32(out, 512 + 508) == 0x0AB16F30);
  // The second file numbers its blocks from 0 again, of 1.
  CHECK(u32(out, 1024 + 12) == 0x8000);
  CHECK(u32(out, 1024 + 20) == 0);
  CHECK(u32(out, 1024 + 24) == 1);

  SECTION("--md5-disable --chunk-size 256") {
    Bytes plain = image::merge_uf2({{0x0, counting(500)}}, 0xD42BA06C, 256, false);
    REQUIRE(plain.size() == 2 * 512);
    CHECK(u32(plain, 8) == 0x2000);
    CHECK(u32(plain, 16) == 256);
    CHECK(u32(plain, 512 + 12) == 256);
    CHECK(u32(plain, 512 + 16) == 244);
    CHECK(std::all_of(plain.begin() + 512 + 32 + 244, plain.begin() + 512 + 508, [](auto b) { return b == 0; }));
    CHECK(image::uf2_max_chunk(false) == 476);
  }
}

TEST_CASE("merge_bin hex: 16-byte records, no address records below 64 KB", "[image][merge]") {
  std::string hex = image::merge_intel_hex({{0x100, counting(17)}});
  CHECK(hex ==
        ":10010000000102030405060708090A0B0C0D0E0F77\n"
        ":0101100010DE\n"
        ":00000001FF\n");
}

TEST_CASE("merge_bin hex: extended linear address records, records cut at 64 KB and at gaps, adjacent files joined",
          "[image][merge]") {
  std::vector<PlacedFile> files = {{0xFFF8, Bytes(8, 0xAA)}, {0x10000, Bytes(8, 0xAA)}, {0x10010, {1, 2, 3, 4}}};
  CHECK(image::merge_intel_hex(files) ==
        ":020000040000FA\n"
        ":08FFF800AAAAAAAAAAAAAAAAB1\n"
        ":020000040001F9\n"
        ":08000000AAAAAAAAAAAAAAAAA8\n"
        ":0400100001020304E2\n"
        ":00000001FF\n");
  CHECK(image::merge_intel_hex({}) == ":00000001FF\n");
}
