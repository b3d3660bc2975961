// The strict JSON reader: what espbak writes it reads back; RFC 8259's
// corner cases; one line naming where a broken text goes wrong.
#include <catch2/catch.hpp>

#include <string>

#include "espbak/ops/report.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/json.hpp"

using namespace espbak;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_json(text);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("what JsonObject writes, parse_json reads back", "[json]") {
  JsonObject inner;
  inner.set("address", std::uint32_t(0x8000));
  inner.set("name", "nvs \"main\"\n\\");
  JsonObject outer;
  outer.set("format", "espbak-backup");
  outer.set("version", 1);
  outer.set("ok", true);
  outer.set("negative", std::int64_t(-5));
  outer.set("table", inner);
  outer.push("items", inner);
  outer.push("items", inner);
  outer.set_strings("names", {"a", "b\tc"});

  JsonValue v = parse_json(outer.dump());
  REQUIRE(v.is_object());
  CHECK(*v.find("format")->as_string() == "espbak-backup");
  CHECK(v.find("version")->as_integer() == 1);
  CHECK(v.find("ok")->as_bool() == true);
  CHECK(v.find("negative")->as_integer() == -5);
  CHECK(v.find("table")->find("address")->as_integer() == 0x8000);
  CHECK(*v.find("table")->find("name")->as_string() == "nvs \"main\"\n\\");
  CHECK(v.find("items")->as_array()->size() == 2);
  CHECK(*v.find("names")->as_array()->at(1).as_string() == "b\tc");
  CHECK(v.find("missing") == nullptr);
  CHECK(v.find("version")->as_string() == nullptr);  // typed access does not convert
}

TEST_CASE("numbers, escapes and whitespace follow RFC 8259", "[json]") {
  CHECK(parse_json(" 0 ").as_integer() == 0);
  CHECK(parse_json("-0").as_integer() == 0);
  CHECK(parse_json("9223372036854775807").as_integer() == INT64_MAX);
  CHECK(parse_json("9223372036854775808").is_integer() == false);  // too big: a real
  CHECK(parse_json("1.5e3").as_number() == 1500.0);
  CHECK(parse_json("1E-2").as_number() == Approx(0.01));
  CHECK(*parse_json(R"("\u00e9\ud83d\ude00\/")").as_string() == "\xC3\xA9\xF0\x9F\x98\x80/");
  CHECK(parse_json("\r\n\t[ ]").as_array()->empty());
  CHECK(parse_json("null").is_null());
  CHECK(parse_json("{}").as_object()->empty());
}

TEST_CASE("a broken JSON text is refused with what and where", "[json]") {
  CHECK(error_of("") == "JSON: unexpected end of text at line 1 column 1");
  CHECK(error_of("{\n  \"a\": 1,\n}") == "JSON: expected a member name in quotes at line 3 column 1");
  CHECK(error_of("[1,]").find("unexpected character ']'") != std::string::npos);
  CHECK(error_of("{\"a\" 1}").find("expected ':'") != std::string::npos);
  CHECK(error_of("[1 2]").find("expected ',' or ']'") != std::string::npos);
  CHECK(error_of("\"abc").find("unterminated string") != std::string::npos);
  CHECK(error_of("\"a\tb\"").find("control character") != std::string::npos);
  CHECK(error_of("\"\\x\"").find("bad escape") != std::string::npos);
  // What the text holds is shown so that the message stays one line.
  CHECK(error_of("\"\\\n\"").find("bad escape after '\\': byte 0x0a at line") != std::string::npos);
  CHECK(error_of("\"\\\n\"").find('\n') == std::string::npos);
  CHECK(error_of("[\x01]").find("unexpected character byte 0x01") != std::string::npos);
  CHECK(error_of("\"\\ud800\"").find("unpaired surrogate") != std::string::npos);
  CHECK(error_of("01").find("unexpected text after the value") != std::string::npos);
  CHECK(error_of("1.").find("no digit after '.'") != std::string::npos);
  CHECK(error_of("-").find("bad number") != std::string::npos);
  CHECK(error_of("1e999").find("out of range") != std::string::npos);
  CHECK(error_of("NaN").find("unexpected character 'N'") != std::string::npos);
  CHECK(error_of("{} {}").find("unexpected text after the value") != std::string::npos);
  CHECK(error_of(std::string(65, '[') + std::string(65, ']')).find("nesting deeper than 64") != std::string::npos);
  CHECK(error_of(std::string(64, '[') + std::string(64, ']')).empty());
}
