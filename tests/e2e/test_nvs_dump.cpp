// nvs_dump as a user runs it (issue 15): an NVS partition image, a
// whole-flash backup with its partition table, and the partition read from
// a simulated board. The pages come from tests/support/nvs_builder.hpp,
// which writes what nvs_partition_gen.py writes (tests/unit/test_nvs.cpp
// checks it byte for byte against the generator's output).
#include <catch2/catch.hpp>

#include <cstring>

#include "harness.hpp"
#include "../support/nvs_builder.hpp"
#include "espbak/util/json.hpp"
#include "espbak/util/md5.hpp"

using namespace e2e;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Namespace "app": a counter, a string, a v2 blob over two pages; "wifi": an
// updated SSID (the old one erased).
Bytes sample_nvs() {
  using namespace test_nvs;
  Page p0(0, kV2, kFull), p1(1);
  p0.add_namespace("app", 1);
  p0.add_int(1, U32, "boots", 42);
  p0.add_int(1, I8, "offset", std::uint64_t(std::int64_t(-3)));
  p0.add_string(1, "greeting", "hi \"there\"\n");
  p0.add_var(1, BLOB_DATA, "cal", Bytes(3000, 0x5A), 0);
  p0.add_namespace("wifi", 2);
  const std::size_t old = p0.add_string(2, "ssid", "OldNet");
  p0.erase(old, 2);
  p1.add_var(1, BLOB_DATA, "cal", Bytes(100, 0xA5), 1);
  p1.add_blob_index(1, "cal", 3100, 2, 0);
  p1.add_string(2, "ssid", "HomeNet");
  return partition({p0, p1}, 6);  // the 0x6000 bytes of ESP-IDF's default nvs partition
}

// A binary partition table as gen_esp32part.py writes it: entries, the MD5
// entry, FF up to 0xC00.
struct Part {
  const char* name;
  std::uint8_t type, subtype;
  std::uint32_t offset, size;
};
Bytes table(const std::vector<Part>& parts) {
  Bytes t;
  for (const auto& p : parts) {
    std::uint8_t e[32] = {0xAA, 0x50, p.type, p.subtype};
    test_nvs::put32(e + 4, p.offset);
    test_nvs::put32(e + 8, p.size);
    std::strncpy(reinterpret_cast<char*>(e + 12), p.name, 16);
    t.insert(t.end(), e, e + 32);
  }
  const auto md5 = espbak::Md5::of(t);
  t.insert(t.end(), {0xEB, 0xEB});
  t.insert(t.end(), 14, 0xFF);
  t.insert(t.end(), md5.begin(), md5.end());
  t.resize(0xC00, 0xFF);
  return t;
}

// A 1 MB flash: the table at 0x8000, `nvs` at 0x9000, and another NVS
// partition at 0xF000 when `second` is set.
Bytes flash_with_nvs(const Bytes& nvs, bool second = false) {
  Bytes flash(1u << 20, 0xFF);
  std::vector<Part> parts = {{"nvs", 1, 2, 0x9000, 0x6000}, {"factory", 0, 0, 0x10000, 0x80000}};
  if (second) parts.insert(parts.begin() + 1, Part{"nvs2", 1, 2, 0xF000, 0x1000});
  const Bytes t = table(parts);
  std::copy(t.begin(), t.end(), flash.begin() + 0x8000);
  std::copy(nvs.begin(), nvs.end(), flash.begin() + 0x9000);
  if (second) {
    test_nvs::Page other(0);
    other.add_namespace("extra", 1);
    other.add_int(1, test_nvs::U8, "flag", 1);
    const Bytes b = other.bytes();
    std::copy(b.begin(), b.end(), flash.begin() + 0xF000);
  }
  return flash;
}

void check_sample_listing(const RunResult& r) {
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Namespace \"app\" (index 1), 4 keys:\n"
                        "  boots     u32     42\n"
                        "  cal       blob    3100 bytes: 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a ... (2 chunks)\n"
                        "  greeting  string  \"hi \\\"there\\\"\\n\"\n"
                        "  offset    i8      -3\n"
                        "Namespace \"wifi\" (index 2), 1 key:\n"
                        "  ssid  string  \"HomeNet\"\n"));
  // Page 0: entries 0..100 written, the old SSID's 2 erased; page 1: 8 written.
  CHECK(contains(r.out, "6 pages (2 in use), entries: 109 written, 2 erased, 645 empty; 5 keys in 2 namespaces; 0 "
                        "problems\n"));
}

const espbak::JsonValue* entry_of(const espbak::JsonValue& nvs, const std::string& ns, const std::string& key) {
  for (const auto& space : *nvs.find("namespaces")->as_array())
    if (const auto* name = space.find("name")->as_string(); name && *name == ns)
      for (const auto& e : *space.find("entries")->as_array())
        if (*e.find("key")->as_string() == key) return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("nvs_dump FILE lists an NVS partition image per namespace, and --json gives every value", "[nvs][cli]") {
  TempDir dir;
  write_file(dir / "nvs.bin", sample_nvs());
  for (const char* spelling : {"nvs_dump", "nvs-dump"})
    check_sample_listing(run_espbak({spelling, (dir / "nvs.bin").string()}));

  auto r = run_espbak({"--json", "nvs_dump", (dir / "nvs.bin").string()});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  const espbak::JsonValue j = espbak::parse_json(r.out);
  CHECK(*j.find("ok")->as_bool());
  const espbak::JsonValue& nvs = *j.find("nvs");
  CHECK(nvs.find("size")->as_integer() == 6 * 4096);
  CHECK(nvs.find("problems")->as_array()->empty());
  CHECK(nvs.find("pages")->as_array()->size() == 6);
  CHECK(*nvs.find("pages")->as_array()->at(0).find("state")->as_string() == "full");
  CHECK(nvs.find("summary")->find("keys")->as_integer() == 5);
  const auto* offset = entry_of(nvs, "app", "offset");
  REQUIRE(offset);
  CHECK(offset->find("value")->as_integer() == -3);
  CHECK(*offset->find("type")->as_string() == "i8");
  const auto* greeting = entry_of(nvs, "app", "greeting");
  REQUIRE(greeting);
  CHECK(*greeting->find("value")->as_string() == "hi \"there\"\n");
  CHECK(greeting->find("size")->as_integer() == 12);  // with its NUL
  CHECK(*greeting->find("encoding")->as_string() == "utf-8");
  const auto* cal = entry_of(nvs, "app", "cal");
  REQUIRE(cal);
  CHECK(*cal->find("encoding")->as_string() == "base64");
  CHECK(cal->find("chunks")->as_integer() == 2);
  CHECK(cal->find("value")->as_string()->substr(0, 8) == "WlpaWlpa");  // 5a 5a 5a 5a 5a 5a
  CHECK(*cal->find("valid")->as_bool());
}

TEST_CASE("nvs_dump on a whole-flash backup dumps its table's data/nvs partition, several need --partition",
          "[nvs][cli]") {
  TempDir dir;
  const std::string one = (dir / "one.bin").string(), two = (dir / "two.bin").string();
  write_file(one, flash_with_nvs(sample_nvs()));
  write_file(two, flash_with_nvs(sample_nvs(), true));
  auto r = run_espbak({"nvs_dump", one});
  check_sample_listing(r);
  CHECK(contains(r.out, "a whole-flash backup; dumping partition 'nvs' at 0x9000 (24576 bytes)"));

  auto several = run_espbak({"nvs_dump", two});
  CHECK(several.code == 2);
  CHECK(several.err == "espbak: error: the partition table at 0x8000 has 2 NVS partitions (nvs, nvs2); choose one "
                       "with --partition NAME\n");
  auto chosen = run_espbak({"--json", "nvs_dump", "--partition", "nvs2", two});
  INFO(describe(chosen));
  REQUIRE(chosen.code == 0);
  const auto j = espbak::parse_json(chosen.out);
  CHECK(*j.find("partition")->find("name")->as_string() == "nvs2");
  CHECK(entry_of(*j.find("nvs"), "extra", "flag")->find("value")->as_integer() == 1);

  auto not_nvs = run_espbak({"nvs_dump", "--partition", "factory", one});
  CHECK(not_nvs.code == 3);
  CHECK(not_nvs.err == "espbak: error: partition 'factory' is app/factory, not data/nvs\n");
  auto elsewhere = run_espbak({"nvs_dump", "--partition-table-offset", "0x10000", "--partition", "nvs", one});
  CHECK(elsewhere.code == 3);
  CHECK(contains(elsewhere.err, "holds no partition table at 0x10000"));
  Bytes cut = read_file(one);
  cut.resize(0xC000);
  write_file(dir / "cut.bin", cut);
  auto truncated = run_espbak({"nvs_dump", (dir / "cut.bin").string()});
  CHECK(truncated.code == 3);
  CHECK(contains(truncated.err, "is 49152 bytes: partition 'nvs' at 0x9000 (24576 bytes) ends past it"));
}

TEST_CASE("nvs_dump of a damaged partition warns once per problem and exits 0, unusable input is refused",
          "[nvs][cli][errors]") {
  TempDir dir;
  Bytes nvs = sample_nvs();
  nvs[64 + 32 * 1 + 9] ^= 0x20;  // a bit of "boots"' key: its entry CRC no longer matches
  nvs[4096 + 28] ^= 0x01;        // page 1's header CRC
  write_file(dir / "bad.bin", nvs);
  auto r = run_espbak({"nvs_dump", (dir / "bad.bin").string()});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  // Page 1 unread, the first chunk of "cal" has no index left.
  CHECK(line_count(r.err) == 3);
  CHECK(contains(r.err, "Warning: page 0 entry 1: entry 'bOots' (u32): CRC32 0x"));
  CHECK(contains(r.err, "Warning: page 1: page header CRC32 0x"));
  CHECK(contains(r.err, "Warning: page 0 entry 5: blob chunk 0x00 of blob 'cal' in namespace 'app' belongs to no "
                        "blob index"));
  CHECK(contains(r.out, "; 3 problems\n"));
  CHECK(contains(r.out, "Namespace \"wifi\" (index 2), 0 keys:\n"));
  CHECK_FALSE(contains(r.out, "boots"));

  struct Case {
    const char* name;
    Bytes bytes;
    int code;
    const char* says;
  };
  Bytes random = random_bytes(3 * 4096, 9);
  Bytes encrypted = sample_nvs();
  // Every entry ciphertext, page headers and bitmaps plain (as NVS encryption leaves them).
  for (std::size_t page = 0; page < 2; ++page)
    for (std::size_t at = 64; at < 4096; ++at) encrypted[page * 4096 + at] = random[page * 4096 + at];
  const Case cases[] = {
      {"not a whole page", Bytes(4097, 0xFF), 3, "not a multiple of its 4096-byte pages"},
      {"empty", Bytes{}, 3, "NVS partition is empty (0 bytes)"},
      {"random bytes", random, 3, "not an NVS partition: none of its 3 pages holding data has an NVS page state"},
      {"NVS-encrypted", encrypted, 3, "NVS partition is encrypted (NVS encryption)"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    write_file(dir / "in.bin", c.bytes);
    auto refused = run_espbak({"nvs_dump", (dir / "in.bin").string()});
    INFO(describe(refused));
    CHECK(refused.code == c.code);
    CHECK(line_count(refused.err) == 1);
    CHECK(contains(refused.err, c.says));
    CHECK(refused.out.empty());
  }
  auto missing = run_espbak({"nvs_dump", (dir / "missing.bin").string()});
  CHECK(missing.code == 3);
  CHECK(contains(missing.err, "cannot open"));
  auto neither = run_espbak({"nvs_dump"});
  CHECK(neither.code == 2);
  CHECK(contains(neither.err, "give FILE (an NVS partition image or a whole-flash backup) or --partition NAME"));
}

TEST_CASE("nvs_dump --partition nvs reads the partition from the board, which it leaves unchanged", "[nvs][cli]") {
  TempDir dir;
  SimOptions so;
  so.chip = GENERATE("esp32", "esp32c3");
  so.flash_size = "1MB";
  CAPTURE(so.chip);
  write_file(dir / "flash.bin", flash_with_nvs(sample_nvs(), true));
  Sim sim(dir, so);
  const Bytes before = read_file(sim.flash_file());
  auto r = run_espbak({"-p", sim.port(), "nvs_dump", "--partition", "nvs"});
  check_sample_listing(r);
  CHECK(contains(r.out, "Reading partition 'nvs' at 0x9000 (24576 bytes)..."));
  auto j = run_espbak({"-p", sim.port(), "--json", "nvs_dump", "--partition", "nvs2"});
  INFO(describe(j));
  REQUIRE(j.code == 0);
  const auto result = espbak::parse_json(j.out);
  CHECK(result.find("partition")->find("offset")->as_integer() == 0xF000);
  CHECK(result.find("nvs")->find("summary")->find("keys")->as_integer() == 1);
  auto unknown = run_espbak({"-p", sim.port(), "nvs_dump", "--partition", "nope"});
  CHECK(unknown.code == 3);
  CHECK(contains(unknown.err, "no partition named 'nope' in the table at 0x8000 (it has: nvs, nvs2, factory)"));
  CHECK(read_file(sim.flash_file()) == before);
}
