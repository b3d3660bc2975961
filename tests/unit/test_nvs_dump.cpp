// nvs_dump's listing and JSON (ops/nvs_dump.hpp) over partitions from the
// test builder: how each type of value is shown, what JSON carries for
// text that is not UTF-8 and for floats JSON cannot spell, and which
// partition of a table is dumped.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "nvs_builder.hpp"
#include "espbak/ops/nvs_dump.hpp"
#include "espbak/util/base64.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/json.hpp"

using namespace espbak;
using test_nvs::Bytes;
using test_nvs::Page;

namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return all;
}

std::uint64_t bits_of(double d) {
  std::uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

backup::NvsPartition sample() {
  using namespace test_nvs;
  Page p(0);
  p.add_namespace("ns", 1);
  p.add_string(1, "latin1", std::string("caf\xe9"));     // not UTF-8
  p.add_string(1, "utf8", "caf\xc3\xa9 \xe2\x82\xac");   // "café €"
  p.add_string(1, "long", std::string(130, 'y'));
  p.add_int(1, 0x28, "pi", bits_of(3.25));
  p.add_int(1, 0x28, "nan", bits_of(std::numeric_limits<double>::quiet_NaN()));
  p.add_int(1, 0x24, "tenth", 0x3dcccccd);  // 0.1f
  p.add_int(1, U64, "max", ~0ull);
  p.add_int(1, I64, "min", 1ull << 63);
  const std::size_t bad = p.add_var(1, BLOB, "raw", Bytes{1, 2, 3});
  p.entry(bad + 1)[0] = 9;  // its data no longer matches its CRC32
  return backup::parse_nvs(partition({p}, 2));
}

}  // namespace

TEST_CASE("base64_encode is RFC 4648 with padding and reads back with base64_decode", "[nvs][util]") {
  const std::string secret = "secret";
  CHECK(base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size())) == "c2VjcmV0");
  CHECK(base64_encode({}) == "");
  const Bytes some = {0xFF, 0x00, 0x7F, 0x80, 0x01};
  CHECK(base64_encode(std::span(some).first(1)) == "/w==");
  CHECK(base64_encode(std::span(some).first(2)) == "/wA=");
  for (std::size_t n = 0; n <= some.size(); ++n) {
    const Bytes part(some.begin(), some.begin() + std::ptrdiff_t(n));
    CHECK(base64_decode(base64_encode(part)) == part);
  }
}

TEST_CASE("the listing: strings as C literals, UTF-8 kept, floats shortest, damaged values marked", "[nvs]") {
  const auto nvs = sample();
  const std::string text = joined(nvs_dump_lines(nvs));
  INFO(text);
  CHECK(text.find("Namespace \"ns\" (index 1), 9 keys:\n") == 0);
  CHECK(text.find("  latin1  string  \"caf\\xe9\"\n") != std::string::npos);
  CHECK(text.find("  utf8    string  \"caf\xc3\xa9 \xe2\x82\xac\"\n") != std::string::npos);
  CHECK(text.find("  long    string  \"" + std::string(120, 'y') + "\"... (131 bytes)\n") != std::string::npos);
  CHECK(text.find("  pi      double  3.25\n") != std::string::npos);
  CHECK(text.find("  tenth   float   0.1\n") != std::string::npos);
  CHECK(text.find("  max     u64     18446744073709551615\n") != std::string::npos);
  CHECK(text.find("  min     i64     -9223372036854775808\n") != std::string::npos);
  CHECK(text.find("  raw     blob    3 bytes: 09 02 03  (damaged: see the warnings)\n") != std::string::npos);
  CHECK(text.find("2 pages (1 in use), entries: 18 written, 0 erased, 234 empty; 9 keys in 1 namespace; 1 problem\n") !=
        std::string::npos);
}

TEST_CASE("the JSON: numbers as numbers, NaN as null, text that is not UTF-8 in base64", "[nvs]") {
  const auto nvs = sample();
  const JsonValue j = parse_json(nvs_json(nvs).dump());
  const auto& entries = *j.find("namespaces")->as_array()->at(0).find("entries")->as_array();
  auto entry = [&](const std::string& key) -> const JsonValue& {
    for (const auto& e : entries)
      if (*e.find("key")->as_string() == key) return e;
    FAIL("no " << key);
    throw std::logic_error("unreachable");
  };
  CHECK(*entry("latin1").find("encoding")->as_string() == "base64");
  CHECK(*entry("latin1").find("value")->as_string() == "Y2Fm6Q==");  // base64.b64encode(b'caf\xe9')
  CHECK(*entry("utf8").find("encoding")->as_string() == "utf-8");
  CHECK(*entry("utf8").find("value")->as_string() == "caf\xc3\xa9 \xe2\x82\xac");
  CHECK(entry("pi").find("value")->as_number() == 3.25);
  CHECK(entry("nan").find("value")->is_null());
  CHECK(entry("tenth").find("value")->as_number() == Approx(0.1));
  CHECK(entry("min").find("value")->as_integer() == std::numeric_limits<std::int64_t>::min());
  CHECK_FALSE(*entry("raw").find("valid")->as_bool());
  CHECK(*entry("raw").find("value")->as_string() == "CQID");  // 09 02 03
  const auto& problems = *j.find("problems")->as_array();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("page")->as_integer() == 0);
  CHECK(problems[0].find("entry")->as_integer() == 16);  // the head of "raw"
  CHECK(j.find("summary")->find("problems")->as_integer() == 1);
  CHECK(*j.find("pages")->as_array()->at(1).find("state")->as_string() == "empty");
  CHECK(j.find("pages")->as_array()->at(1).find("seq") == nullptr);
}

TEST_CASE("keys and namespace names that are not UTF-8 keep the JSON valid, escaped as in the listing", "[nvs]") {
  Page p(0);
  p.add_namespace("n\xfe", 1);
  p.add_int(1, test_nvs::U8, "k\xff", 1);
  const auto nvs = backup::parse_nvs(test_nvs::partition({p}, 1));
  CHECK(joined(nvs_dump_lines(nvs)).find("  k\\xff  u8  1\n") != std::string::npos);
  const std::string text = nvs_json(nvs).dump();
  CHECK(std::none_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }));
  const JsonValue j = parse_json(text);
  const auto& space = j.find("namespaces")->as_array()->at(0);
  CHECK(*space.find("name")->as_string() == "n\\xfe");
  CHECK(*space.find("entries")->as_array()->at(0).find("key")->as_string() == "k\\xff");
}

TEST_CASE("which partition of a table nvs_dump takes", "[nvs]") {
  using backup::Partition;
  backup::PartitionTable table;
  table.entries = {{.name = "nvs", .type = 1, .subtype = 2, .offset = 0x9000, .size = 0x6000},
                   {.name = "factory", .type = 0, .subtype = 0, .offset = 0x10000, .size = 0x100000}};
  CHECK(choose_nvs_partition(table, "").name == "nvs");
  CHECK(choose_nvs_partition(table, "nvs").offset == 0x9000);
  auto kind_and_message = [&](const std::string& name) {
    try {
      choose_nvs_partition(table, name);
    } catch (const Error& e) {
      return std::pair(e.kind(), std::string(e.what()));
    }
    return std::pair(ErrorKind::internal, std::string());
  };
  CHECK(kind_and_message("factory") ==
        std::pair(ErrorKind::input, std::string("partition 'factory' is app/factory, not data/nvs")));
  table.entries.push_back({.name = "nvs2", .type = 1, .subtype = 2, .offset = 0x110000, .size = 0x1000});
  CHECK(kind_and_message("").first == ErrorKind::usage);
  CHECK(choose_nvs_partition(table, "nvs2").offset == 0x110000);
  table.entries = {table.entries[1]};
  CHECK(kind_and_message("") ==
        std::pair(ErrorKind::input, std::string("the partition table at 0x8000 has no data/nvs partition (it has: "
                                                "factory)")));
  NvsDumpArgs args;
  CHECK_THROWS_AS(check_nvs_dump_args(args), Error);
  args.partition = "nvs";
  args.table_offset = 0x8100;
  CHECK_THROWS_WITH(check_nvs_dump_args(args), "nvs_dump: --partition-table-offset 0x8100 is not a multiple of 0x1000");
}
