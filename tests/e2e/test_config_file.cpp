// esptool's config file (esptool v5.3.1 config.py) read by espbak: where it
// is found, the line esptool prints, the keys espbak applies, and a bad
// value refused before anything is opened. Plus the bad input of the
// device commands' options (docs/errors.md).
#include <catch2/catch.hpp>

#include <fstream>

#include "harness.hpp"

using namespace e2e;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

SimOptions board(const std::string& chip) {
  SimOptions so;
  so.chip = chip;
  so.rfc2217 = true;
  return so;
}

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

}  // namespace

TEST_CASE("config file connect_attempts sets how often espbak tries, and esptool's line names the file", "[config]") {
  TempDir dir;
  Sim sim(dir, board("esp32"));  // a board running its application: --before no_reset cannot sync
  put(dir / "cfg" / "esptool.cfg", "[esptool]\nconnect_attempts = 2\n");
  const std::vector<std::string> env = {"ESPTOOL_CFGFILE=" + (dir / "cfg" / "esptool.cfg").string()};
  auto r = run_espbak({"-p", sim.port(), "--before", "no_reset", "read_mac"}, 60s, env);
  INFO(describe(r));
  CHECK(r.code == 5);
  CHECK(contains(r.out, "Loaded custom configuration from " + (dir / "cfg" / "esptool.cfg").string() +
                            " (set with ESPTOOL_CFGFILE)\n"));
  CHECK(contains(r.err, "2 attempts"));
  // The option still wins over the file.
  auto one = run_espbak({"-p", sim.port(), "--before", "no_reset", "--connect-attempts", "1", "read_mac"}, 60s, env);
  INFO(describe(one));
  CHECK(one.code == 5);
  CHECK(contains(one.err, "1 attempt"));
  CHECK_FALSE(contains(one.err, "2 attempts"));
}

TEST_CASE("config file found in ~/.config/esptool, a key espbak does not apply gets one warning line", "[config]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32c3";
  Sim sim(dir, so);
  put(dir / "home" / ".config" / "esptool" / "setup.cfg", "[esptool]\ntimeout = 5\nno_such_key = 1\n");
  auto r = run_espbak({"-p", sim.port(), "read_mac"}, 60s, {"HOME=" + (dir / "home").string(), "ESPTOOL_CFGFILE="});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Loaded custom configuration from " +
                            (dir / "home" / ".config" / "esptool" / "setup.cfg").string() + "\n"));
  CHECK(contains(r.out, "Note: Ignoring unknown config file option: no_such_key\n"));
  CHECK(contains(r.err, "Warning: config file option timeout is not applied: espbak keeps esptool's default timeouts\n"));
  CHECK(line_count(r.err) == 1);
}

TEST_CASE("config file with a bad value is refused in one line before the port is opened", "[config][bad-input]") {
  TempDir dir;
  for (const std::string& line : {std::string("connect_attempts = many"), std::string("timeout = soon"),
                                  std::string("custom_reset_sequence = D0|X1")}) {
    CAPTURE(line);
    put(dir / "bad.cfg", "[esptool]\n" + line + "\n");
    auto r = run_espbak({"-p", "/nonexistent/ttyUSB9", "read_mac"}, 30s,
                        {"ESPTOOL_CFGFILE=" + (dir / "bad.cfg").string()});
    INFO(describe(r));
    CHECK(r.code == 2);
    CHECK(line_count(r.err) == 1);
    CHECK(contains(r.err, "config file option "));
    CHECK_FALSE(contains(r.err, "ttyUSB9"));
  }
}

TEST_CASE("bad input of the device commands is refused in one line before the port is opened", "[device-cmds][bad-input]") {
  TempDir dir;
  write_file(dir / "short.bin", Bytes{0xE9, 1, 0});
  write_file(dir / "magic.bin", Bytes(64, 0x00));
  Bytes truncated = {0xE9, 1, 0, 0, 0, 0, 0x10, 0x40, 0, 0, 0x10, 0x40, 0x00, 0x10, 0, 0, 1, 2};
  write_file(dir / "truncated.bin", truncated);
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string words;
  };
  const Case cases[] = {
      {{"read_flash_status", "--bytes", "4"}, 2, "4"},
      {{"write_flash_status", "--bytes", "0", "0"}, 2, "0"},
      {{"write_flash_status", "0x12345"}, 2, "does not fit in 2 status bytes"},
      {{"write_flash_status", "seven"}, 2, "seven"},
      {{"read_flash_sfdp", "0", "5"}, 2, "Invalid number of bytes to read from SFDP (1-4)."},
      {{"read_flash_sfdp", "0", "0"}, 2, "(1-4)"},
      {{"read_flash_sfdp", "0x1000000", "1"}, 2, "24-bit"},
      {{"read_flash_sfdp", "zero", "1"}, 2, "zero"},
      {{"load_ram", (dir / "missing.bin").string()}, 3, "cannot read image file"},
      {{"--chip", "esp32", "load_ram", (dir / "short.bin").string()}, 3, "Image is truncated"},
      {{"load_ram", (dir / "magic.bin").string()}, 3, "Invalid firmware image magic=0x0"},
      {{"--chip", "esp8266", "load_ram", (dir / "truncated.bin").string()}, 3,
       "End of file reading segment 0x40100000, length 4096 (actual length 2)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    std::vector<std::string> args = {"-p", "/nonexistent/ttyUSB9"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_espbak(args, 30s, {"ESPTOOL_CFGFILE="});
    INFO(describe(r));
    CHECK(r.code == c.code);
    CHECK(line_count(r.err) == 1);
    CHECK(contains(r.err, c.words));
    CHECK_FALSE(contains(r.err, "ttyUSB9"));
  }
}
