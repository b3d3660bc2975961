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

TEST_CASE("config file found in ~/.config/esptool: esptool's lines, and no warning for the keys it applies", "[config]") {
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
  CHECK(r.err.empty());
}

TEST_CASE("config file sync_timeout and timeout decide how soon espbak gives up on a chip that does not answer",
          "[config][tuning]") {
  TempDir dir;
  Sim sim(dir, board("esp32"));  // running its application: --before no_reset gets no SYNC reply
  auto run = [&](const std::string& keys) {
    put(dir / "t.cfg", "[esptool]\nconnect_attempts = 1\n" + keys);
    return run_espbak({"-p", sim.port(), "--before", "no_reset", "read_mac"}, 60s,
                      {"ESPTOOL_CFGFILE=" + (dir / "t.cfg").string()});
  };
  auto tiny = run("sync_timeout = 0.01\ntimeout = 0.01\n");
  auto slow = run("sync_timeout = 0.3\n");
  INFO(describe(tiny) << "\n" << describe(slow));
  CHECK(tiny.code == 5);
  CHECK(slow.code == 5);
  // One attempt is 5 SYNC tries, each waiting sync_timeout (then 0.05 s apart).
  CHECK(slow.seconds >= 5 * 0.3);
  CHECK(tiny.seconds < slow.seconds - 1.0);
}

TEST_CASE("config file md5_timeout_per_mb lets a slow MD5 pass that a small one gives up on", "[config][tuning]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.link = "realistic";  // the ROM's SPI_FLASH_MD5 takes about 1 s/MB (docs/espsim.md)
  Sim sim(dir, so);
  write_file(dir / "erased.bin", Bytes(0x80000, 0xFF));  // a fresh espsim flash is erased
  auto run = [&](const std::string& md5_per_mb) {
    put(dir / "t.cfg", "[esptool]\ntimeout = 0.3\nmd5_timeout_per_mb = " + md5_per_mb + "\n");
    return run_espbak({"-p", sim.port(), "--no-stub", "verify_flash", "0", (dir / "erased.bin").string()}, 60s,
                      {"ESPTOOL_CFGFILE=" + (dir / "t.cfg").string()});
  };
  auto small = run("0.1");  // max(timeout, 0.05 s) = 0.3 s for a 0.5 s MD5
  INFO(describe(small));
  CHECK(small.code == 6);
  CHECK(contains(small.err, "timed out waiting for the chip to answer SPI_FLASH_MD5"));
  auto large = run("4");  // 2.1 s
  INFO(describe(large));
  CHECK(large.code == 0);
  CHECK(contains(large.out, "-- verify OK (digest matched)"));
}

TEST_CASE("config file write_block_attempts is how often a flash block the chip refuses is sent", "[config][tuning]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  // About one FLASH_DATA block in ten arrives corrupted; the ROM answers it
  // with its checksum error.
  so.extra_args = {"--fault", "corrupt:0.0001:to-device", "--seed", "3"};
  Sim sim(dir, so);
  const Bytes image = random_bytes(0x10000, 5);
  write_file(dir / "image.bin", image);
  auto run = [&](int attempts) {
    put(dir / "t.cfg", "[esptool]\ntimeout = 0.5\nwrite_block_attempts = " + std::to_string(attempts) + "\n");
    return run_espbak({"-p", sim.port(), "--no-stub", "--trace", "write_flash", "0", (dir / "image.bin").string()},
                      60s, {"ESPTOOL_CFGFILE=" + (dir / "t.cfg").string()});
  };
  auto once = run(1);  // every refused block fails the region: 3 region attempts, then the end
  CHECK(once.code == 7);
  CHECK(contains(once.err, "FLASH_DATA failed: checksum error"));
  CHECK_FALSE(contains(once.err, "), retrying"));
  auto four = run(4);
  CHECK(four.code == 0);
  CHECK(contains(four.err, "), retrying"));
  CHECK(contains(four.out, "Hash of data verified."));
  Bytes flash = read_file(sim.flash_file());
  CHECK(Bytes(flash.begin(), flash.begin() + std::ptrdiff_t(image.size())) == image);
}

TEST_CASE("config file reset_delay holds IO0 long enough for a board with a slow EN line", "[config][tuning]") {
  TempDir dir;
  SimOptions so = board("esp32");
  so.extra_args = {"--en-delay-ms", "200"};  // the 0.05 s hold of the first strategy is too short
  Sim sim(dir, so);
  auto run = [&](const std::string& keys) {
    put(dir / "t.cfg", "[esptool]\nconnect_attempts = 1\n" + keys);
    return run_espbak({"-p", sim.port(), "read_mac"}, 60s, {"ESPTOOL_CFGFILE=" + (dir / "t.cfg").string()});
  };
  auto plain = run("");
  INFO(describe(plain));
  CHECK(plain.code == 5);
  CHECK(contains(plain.err, "Classic (0.05 s)"));
  auto held = run("reset_delay = 0.3\n");
  INFO(describe(held));
  CHECK(held.code == 0);
  CHECK(contains(held.out, "MAC: 24:0a:c4:12:34:56"));
}

TEST_CASE("config file with a bad value is refused in one line before the port is opened", "[config][bad-input]") {
  TempDir dir;
  for (const std::string& line : {std::string("connect_attempts = many"), std::string("timeout = soon"),
                                  std::string("custom_reset_sequence = D0|X1"), std::string("write_block_attempts = 0"),
                                  std::string("max_timeout = 1e9")}) {
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
