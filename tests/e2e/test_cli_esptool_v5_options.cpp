// esptool v5's global and per-command options (esptool v5.3.1
// esptool/__init__.py): -s/--silent, -v/--verbose, --stub-version and
// ESPTOOL_STUB_VERSION, ESPTOOL_CONNECT_ATTEMPTS, verify-flash's -d flag
// beside v4's --diff yes|no, write-flash --trust-flash-content; and the
// ones espbak refuses in one line before opening anything:
// --override-vddsdio, --spi-connection/-sc, --flash-type/-ft nand.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace e2e;

namespace {

const std::string kNoPort = "socket://127.0.0.1:1";  // nothing listens there

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

RunResult espbak(const std::string& port, std::vector<std::string> args, const std::vector<std::string>& env = {}) {
  args.insert(args.begin(), {"-p", port});
  return run_espbak(args, std::chrono::seconds(60), env);
}

}  // namespace

TEST_CASE("silent (-s) prints only the results, verbose (-v) changes nothing", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  Sim sim(dir, so);
  auto plain = espbak(sim.port(), {"flash_id"});
  auto silent = espbak(sim.port(), {"-s", "flash_id"});
  auto verbose = espbak(sim.port(), {"--verbose", "flash_id"});
  INFO(describe(plain) << describe(silent) << describe(verbose));
  REQUIRE(plain.code == 0);
  REQUIRE(silent.code == 0);
  REQUIRE(verbose.code == 0);
  CHECK(contains(plain.out, "Connecting..."));
  CHECK_FALSE(contains(silent.out, "Connecting"));
  CHECK(contains(silent.out, "Detected flash size: 4MB"));
  CHECK(silent.err.empty());
  CHECK(verbose.out == plain.out);
}

TEST_CASE("stub version 1|2 (--stub-version, ESPTOOL_STUB_VERSION) are taken with a note, other values refused", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32c3";
  Sim sim(dir, so);
  auto two = espbak(sim.port(), {"--stub-version", "2", "flash_id"});
  INFO(describe(two));
  REQUIRE(two.code == 0);
  CHECK(contains(two.out, "Note: --stub-version 2 is taken as given"));
  CHECK(contains(two.out, "Stub running..."));
  auto env = espbak(sim.port(), {"flash_id"}, {"ESPTOOL_STUB_VERSION=1"});
  INFO(describe(env));
  REQUIRE(env.code == 0);
  CHECK(contains(env.out, "Note: --stub-version 1 is taken as given"));
  auto bad = espbak(kNoPort, {"--stub-version", "3", "flash_id"});
  CHECK(bad.code == 2);
  CHECK(bad.err == "espbak: error: invalid --stub-version value '3' (choose from 1, 2)\n");
}

TEST_CASE("ESPTOOL_CONNECT_ATTEMPTS sets the attempts where --connect-attempts is not given", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.extra_args = {"--fault", "drop:1:to-device"};  // the chip never answers
  Sim sim(dir, so);
  auto one = espbak(sim.port(), {"flash_id"}, {"ESPTOOL_CONNECT_ATTEMPTS=1"});
  INFO(describe(one));
  CHECK(one.code == 5);
  CHECK(contains(one.err, "Tried 1 attempt on"));
  auto option_wins = espbak(sim.port(), {"--connect-attempts", "2", "flash_id"}, {"ESPTOOL_CONNECT_ATTEMPTS=1"});
  CHECK(contains(option_wins.err, "Tried 2 attempts on"));
  auto bad = espbak(kNoPort, {"flash_id"}, {"ESPTOOL_CONNECT_ATTEMPTS=many"});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "invalid ESPTOOL_CONNECT_ATTEMPTS value 'many'"));
}

TEST_CASE("options espbak does not support are refused in one line before any port is opened", "[cli][esptool]") {
  const std::vector<std::vector<std::string>> lines = {
      {"--override-vddsdio", "1.8V", "flash_id"},
      {"flash_id", "--spi-connection", "SPI"},
      {"read_flash", "-sc", "6,17,8,11,16", "0", "0x1000", "out.bin"},
      {"write_flash", "--spi-connection", "HSPI", "0x1000", "app.bin"},
      {"erase_region", "-ft", "nand", "0x1000", "0x1000"},
      {"erase_flash", "--flash-type", "nand"},
      {"verify_flash", "--flash_type", "nand", "0", "app.bin"},
  };
  for (const auto& line : lines) {
    std::string shown;
    for (const auto& w : line) shown += w + " ";
    INFO(shown);
    auto r = espbak(kNoPort, line);  // exit 4 would mean the port was tried
    INFO(describe(r));
    CHECK(r.code == 9);
    CHECK(line_count(r.err) == 1);
    CHECK(contains(r.err, "espbak does not support"));
    CHECK(contains(r.err, "use esptool"));
  }
}

TEST_CASE("flash type nor is what espbak does: accepted, and nand leaves the flash untouched", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32s3";
  write_file(dir / "flash.bin", random_bytes(4u << 20, 41));
  Sim sim(dir, so);
  const Bytes before = read_file(sim.flash_file());
  auto nand = espbak(sim.port(), {"erase-region", "-ft", "nand", "0x1000", "0x1000"});
  CHECK(nand.code == 9);
  CHECK(read_file(sim.flash_file()) == before);
  auto nor = espbak(sim.port(), {"erase-region", "--flash-type", "nor", "0x1000", "0x1000"});
  INFO(describe(nor));
  REQUIRE(nor.code == 0);
  const Bytes after = read_file(sim.flash_file());
  CHECK(Bytes(after.begin() + 0x1000, after.begin() + 0x2000) == Bytes(0x1000, 0xFF));
  CHECK(Bytes(after.begin() + 0x2000, after.end()) == Bytes(before.begin() + 0x2000, before.end()));
}

TEST_CASE("verify_flash takes v5's -d/--diff flag and v4's --diff yes|no", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  Sim sim(dir, so);  // erased flash
  Bytes image(0x1000, 0xFF);
  image[0x10] = 0x12;
  write_file(dir / "app.bin", image);
  const std::string app = (dir / "app.bin").string();
  for (const auto& form : std::vector<std::vector<std::string>>{
           {"verify_flash", "-d", "0x1000", app},
           {"verify-flash", "--diff", "0x1000", app},
           {"verify_flash", "0x1000", app, "--diff"},
           {"verify_flash", "--diff", "yes", "0x1000", app}}) {
    auto r = espbak(sim.port(), form);
    INFO(describe(r));
    CHECK(r.code == 8);
    CHECK(contains(r.out, "-- verify FAILED: 1 differences, first at 0x00001010"));
    CHECK(contains(r.out, "   00001010 ff 12"));
  }
  auto no = espbak(sim.port(), {"verify_flash", "--diff", "no", "0x1000", app});
  CHECK(no.code == 8);
  CHECK(contains(no.out, "-- verify FAILED (digest mismatch)"));
  CHECK_FALSE(contains(no.out, "00001010 ff 12"));
}

TEST_CASE("write_flash --trust-flash-content writes and verifies as without it", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32c6";
  Sim sim(dir, so);
  const Bytes image = random_bytes(0x3000, 42);
  write_file(dir / "app.bin", image);
  // With --diff-with, as esptool v5.3.1 requires (write_flash_cli): the old
  // file says the flash holds the image, which an erased flash does not.
  auto r = espbak(sim.port(), {"write-flash", "--trust-flash-content", "--diff-with", (dir / "app.bin").string(), "--",
                               "0x10000", (dir / "app.bin").string()});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Hash of data verified."));
  const Bytes flash = read_file(sim.flash_file());
  CHECK(Bytes(flash.begin() + 0x10000, flash.begin() + 0x13000) == image);
}
