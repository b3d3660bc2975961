// Partitions by name (issue 15): partition_table from a chip and from a
// file, and read_flash / write_flash / verify_flash / erase_region with
// --partition NAME, against espsim boards whose flash holds a table laid
// out here byte by byte as ESP-IDF's gen_esp32part.py writes it (32-byte
// entries "<2sBBLL16sL", the MD5 entry EB EB + 14 x FF + MD5, FF padding).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

#include "espbak/util/json.hpp"
#include "espbak/util/md5.hpp"
#include "harness.hpp"

using namespace e2e;

namespace {

constexpr std::size_t kFlashBytes = 1 << 20;

struct Entry {
  const char* name;
  std::uint8_t type, subtype;
  std::uint32_t offset, size, flags;
};

// ESP-IDF's partitions_singleapp.csv (nvs, phy_init, factory) with a
// SPIFFS partition flagged encrypted, shrunk to a 1 MB flash.
const std::vector<Entry> kTable = {
    {"nvs", 0x01, 0x02, 0x9000, 0x6000, 0},
    {"phy_init", 0x01, 0x01, 0xf000, 0x1000, 0},
    {"factory", 0x00, 0x00, 0x10000, 0x80000, 0},
    {"storage", 0x01, 0x82, 0x90000, 0x10000, 1},
};

// ESP8266_RTOS_SDK 3.x partitions_two_ota.1MB.csv.
const std::vector<Entry> kRtosTable = {
    {"nvs", 0x01, 0x02, 0x9000, 0x4000, 0},     {"otadata", 0x01, 0x00, 0xd000, 0x2000, 0},
    {"phy_init", 0x01, 0x01, 0xf000, 0x1000, 0}, {"ota_0", 0x00, 0x10, 0x10000, 0x70000, 0},
    {"ota_1", 0x00, 0x11, 0x80000, 0x70000, 0},
};

void put_le32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}

Bytes table_bytes(const std::vector<Entry>& entries, bool md5 = true) {
  Bytes out;
  for (const auto& e : entries) {
    out.push_back(0xAA);
    out.push_back(0x50);
    out.push_back(e.type);
    out.push_back(e.subtype);
    put_le32(out, e.offset);
    put_le32(out, e.size);
    const std::size_t n = std::min<std::size_t>(std::strlen(e.name), 16);  // NUL-padded to 16 bytes
    out.insert(out.end(), e.name, e.name + n);
    out.insert(out.end(), 16 - n, 0x00);
    put_le32(out, e.flags);
  }
  if (md5) {
    auto digest = espbak::Md5::of(out);
    out.push_back(0xEB);
    out.push_back(0xEB);
    out.insert(out.end(), 14, 0xFF);
    out.insert(out.end(), digest.begin(), digest.end());
  }
  out.resize(0xC00, 0xFF);
  return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

// A board with a 1 MB flash of random bytes (so that every write and
// erase shows) holding `table` at 0x8000 (none: the sector erased).
struct Board {
  TempDir dir;
  std::unique_ptr<Sim> sim;
  Bytes initial;
  Board(const std::string& chip, const Bytes& table, const std::vector<std::string>& extra = {})
      : initial(random_bytes(kFlashBytes, 15)) {
    std::fill(initial.begin() + 0x8000, initial.begin() + 0x9000, 0xFF);
    std::copy(table.begin(), table.end(), initial.begin() + 0x8000);
    SimOptions so;
    so.chip = chip;
    so.flash_size = "1MB";
    so.flash_file = (dir / "flash.bin").string();
    so.extra_args = extra;
    write_file(so.flash_file, initial);
    sim = std::make_unique<Sim>(dir, so);
  }
  RunResult run(std::vector<std::string> args) {
    std::vector<std::string> full = {"-p", sim->port()};
    full.insert(full.end(), args.begin(), args.end());
    return run_espbak(full, std::chrono::seconds(60));
  }
  Bytes flash() const { return read_file(sim->flash_file()); }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  std::string file(const std::string& name, const Bytes& data) {
    write_file(dir / name, data);
    return path(name);
  }
};

Bytes slice(const Bytes& b, std::size_t from, std::size_t n) {
  return Bytes(b.begin() + std::ptrdiff_t(from), b.begin() + std::ptrdiff_t(from + n));
}

// One error line holding `message`, exit `code`, the flash as it was.
void check_refused(Board& board, const RunResult& r, int code, const std::string& message) {
  INFO(describe(r) << "\nespsim:\n" << board.sim->log());
  CHECK(r.code == code);
  CHECK(line_count(r.err) == 1);
  CHECK(contains(r.err, message));
  CHECK(board.flash() == board.initial);
}

}  // namespace

TEST_CASE("partition_table prints the chip's table, as lines and as JSON", "[partitions]") {
  const char* chip = GENERATE("esp32", "esp32c3");
  CAPTURE(chip);
  Board board(chip, table_bytes(kTable));
  auto r = board.run({"partition_table"});
  INFO(describe(r) << "\nespsim:\n" << board.sim->log());
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Partition table at 0x8000: 4 entries\n"));
  CHECK(contains(r.out, "Name      Type  Subtype  Offset   Size     Flags\n"));
  CHECK(contains(r.out, "nvs       data  nvs      0x9000   0x6000\n"));
  CHECK(contains(r.out, "factory   app   factory  0x10000  0x80000\n"));
  CHECK(contains(r.out, "storage   data  spiffs   0x90000  0x10000  encrypted\n"));
  CHECK(contains(r.out, "MD5 of the table: ok\n"));

  auto j = board.run({"--json", "partition-table"});
  INFO(describe(j));
  REQUIRE(j.code == 0);
  const espbak::JsonValue doc = espbak::parse_json(j.out);
  const espbak::JsonValue* table = doc.find("partition_table");
  REQUIRE(table);
  CHECK(table->find("offset")->as_integer() == 0x8000);
  CHECK(table->find("md5_present")->as_bool() == true);
  const auto* parts = table->find("partitions")->as_array();
  REQUIRE(parts);
  REQUIRE(parts->size() == 4);
  CHECK(*(*parts)[0].find("name")->as_string() == "nvs");
  CHECK(*(*parts)[0].find("subtype")->as_string() == "nvs");
  CHECK((*parts)[2].find("offset")->as_integer() == 0x10000);
  CHECK((*parts)[3].find("encrypted")->as_bool() == true);
  CHECK(doc.find("ok")->as_bool() == true);
}

TEST_CASE("write_flash, verify_flash, read_flash and erase_region by partition name", "[partitions]") {
  const char* chip = GENERATE("esp32", "esp32c3");
  CAPTURE(chip);
  Board board(chip, table_bytes(kTable));
  const Bytes data = random_bytes(0x4000, 7);  // smaller than nvs (0x6000)
  const std::string in = board.file("nvs.bin", data);

  auto w = board.run({"write_flash", "--partition", "nvs", in});
  INFO(describe(w) << "\nespsim:\n" << board.sim->log());
  REQUIRE(w.code == 0);
  CHECK(contains(w.out, "Partition 'nvs' (data/nvs) at 0x9000, size 0x6000\n"));
  Bytes expected = board.initial;
  std::copy(data.begin(), data.end(), expected.begin() + 0x9000);
  CHECK(board.flash() == expected);

  auto v = board.run({"verify_flash", "--partition", "nvs", in});
  INFO(describe(v));
  CHECK(v.code == 0);
  CHECK(contains(v.out, "-- verify OK (digest matched)"));

  // The whole partition: the file, then what the rest of it held.
  auto r = board.run({"read_flash", "--partition", "nvs", board.path("back.bin")});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(read_file(board.path("back.bin")) == slice(expected, 0x9000, 0x6000));

  // An encrypted partition on a chip without flash encryption holds
  // plaintext: no ciphertext warning.
  auto s = board.run({"read_flash", "--partition", "storage", board.path("storage.bin")});
  INFO(describe(s));
  REQUIRE(s.code == 0);
  CHECK(contains(s.out, "Partition 'storage' (data/spiffs) at 0x90000, size 0x10000, encrypted\n"));
  CHECK_FALSE(contains(s.err, "ciphertext"));
  CHECK(read_file(board.path("storage.bin")) == slice(expected, 0x90000, 0x10000));

  auto e = board.run({"erase_region", "--partition", "phy_init"});
  INFO(describe(e));
  REQUIRE(e.code == 0);
  std::fill(expected.begin() + 0xf000, expected.begin() + 0x10000, 0xFF);
  CHECK(board.flash() == expected);
}

TEST_CASE("an unknown partition name is refused, naming the partitions there are", "[partitions]") {
  Board board("esp32", table_bytes(kTable));
  const std::string names = "no partition named 'nope' in the table at 0x8000 (it has: nvs, phy_init, factory, "
                            "storage)";
  const fs::path out = board.dir / "out.bin";
  check_refused(board, board.run({"read_flash", "--partition", "nope", out.string()}), 3, names);
  CHECK_FALSE(file_exists(out));
  CHECK(temporary_files(out).empty());
  const std::string in = board.file("in.bin", random_bytes(0x1000, 3));
  check_refused(board, board.run({"write_flash", "--partition", "nope", in}), 3, names);
  check_refused(board, board.run({"erase_region", "--partition", "nope"}), 3, names);
  check_refused(board, board.run({"verify_flash", "--partition", "nope", in}), 3, names);
}

TEST_CASE("a table with a bad MD5 or overlapping entries is refused and the flash left alone", "[partitions]") {
  SECTION("bad MD5") {
    Bytes table = table_bytes(kTable);
    table[4 * 32 + 20] ^= 0x01;  // a bit of the stored digest
    Board board("esp32c3", table);
    check_refused(board, board.run({"erase_region", "--partition", "nvs"}), 3,
                  "partition table at 0x8000: its MD5 entry does not match");
    check_refused(board, board.run({"partition_table"}), 3, "its MD5 entry does not match");
  }
  SECTION("overlapping entries") {
    auto entries = kTable;
    entries[1].offset = 0xe000;  // phy_init over the end of nvs (0x9000 + 0x6000)
    Board board("esp32", table_bytes(entries));
    const std::string in = board.file("in.bin", random_bytes(0x1000, 4));
    check_refused(board, board.run({"write_flash", "--partition", "nvs", in}), 3,
                  "partition 'phy_init' at 0xe000 overlaps 'nvs' (0x9000-0xefff)");
  }
}

TEST_CASE("write_flash --partition refuses a file larger than the partition before writing", "[partitions]") {
  Board board("esp32", table_bytes(kTable));
  const std::string big = board.file("big.bin", random_bytes(0x1001, 5));  // phy_init is 0x1000
  check_refused(board, board.run({"write_flash", "--partition", "phy_init", big}), 3,
                "is larger than the partition (0x1000 = 4096 bytes); nothing written");
}

TEST_CASE("an ESP8266 without a table refuses in a line that says why, one with an RTOS SDK table works", "[partitions]") {
  SECTION("no table") {
    Board board("esp8266", {});
    const fs::path out = board.dir / "out.bin";
    const std::string why = "no partition table at 0x8000: the sector is erased; an ESP8266 has a partition table "
                            "only with ESP8266_RTOS_SDK 3.x firmware";
    check_refused(board, board.run({"read_flash", "--partition", "nvs", out.string()}), 3, why);
    CHECK_FALSE(file_exists(out));
    check_refused(board, board.run({"partition_table"}), 3, why);
  }
  SECTION("ESP8266_RTOS_SDK table") {
    Board board("esp8266", table_bytes(kRtosTable));
    auto t = board.run({"partition_table"});
    INFO(describe(t) << "\nespsim:\n" << board.sim->log());
    REQUIRE(t.code == 0);
    CHECK(contains(t.out, "ota_1     app   ota_1    0x80000  0x70000\n"));
    const Bytes data = random_bytes(0x2000, 9);
    auto w = board.run({"write_flash", "--partition", "otadata", board.file("ota.bin", data)});
    INFO(describe(w));
    REQUIRE(w.code == 0);
    CHECK(contains(w.out, "Partition 'otadata' (data/ota) at 0xd000, size 0x2000\n"));
    CHECK(slice(board.flash(), 0xd000, 0x2000) == data);
  }
}

TEST_CASE("read_flash --partition of an encrypted partition warns where flash encryption is on", "[partitions]") {
  Board board("esp32", table_bytes(kTable), {"--efuse", "FLASH_CRYPT_CNT=1"});
  auto r = board.run({"read_flash", "--partition", "storage", board.path("s.bin")});
  INFO(describe(r) << "\nespsim:\n" << board.sim->log());
  REQUIRE(r.code == 0);
  CHECK(contains(flat(r), "Partition 'storage' is encrypted and the chip's flash encryption is on: the bytes read "
                          "are ciphertext"));
  CHECK(read_file(board.path("s.bin")) == slice(board.initial, 0x90000, 0x10000));
}

TEST_CASE("partition_table FILE reads a flash backup or a bare table, and refuses anything else", "[partitions]") {
  TempDir dir;
  const Bytes table = table_bytes(kTable, false);  // no MD5 entry
  Bytes backup(0x10000, 0xFF);
  std::copy(table.begin(), table.end(), backup.begin() + 0x8000);
  write_file(dir / "backup.bin", backup);
  write_file(dir / "table.bin", table);
  for (const char* name : {"backup.bin", "table.bin"}) {
    CAPTURE(name);
    auto r = run_espbak({"partition_table", (dir / name).string()});
    INFO(describe(r));
    CHECK(r.code == 0);
    CHECK(contains(r.out, "phy_init  data  phy      0xf000   0x1000\n"));
    CHECK(contains(r.out, "MD5 of the table: none"));
  }
  auto moved = run_espbak({"partition-table", "--partition-table-offset", "0x9000", (dir / "backup.bin").string()});
  CHECK(moved.code == 3);
  CHECK(line_count(moved.err) == 1);
  CHECK(contains(moved.err, "no partition table at 0x9000: the sector is erased"));

  auto missing = run_espbak({"partition_table", (dir / "missing.bin").string()});
  CHECK(missing.code == 3);
  CHECK(line_count(missing.err) == 1);
  CHECK(contains(missing.err, "cannot open"));

  write_file(dir / "short.bin", random_bytes(0x1000, 1));
  auto junk = run_espbak({"partition_table", (dir / "short.bin").string()});
  CHECK(junk.code == 3);
  CHECK(line_count(junk.err) == 1);
  CHECK(contains(junk.err, "is not a partition table (no AA 50 at its start) and, 4096 bytes long, not a flash "
                           "backup reaching the table at 0x8000"));
}

TEST_CASE("ADDRESS or SIZE given with --partition is a one-line usage error, before the port is opened", "[partitions]") {
  // No chip on that port: the lines are refused before it is opened.
  const std::string port = "socket://127.0.0.1:1";
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const Case cases[] = {
      {{"read_flash", "--partition", "nvs", "0", "0x1000", "out.bin"},
       "read_flash --partition NAME FILE: ADDRESS and SIZE come from the partition; give only FILE (got 3 "
       "arguments)"},
      {{"read_flash", "--partition", "nvs"}, "read_flash --partition NAME FILE: FILE is missing"},
      {{"write_flash", "--partition", "nvs", "0x9000", "nvs.bin"},
       "write_flash --partition NAME FILE: ADDRESS comes from the partition; give only FILE (got 2 arguments)"},
      {{"verify_flash", "--partition", "nvs"}, "verify_flash --partition NAME FILE: FILE is missing"},
      {{"erase_region", "--partition", "nvs", "0x9000"},
       "erase_region --partition NAME: ADDRESS and SIZE come from the partition; give no arguments (got 1 "
       "argument)"},
      {{"read_flash", "--partition-table-offset", "0x9000", "0", "16", "out.bin"},
       "--partition-table-offset is for read_flash --partition NAME FILE"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"-p", port};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_espbak(args);
    INFO(describe(r));
    CHECK(r.code == 2);
    CHECK(line_count(r.err) == 1);
    CHECK(contains(r.err, c.message));
  }
}
