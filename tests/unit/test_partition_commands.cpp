// partition_table's lines, the --partition line, reading a table from a
// file (a bare table or a flash backup), and the command line: with
// --partition the flash commands' positionals may be left out.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cli11_parser.hpp"
#include "command_table.hpp"
#include "espbak/backup/partition_table.hpp"
#include "espbak/ops/partitions.hpp"
#include "espbak/util/error.hpp"

using namespace espbak;
using namespace espbak::backup;

namespace {

std::vector<Partition> entries() {
  return {
      {.name = "nvs", .type = kTypeData, .subtype = kSubtypeDataNvs, .offset = 0x9000, .size = 0x6000},
      {.name = "app_with_long_n", .type = kTypeApp, .subtype = 0x10, .offset = 0x10000, .size = 0x100000,
       .flags = kFlagEncrypted | kFlagReadonly},
      {.name = "custom", .type = 0x40, .subtype = 0x07, .offset = 0x110000, .size = 0x1000, .flags = kFlagReadonly},
  };
}

std::string error_of(std::span<const std::uint8_t> bytes, std::uint32_t offset) {
  try {
    partition_table_from_file(bytes, offset, "f.bin");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    return e.what();
  }
  return "";
}

// Parses `words` (after the program name) with the real command table.
struct Parsed {
  std::unique_ptr<cli::Cli11Parser> parser = std::make_unique<cli::Cli11Parser>(cli::program_spec());
  std::string error;  // the usage line, "" when it parsed
  explicit Parsed(std::vector<std::string> words) {
    words.insert(words.begin(), "espbak");
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    try {
      parser->parse(int(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      error = parser->usage_error_message(e).line;
    }
  }
  const cli::ParsedArgs& args() const { return parser->args_of(parser->chosen()); }
};

}  // namespace

TEST_CASE("partition_table lines: a column each for name, type, subtype, offset, size and flags", "[partition]") {
  auto table = parse_partition_table(serialize_partition_table(entries()));
  CHECK(partition_table_lines(table) == std::vector<std::string>{
                                            "Partition table at 0x8000: 3 entries",
                                            "Name             Type  Subtype  Offset    Size      Flags",
                                            "nvs              data  nvs      0x9000    0x6000",
                                            "app_with_long_n  app   ota_0    0x10000   0x100000  encrypted:readonly",
                                            "custom           0x40  0x07     0x110000  0x1000    readonly",
                                            "MD5 of the table: ok",
                                        });
  auto bare = parse_partition_table(serialize_partition_table({entries()[2]}, false), 0x9000);
  auto lines = partition_table_lines(bare);
  CHECK(lines.front() == "Partition table at 0x9000: 1 entry");
  CHECK(lines.back() == "MD5 of the table: none (the table has no MD5 entry, nothing to check)");
}

TEST_CASE("the --partition line names the partition, its type, place and flags", "[partition]") {
  CHECK(partition_line(entries()[0]) == "Partition 'nvs' (data/nvs) at 0x9000, size 0x6000");
  // A name's control bytes are escaped, in the line and in the table's rows.
  auto odd = entries()[0];
  odd.name = "a\nb";
  CHECK(partition_line(odd) == "Partition 'a\\x0ab' (data/nvs) at 0x9000, size 0x6000");
  auto lines = partition_table_lines(parse_partition_table(serialize_partition_table({odd})));
  CHECK(lines[2].rfind("a\\x0ab  ", 0) == 0);
  CHECK(partition_line(entries()[1]) ==
        "Partition 'app_with_long_n' (app/ota_0) at 0x10000, size 0x100000, encrypted:readonly");
}

TEST_CASE("a table file is a bare table or a flash backup covering the table's offset", "[partition]") {
  const auto table = serialize_partition_table(entries());
  CHECK(partition_table_from_file(table, 0x8000, "t.bin").entries.size() == 3);
  std::vector<std::uint8_t> backup(0x9000, 0xFF);
  std::copy(table.begin(), table.end(), backup.begin() + 0x8000);
  CHECK(partition_table_from_file(backup, 0x8000, "b.bin").entries[1].name == "app_with_long_n");
  // A backup cut inside the table: the reader's own fault, named with the file.
  CHECK(error_of(std::span(backup).first(0x8000 + 0x40), 0x8000) ==
        "'f.bin': partition table at 0x8000 is cut short: no end marker in its 64 bytes");
  CHECK(error_of(backup, 0x7000) == "'f.bin': no partition table at 0x7000: the sector is erased");
  CHECK(error_of(std::span(backup).first(0x8000), 0x8000) ==
        "'f.bin' is not a partition table (no AA 50 at its start) and, 32768 bytes long, not a flash backup "
        "reaching the table at 0x8000");
}

TEST_CASE("with --partition the flash commands take FILE alone, without it their positionals stay required", "[cli]") {
  Parsed read({"read_flash", "--partition", "nvs", "nvs.bin"});
  REQUIRE(read.error == "");
  CHECK(read.args().text("partition") == "nvs");
  CHECK(read.args().text("address") == "nvs.bin");  // the one word, which the handler takes as FILE
  CHECK_FALSE(read.args().given("size"));
  CHECK(Parsed({"read_flash", "--partition=nvs", "nvs.bin"}).error == "");
  CHECK(Parsed({"erase-region", "--partition", "nvs"}).error == "");
  CHECK(Parsed({"write_flash", "--partition", "nvs", "nvs.bin"}).error == "");
  CHECK(Parsed({"verify_flash", "--partition", "nvs", "nvs.bin"}).error == "");
  CHECK(Parsed({"partition_table"}).error == "");
  CHECK(Parsed({"partition-table", "--partition-table-offset", "0x9000", "backup.bin"}).error == "");
  // The same words elsewhere do not relax anything.
  CHECK(Parsed({"read_flash", "0", "ALL"}).error == "read_flash: FILENAME is missing");
  CHECK(Parsed({"erase_region", "0x9000"}).error == "erase_region: SIZE is missing");
  CHECK(Parsed({"write_flash"}).error == "write_flash: no ADDRESS FILENAME pair given");
  CHECK(Parsed({"--chip", "esp32", "read_flash", "0"}).error == "read_flash: SIZE is missing");
}
