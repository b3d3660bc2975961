// The NVS reader (backup/nvs.hpp) against partitions Espressif's own
// generator wrote, pages the test-side builder lays out the same way, and
// each way a partition can be damaged.
//
// The fixtures in tests/fuzz/corpus/nvs/ (also the fuzzer's seeds) were made
// with esp-idf-nvs-partition-gen 67113ed (nvs_partition_gen.py) from this CSV,
// big.bin being bytes((i * 31 + 7) & 0xFF for i in range(5000)):
//   key,type,encoding,value
//   storage,namespace,,
//   count,data,u8,7
//   offset,data,i32,-42
//   big,data,u64,1311768467463790320
//   small,data,i8,-5
//   port,data,u16,8080
//   temp,data,i16,-300
//   boot,data,u32,4000000000
//   delta,data,i64,-9000000000
//   name,data,string,hello world
//   blob1,data,hex2bin,00112233445566778899aabbccddeeff0102030405
//   bigblob,file,binary,big.bin
//   wifi,namespace,,
//   ssid,data,string,MyNetwork
//   pass,data,base64,c2VjcmV0
// plain_v2.bin: `nvs_partition_gen.py generate v2.csv plain_v2.bin 0x5000`
// plain_v1.bin: the CSV without bigblob, `generate v1.csv plain_v1.bin 0x3000 --version 1`
// enc_v2.bin:   `nvs_partition_gen.py encrypt v2.csv enc_v2.bin 0x5000 --keygen --keyfile keys.bin`
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "nvs_builder.hpp"
#include "espbak/backup/nvs.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/md5.hpp"

using namespace espbak;
using namespace espbak::backup;
using test_nvs::Bytes;
using test_nvs::Page;

namespace {

Bytes fixture(const std::string& name) {
  std::ifstream in(std::string(ESPBAK_SOURCE_DIR) + "/tests/fuzz/corpus/nvs/" + name, std::ios::binary);
  REQUIRE(in);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string md5_hex(const Bytes& b) { return to_hex(Md5::of(b)); }

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}

Bytes big_blob() {
  Bytes b(5000);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = std::uint8_t((i * 31 + 7) & 0xFF);
  return b;
}

// The CSV above as nvs_partition_gen.py lays it out in v2: page 0 fills up
// with the first chunk of bigblob (its tailroom, 3552 bytes), the rest of it
// and its index go to page 1, which stays active.
Bytes generator_v2_layout() {
  using namespace test_nvs;
  Page p0(0, kV2), p1(1, kV2);
  p0.add_namespace("storage", 1);
  p0.add_int(1, U8, "count", 7);
  p0.add_int(1, I32, "offset", std::uint64_t(std::int64_t(-42)));
  p0.add_int(1, U64, "big", 1311768467463790320ull);
  p0.add_int(1, I8, "small", std::uint64_t(std::int64_t(-5)));
  p0.add_int(1, U16, "port", 8080);
  p0.add_int(1, I16, "temp", std::uint64_t(std::int64_t(-300)));
  p0.add_int(1, U32, "boot", 4000000000u);
  p0.add_int(1, I64, "delta", std::uint64_t(std::int64_t(-9000000000)));
  p0.add_string(1, "name", "hello world");
  const Bytes blob1 = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                       0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05};
  p0.add_var(1, BLOB_DATA, "blob1", blob1, 0);
  p0.add_blob_index(1, "blob1", 21, 1, 0);
  const Bytes big = big_blob();
  const std::size_t first = (kEntries - p0.next() - 1) * kEntry;
  p0.add_var(1, BLOB_DATA, "bigblob", Bytes(big.begin(), big.begin() + std::ptrdiff_t(first)), 0);
  p0.state = kFull;
  p1.add_var(1, BLOB_DATA, "bigblob", Bytes(big.begin() + std::ptrdiff_t(first), big.end()), 1);
  p1.add_blob_index(1, "bigblob", 5000, 2, 0);
  p1.add_namespace("wifi", 2);
  p1.add_string(2, "ssid", "MyNetwork");
  p1.add_var(2, BLOB_DATA, "pass", Bytes{'s', 'e', 'c', 'r', 'e', 't'}, 0);
  p1.add_blob_index(2, "pass", 6, 1, 0);
  return test_nvs::partition({p0, p1}, 5);
}

const NvsItem& item(const NvsPartition& nvs, const std::string& ns, const std::string& key) {
  for (const auto& space : nvs.namespaces)
    if (space.name == ns)
      for (const auto& it : space.items)
        if (it.key == key) return it;
  FAIL("no key " << ns << ":" << key);
  throw std::logic_error("unreachable");
}

std::string problems(const NvsPartition& nvs) {
  std::string all;
  for (const auto& p : nvs.problems) all += p.line() + "\n";
  return all;
}

std::string refusal(const Bytes& bytes) {
  try {
    parse_nvs(bytes);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the test builder's CRC32s are zlib.crc32(data, 0xFFFFFFFF), as nvs_partition_gen.py computes them",
          "[nvs]") {
  // Computed with Python 3.11's zlib:
  //   zlib.crc32(struct.pack('<I', 0) + b'\xfe' + b'\xff' * 19, 0xFFFFFFFF)  == 0xb9ba2d84
  //   zlib.crc32(struct.pack('<I', 1) + b'\xff' + b'\xff' * 19, 0xFFFFFFFF)  == 0x5df873e5
  //   zlib.crc32(b'hello world\0', 0xFFFFFFFF)                              == 0xcbf7eba3
  //   the namespace entry storage = 1 (bytes 0..3 and 8..31)                == 0x0750a909
  CHECK(le32(Page(0, test_nvs::kV2).bytes().data() + 28) == 0xb9ba2d84u);
  CHECK(le32(Page(1, test_nvs::kV1).bytes().data() + 28) == 0x5df873e5u);
  const std::uint8_t hello[] = "hello world";
  CHECK(test_nvs::crc32(hello, sizeof hello) == 0xcbf7eba3u);
  Page p(0);
  p.add_namespace("storage", 1);
  CHECK(le32(p.entry(0) + 4) == 0x0750a909u);
  // And the whole layout: the builder writes, byte for byte, what Espressif's
  // generator wrote from the CSV (md5sum plain_v2.bin).
  const Bytes built = generator_v2_layout();
  CHECK(md5_hex(built) == "3d2aa32d258bc8ac885d74008cdd1994");
  CHECK(built == fixture("plain_v2.bin"));
}

TEST_CASE("nvs_partition_gen.py's v2 partition reads back: namespaces, every type, strings, multi-page blobs",
          "[nvs]") {
  const NvsPartition nvs = parse_nvs(fixture("plain_v2.bin"));
  INFO(problems(nvs));
  CHECK(nvs.problems.empty());
  REQUIRE(nvs.pages.size() == 5);
  CHECK(nvs.pages[0].state == NvsPageState::full);
  CHECK(nvs.pages[1].state == NvsPageState::active);
  CHECK(nvs.pages[2].state == NvsPageState::empty);
  CHECK(nvs.pages[0].version() == 2);
  CHECK(nvs.pages[0].header_crc_ok);
  CHECK(nvs.pages[0].written == 126);
  CHECK(nvs.pages[1].written == 54);  // bigblob's 47, its index, wifi, ssid's 2, pass's 2 and its index
  CHECK(nvs.entries_written == 180);
  CHECK(nvs.entries_empty == 5 * 126 - 180);
  REQUIRE(nvs.namespaces.size() == 2);
  CHECK(*nvs.namespaces[0].name == "storage");
  CHECK(nvs.namespaces[0].index == 1);
  CHECK(*nvs.namespaces[1].name == "wifi");
  CHECK(nvs.item_count() == 13);
  CHECK(item(nvs, "storage", "count").bits == 7);
  CHECK(item(nvs, "storage", "offset").signed_value() == -42);
  CHECK(item(nvs, "storage", "big").bits == 1311768467463790320ull);
  CHECK(item(nvs, "storage", "small").signed_value() == -5);
  CHECK(item(nvs, "storage", "port").bits == 8080);
  CHECK(item(nvs, "storage", "temp").signed_value() == -300);
  CHECK(item(nvs, "storage", "boot").bits == 4000000000u);
  CHECK(item(nvs, "storage", "delta").signed_value() == -9000000000ll);
  CHECK(item(nvs, "storage", "delta").size == 8);
  const NvsItem& name = item(nvs, "storage", "name");
  CHECK(name.type == NvsType::str);
  CHECK(name.text() == "hello world");
  CHECK(name.size == 12);  // the terminator counts, as ESP-IDF's docs say
  const NvsItem& big = item(nvs, "storage", "bigblob");
  CHECK(big.type == NvsType::blob);
  CHECK(big.v2_blob);
  CHECK(big.chunks == 2);
  CHECK(big.valid);
  CHECK(big.data == big_blob());
  CHECK(big.page == 1);  // where its index is
  CHECK(item(nvs, "storage", "blob1").data.size() == 21);
  CHECK(item(nvs, "wifi", "ssid").text() == "MyNetwork");
  const NvsItem& pass = item(nvs, "wifi", "pass");
  CHECK(std::string(pass.data.begin(), pass.data.end()) == "secret");
  // Sorted by key within the namespace.
  CHECK(nvs.namespaces[0].items.front().key == "big");
}

TEST_CASE("nvs_partition_gen.py's v1 partition: version byte 0xFF, blobs as one BLOB item", "[nvs]") {
  const NvsPartition nvs = parse_nvs(fixture("plain_v1.bin"));
  INFO(problems(nvs));
  CHECK(nvs.problems.empty());
  CHECK(nvs.pages[0].version_byte == 0xFF);
  CHECK(nvs.pages[0].version() == 1);
  const NvsItem& blob1 = item(nvs, "storage", "blob1");
  CHECK(blob1.type == NvsType::blob);
  CHECK_FALSE(blob1.v2_blob);
  CHECK(blob1.data[1] == 0x11);
  CHECK(item(nvs, "wifi", "pass").size == 6);
  CHECK(nvs.item_count() == 12);
}

TEST_CASE("an NVS-encrypted partition (nvs_partition_gen.py encrypt) is recognised and refused", "[nvs]") {
  const std::string why = refusal(fixture("enc_v2.bin"));
  CHECK(why.find("NVS partition is encrypted (NVS encryption)") != std::string::npos);
  CHECK(why.find("cannot decrypt") != std::string::npos);
  // The same shape from the builder: plain headers and bitmaps, every
  // written entry pseudo-random (XTS-AES ciphertext looks no different).
  Page p(0);
  p.add_namespace("storage", 1);
  p.add_int(1, test_nvs::U32, "boot", 5);
  p.add_string(1, "s", std::string(40, 'x'));
  std::uint32_t x = 12345;
  for (std::size_t i = 0; i < p.next(); ++i)
    for (std::size_t b = 0; b < 32; ++b) p.entry(i)[b] = std::uint8_t((x = x * 1103515245 + 12345) >> 16);
  CHECK(refusal(test_nvs::partition({p}, 3)).find("encrypted (NVS encryption)") != std::string::npos);
}

TEST_CASE("bytes without NVS page states are refused: random, flash-encrypted, a whole-flash image", "[nvs]") {
  Bytes noise(3 * 4096);
  std::uint32_t x = 99;
  for (auto& b : noise) b = std::uint8_t((x = x * 1664525 + 1013904223) >> 24);
  CHECK(refusal(noise) == "not an NVS partition: none of its 3 pages holding data has an NVS page state (not NVS, "
                          "or encrypted by flash encryption)");
  // One NVS page among many that are something else.
  Bytes flash = noise;
  const Bytes nvs = generator_v2_layout();
  flash.insert(flash.end(), nvs.begin(), nvs.begin() + 4096);
  CHECK(refusal(flash) == "not an NVS partition: only 1 of its 4 pages holding data have an NVS page state (a "
                          "whole-flash image?)");
  CHECK(refusal(Bytes{}) == "NVS partition is empty (0 bytes)");
  CHECK(refusal(Bytes(5000, 0xFF)) ==
        "NVS partition is 5000 bytes, not a multiple of its 4096-byte pages (truncated?)");
}

TEST_CASE("an erased partition is an empty NVS: no namespaces, no problems", "[nvs]") {
  const NvsPartition nvs = parse_nvs(Bytes(3 * 4096, 0xFF));
  CHECK(nvs.problems.empty());
  CHECK(nvs.namespaces.empty());
  CHECK(nvs.pages.size() == 3);
  CHECK(nvs.entries_empty == 3 * 126);
  for (const auto& page : nvs.pages) CHECK(page.state == NvsPageState::empty);
}

TEST_CASE("strings spanning many entries, up to the page's last entry", "[nvs]") {
  Page p(0);
  p.add_namespace("ns", 1);
  const std::string long_text(200, 'a');
  p.add_string(1, "long", long_text);                // 201 bytes: head + 7 entries
  const std::string tail_text(116 * 32 - 1, 'z');     // head 9, data 10..125: the page's end
  CHECK(p.add_string(1, "tail", tail_text) == 9);
  CHECK(p.next() == 126);
  const NvsPartition nvs = parse_nvs(test_nvs::partition({p}, 2));
  INFO(problems(nvs));
  CHECK(nvs.problems.empty());
  CHECK(item(nvs, "ns", "long").text() == long_text);
  CHECK(item(nvs, "ns", "tail").text() == tail_text);
}

TEST_CASE("an entry with a bad CRC32 is one problem line, the page's other entries still read", "[nvs]") {
  Page p(0);
  p.add_namespace("ns", 1);
  const std::size_t bad = p.add_string(1, "broken", "some text that spans two entries..");
  p.add_int(1, test_nvs::U16, "after", 515);
  p.entry(bad)[10] ^= 0x01;  // a bit of the key flips: "brnken"
  const NvsPartition nvs = parse_nvs(test_nvs::partition({p}, 2));
  REQUIRE(nvs.problems.size() == 1);
  CHECK(nvs.problems[0].page == 0u);
  CHECK(nvs.problems[0].entry == 1u);
  CHECK(nvs.problems[0].line() ==
        fmt::format("page 0 entry 1: entry 'brnken' (string): CRC32 0x{:08x} does not match its bytes (0x{:08x})",
                    le32(p.entry(bad) + 4), test_nvs::entry_crc(p.entry(bad))));
  // Its data entries were skipped with it (its span still reads right), and
  // the next item is there.
  CHECK(item(nvs, "ns", "after").bits == 515);
  CHECK(nvs.item_count() == 1);
}

TEST_CASE("a page whose header CRC32 is wrong is reported and not read, as nvs_flash does", "[nvs]") {
  Page p0(0, test_nvs::kV2, test_nvs::kFull), p1(1);
  p0.add_namespace("ns", 1);
  p0.add_int(1, test_nvs::U8, "lost", 1);
  p0.header_crc = 0x12345678;
  p1.add_int(1, test_nvs::U8, "kept", 2);
  const NvsPartition nvs = parse_nvs(test_nvs::partition({p0, p1}, 3));
  REQUIRE(nvs.problems.size() == 2);
  CHECK(nvs.problems[0].line() == fmt::format("page 0: page header CRC32 0x12345678 does not match its bytes "
                                              "(0x{:08x}); the page is not read",
                                              le32(Page(0).bytes().data() + 28)));
  CHECK_FALSE(nvs.pages[0].read);
  CHECK_FALSE(nvs.pages[0].header_crc_ok);
  // Its namespace entry went with it: "kept" has an index nothing names.
  CHECK(nvs.problems[1].line() == "namespace index 1 is used by 1 key but no namespace entry names it");
  REQUIRE(nvs.namespaces.size() == 1);
  CHECK_FALSE(nvs.namespaces[0].name.has_value());
  CHECK(nvs.namespaces[0].items.at(0).key == "kept");
}

TEST_CASE("an updated key: the erased old value is skipped, the latest written one shown", "[nvs]") {
  Page p0(0, test_nvs::kV2, test_nvs::kFull), p1(1);
  p0.add_namespace("ns", 1);
  const std::size_t old = p0.add_string(1, "greeting", "hello");
  p0.erase(old, 2);
  p0.add_int(1, test_nvs::U32, "counter", 1);
  p1.add_int(1, test_nvs::U32, "counter", 2);  // written again, the old one not erased (power lost)
  p1.add_string(1, "greeting", "bonjour");
  const NvsPartition nvs = parse_nvs(test_nvs::partition({p1, p0}, 3));  // sequence numbers order them
  CHECK(item(nvs, "ns", "greeting").text() == "bonjour");
  CHECK(item(nvs, "ns", "counter").bits == 2);
  CHECK(nvs.entries_erased == 2);
  REQUIRE(nvs.problems.size() == 1);
  CHECK(nvs.problems[0].line() == "page 0 entry 0: u32 'counter' in namespace 'ns' is written twice (also at page 1 "
                                  "entry 3); the later one is used");
  // A page being freed holds copies of what the next page holds: no problem.
  p0.state = test_nvs::kFreeing;
  CHECK(parse_nvs(test_nvs::partition({p1, p0}, 3)).problems.empty());
}

TEST_CASE("v2 blobs: chunks over pages assembled, a missing chunk and a stray chunk reported", "[nvs]") {
  using namespace test_nvs;
  Page p0(0, kV2, kFull), p1(1);
  p0.add_namespace("ns", 1);
  p0.add_var(1, BLOB_DATA, "cal", Bytes(100, 0xA1), 0x80);  // version 1 chunks start at 0x80
  p1.add_var(1, BLOB_DATA, "cal", Bytes(30, 0xB2), 0x81);
  p1.add_blob_index(1, "cal", 130, 2, 0x80);
  p1.add_var(1, BLOB_DATA, "gap", Bytes(10, 1), 0);
  p1.add_blob_index(1, "gap", 20, 2, 0);
  p1.add_var(1, BLOB_DATA, "cal", Bytes(5, 0xC3), 0x00);  // the old version's chunk, left behind
  const NvsPartition nvs = parse_nvs(partition({p0, p1}, 3));
  const NvsItem& cal = item(nvs, "ns", "cal");
  CHECK(cal.valid);
  CHECK(cal.size == 130);
  CHECK(cal.chunks == 2);
  CHECK(cal.data.size() == 130);
  CHECK(cal.data[99] == 0xA1);
  CHECK(cal.data[100] == 0xB2);
  const NvsItem& gap = item(nvs, "ns", "gap");
  CHECK_FALSE(gap.valid);
  CHECK(gap.data.size() == 10);
  INFO(problems(nvs));
  REQUIRE(nvs.problems.size() == 2);
  CHECK(nvs.problems[0].line() == "page 1 entry 5: blob 'gap' in namespace 'ns': 1 of its 2 chunks missing: 1 "
                                  "(index 0x01)");
  CHECK(nvs.problems[1].line() == "page 1 entry 6: blob chunk 0x00 of blob 'cal' in namespace 'ns' belongs to no "
                                  "blob index (left over from an interrupted write; nvs_flash erases it)");
}

TEST_CASE("each header fault nvs_flash checks is a problem of its own", "[nvs]") {
  using namespace test_nvs;
  struct Case {
    const char* name;
    void (*damage)(Page&, std::size_t);
    std::string message;
  };
  const Case cases[] = {
      {"unknown type", [](Page& p, std::size_t i) { p.entry(i)[1] = 0x33; p.fix_crc(i); },
       "entry 'x' (0x33): unknown item type 0x33"},
      {"span past the page",
       [](Page& p, std::size_t i) {
         p.entry(i)[2] = 125;  // and a size of 4032 bytes to match
         p.entry(i)[24] = 0xC0;
         p.entry(i)[25] = 0x0F;
         p.fix_crc(i);
       },
       "entry 'x' (string): 4032 bytes in span 125 run past the end of the page (124 entries left)"},
      {"span against size", [](Page& p, std::size_t i) { p.entry(i)[2] = 3; p.fix_crc(i); },
       "entry 'x' (string): span 3 does not fit its size of 6 bytes"},
      {"no NUL in the key", [](Page& p, std::size_t i) { std::memset(p.entry(i) + 8, 'k', 16); p.fix_crc(i); },
       "entry 'kkkkkkkkkkkkkkkk' (string): its key has no NUL within 16 bytes"},
      {"data CRC", [](Page& p, std::size_t i) { p.entry(i + 1)[0] ^= 0xFF; },
       // zlib.crc32(b'hello\0', 0xFFFFFFFF) and the same with the first byte inverted
       "string 'x': data CRC32 0x98d28762 does not match its 6 bytes (0x7c162cae)"},
      {"written but erased", [](Page& p, std::size_t i) { std::memset(p.entry(i), 0xFF, 64); },
       "entry marked written holds nothing (all 0xFF)"},
      {"illegal state", [](Page& p, std::size_t i) { p.set_state(i, 1); p.set_state(i + 1, 1); },
       "entry state bits 01 (illegal: only an inconsistent flash has them)"},
      {"data entry not written", [](Page& p, std::size_t i) { p.set_state(i + 1, 0); },
       "string 'x' spans entries 2..3 but entry 3 is not marked written (an interrupted write; nvs_flash drops it)"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Page p(0);
    p.add_namespace("ns", 1);
    p.add_int(1, U8, "first", 1);
    const std::size_t at = p.add_string(1, "x", "hello");
    c.damage(p, at);
    const NvsPartition nvs = parse_nvs(partition({p}, 2));
    INFO(problems(nvs));
    REQUIRE(!nvs.problems.empty());
    CHECK(nvs.problems[0].page == 0u);
    CHECK(nvs.problems[0].entry == at);
    CHECK(nvs.problems[0].message.rfind(c.message, 0) == 0);
    CHECK(item(nvs, "ns", "first").bits == 1);
  }
}

TEST_CASE("page-level faults: an unknown state, a newer format, data on an empty page, a corrupt page", "[nvs]") {
  using namespace test_nvs;
  Page good(0);
  good.add_namespace("ns", 1);
  good.add_int(1, U8, "v", 9);
  Page odd(1), newer(2, 0xFD), stray(3, kV2, 0xFFFFFFFF), corrupt(4, kV2, 0xFFFFFFF0);
  odd.state = 0xFFFFFF00;
  newer.add_int(1, U8, "w", 3);
  stray.add_int(1, U8, "z", 4);
  corrupt.add_int(1, U8, "c", 5);
  const NvsPartition nvs = parse_nvs(partition({good, odd, newer, stray, corrupt}, 6));
  INFO(problems(nvs));
  REQUIRE(nvs.problems.size() == 4);
  CHECK(nvs.problems[0].line() == "page 1: page state 0xffffff00 is none of NVS's; the page is not read");
  CHECK(nvs.problems[1].line() == "page 2: page has NVS format version 3 (version byte 0xfd); espbak knows v1 and v2");
  CHECK(nvs.problems[2].line() ==
        "page 3: page marked empty (uninitialised) holds data; nvs_flash takes it for corrupt");
  CHECK(nvs.problems[3].line() == "page 4: page marked corrupt by nvs_flash; its entries are not read");
  CHECK(item(nvs, "ns", "w").bits == 3);  // read, though reported
  CHECK(nvs.item_count() == 2);
  CHECK(nvs.pages[4].state == NvsPageState::corrupt);
  CHECK(nvs.pages[1].state == NvsPageState::unknown);
}

TEST_CASE("namespace entries that are not u8, or out of range, are reported, and floats and doubles decode", "[nvs]") {
  using namespace test_nvs;
  Page p(0);
  p.add_int(0, U16, "wide", 1);
  p.add_namespace("zero", 0);
  p.add_namespace("ns", 1);
  float f = -1.5f;
  double d = 6.02214076e23;
  std::uint32_t fbits;
  std::uint64_t dbits;
  std::memcpy(&fbits, &f, 4);
  std::memcpy(&dbits, &d, 8);
  p.add_int(1, 0x24, "f", fbits);  // NVS_TYPE_FLOAT
  p.add_int(1, 0x28, "d", dbits);  // NVS_TYPE_DOUBLE
  const NvsPartition nvs = parse_nvs(partition({p}, 2));
  REQUIRE(nvs.problems.size() == 2);
  CHECK(nvs.problems[0].message == "namespace entry 'wide' has type u16, not u8; ignored");
  CHECK(nvs.problems[1].message == "namespace 'zero' has index 0 (1 to 254 are valid); ignored");
  CHECK(item(nvs, "ns", "f").floating_value() == -1.5);
  CHECK(item(nvs, "ns", "d").floating_value() == d);
  CHECK(nvs_type_name(0x24) == "float");
}
