// ops: JSON output, --before/--after spellings, rate text.
#include <catch2/catch.hpp>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/flash_setup.hpp"
#include "espbak/ops/report.hpp"
#include "espbak/ops/session.hpp"
#include "espbak/util/error.hpp"

using namespace espbak;

TEST_CASE("JsonObject keeps insertion order, replaces keys and escapes") {
  JsonObject o;
  o.set("command", "flash_id");
  o.set("size", std::uint32_t(4194304));
  o.set("ok", false);
  o.set("ok", true);
  o.set("text", std::string("a\"b\\c\n"));
  JsonObject r;
  r.set("address", 0x1000);
  o.push("regions", r);
  o.push("regions", r);
  o.set_strings("features", {"Wi-Fi", "BT"});
  CHECK(o.dump() ==
        R"({"command":"flash_id","size":4194304,"ok":true,"text":"a\"b\\c\n","regions":[{"address":4096},)"
        R"({"address":4096}],"features":["Wi-Fi","BT"]})");
}

TEST_CASE("options --before and --after accept the v4 and v5 spellings") {
  CHECK(parse_before("default_reset") == BeforeReset::default_reset);
  CHECK(parse_before("default-reset") == BeforeReset::default_reset);
  CHECK(parse_before("no-reset-no-sync") == BeforeReset::no_reset_no_sync);
  CHECK_FALSE(parse_before("sometimes"));
  CHECK(parse_after("hard-reset") == AfterReset::hard_reset);
  CHECK(parse_after("no_reset_stub") == AfterReset::no_reset_stub);
  CHECK_FALSE(parse_after("watchdog"));
}

TEST_CASE("rate text as esptool prints it") {
  CHECK(rate_text(1000, 1.0) == " (8.0 kbit/s)");
  CHECK(rate_text(1000, 0.0).empty());
}

TEST_CASE("erase_region arguments must be whole sectors") {
  CHECK_NOTHROW(check_erase_region_args(0x1000, 0x2000));
  CHECK_THROWS_AS(check_erase_region_args(0x1001, 0x1000), Error);
  CHECK_THROWS_AS(check_erase_region_args(0x1000, 0x10), Error);
  CHECK_THROWS_AS(check_erase_region_args(0xFFFFF000, 0x2000), Error);
}
