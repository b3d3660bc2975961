// Command lines as esptool guides print them (issue 14): esptool's
// multi-letter short options (-fm/-ff/-fs), -p after the command meaning
// --no-progress, sizes spelt as flash sizes, and esptool's write_flash
// options espbak answers its own way (--verify, --skip-flashed,
// --diff-with) or refuses in one line (--encrypt). Facts: esptool v5.3.1
// esptool/__init__.py (click options of write-flash / read-flash and
// add_spi_flash_options), targets/esp8266.py FLASH_SIZES ("1MB": 0x20).
#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include "harness.hpp"

using namespace e2e;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A well-formed ESP8266 application image (esptool bin_image.py
// ESP8266ROMFirmwareImage): magic 0xE9, one segment, flash mode qio (0),
// size/frequency byte 0 (512KB, 40m), entry; the segment's address and
// length, its bytes, then the checksum as the last byte of the 16-byte line.
// `size` - 16 must be a multiple of 16.
Bytes esp8266_image(std::size_t size) {
  Bytes image = random_bytes(size, 21);
  const std::uint32_t segment = std::uint32_t(size - 8 - 8 - 16);
  const std::uint8_t header[16] = {0xE9, 1, 0x00, 0x00, 0x00, 0x10, 0x10, 0x40,
                                   0x00, 0x00, 0x10, 0x40, std::uint8_t(segment), std::uint8_t(segment >> 8),
                                   std::uint8_t(segment >> 16), std::uint8_t(segment >> 24)};
  std::copy(std::begin(header), std::end(header), image.begin());
  return image;
}

RunResult espbak(const Sim& sim, std::vector<std::string> args) {
  args.insert(args.begin(), {"-p", sim.port()});
  return run_espbak(args, std::chrono::seconds(60));
}

}  // namespace

TEST_CASE("Tasmota's restore line: write_flash -fs 1MB -fm dout 0x0 FILE patches the header as esptool", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp8266";
  so.flash_size = "1MB";
  Sim sim(dir, so);
  const Bytes image = esp8266_image(0x3000);
  write_file(dir / "tasmota.bin", image);
  auto r = espbak(sim, {"write_flash", "-fs", "1MB", "-fm", "dout", "0x0", (dir / "tasmota.bin").string()});
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(contains(flat(r), "Hash of data verified."));
  Bytes flash = read_file(sim.flash_file());
  // Byte 2: flash mode dout (3); byte 3: size code 1MB (0x2) in the high
  // nibble, the frequency kept (0) in the low one.
  CHECK(flash[2] == 3);
  CHECK(flash[3] == 0x20);
  CHECK(Bytes(flash.begin() + 4, flash.begin() + 0x3000) == Bytes(image.begin() + 4, image.end()));

  // -ff and the = spelling of the long names too.
  auto f = espbak(sim, {"write_flash", "-ff", "80m", "--flash-mode=qio", "0x0", (dir / "tasmota.bin").string()});
  INFO(describe(f));
  REQUIRE(f.code == 0);
  flash = read_file(sim.flash_file());
  CHECK(flash[2] == 0);        // qio
  CHECK(flash[3] == 0x0F);     // size kept (0: 512KB code from the file), 80m = 0xF

  // The short names with '=' (argparse in v4 splits `-fm=dio`; click in v5
  // takes a multi-letter single-dash name as a long option, value after '=').
  auto eq = espbak(sim, {"write_flash", "-fm=dio", "-ff=40m", "-fs=1MB", "0x0", (dir / "tasmota.bin").string()});
  INFO(describe(eq));
  REQUIRE(eq.code == 0);
  flash = read_file(sim.flash_file());
  CHECK(flash[2] == 2);     // dio
  CHECK(flash[3] == 0x20);  // 1MB, 40m = 0
}

TEST_CASE("read_flash and write_flash take -p after the command as --no-progress (esptool), and sizes as 512KB or 4MB", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "4MB";
  Sim sim(dir, so);
  Bytes data = random_bytes(0x1000, 3);
  write_file(dir / "in.bin", data);
  auto w = espbak(sim, {"write_flash", "-p", "0x1000", (dir / "in.bin").string()});
  INFO(describe(w) << "\nespsim:\n" << sim.log());
  REQUIRE(w.code == 0);
  auto r = espbak(sim, {"read_flash", "-p", "0x1000", "0x1000", (dir / "out.bin").string()});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(read_file(dir / "out.bin") == data);
  auto k = espbak(sim, {"read_flash", "--no-progress", "0", "512KB", (dir / "half.bin").string()});
  INFO(describe(k));
  REQUIRE(k.code == 0);
  CHECK(read_file(dir / "half.bin").size() == 512u * 1024);
  auto m = espbak(sim, {"read_flash", "0", "4MB", (dir / "all.bin").string()});
  INFO(describe(m));
  REQUIRE(m.code == 0);
  CHECK(read_file(dir / "all.bin").size() == 4u << 20);
}

TEST_CASE("write_flash takes esptool's --verify, --skip-flashed, --diff-with and refuses --encrypt in one line",
          "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "4MB";
  Sim sim(dir, so);
  Bytes data = random_bytes(0x2000, 4);
  write_file(dir / "app.bin", data);
  const std::string app = (dir / "app.bin").string();

  auto v = espbak(sim, {"write_flash", "--verify", "0x10000", app});
  INFO(describe(v) << "\nespsim:\n" << sim.log());
  REQUIRE(v.code == 0);
  CHECK(contains(flat(v), "--verify (esptool v4) is not needed"));
  for (const std::string skip : {"-s", "--skip-flashed", "--skip_flashed"}) {
    auto s = espbak(sim, {"write_flash", skip, "0x10000", app});
    INFO(describe(s));
    CHECK(s.code == 0);
  }
  auto d = espbak(sim, {"write_flash", "--diff-with", app, "--", "0x10000", app});
  INFO(describe(d));
  CHECK(d.code == 0);
  CHECK(contains(flat(d), "the --diff-with files are not needed"));
  Bytes flash = read_file(sim.flash_file());
  CHECK(Bytes(flash.begin() + 0x10000, flash.begin() + 0x12000) == data);

  // Refused before the port is opened: nothing written.
  write_file(dir / "other.bin", random_bytes(0x1000, 9));
  for (const std::vector<std::string>& enc :
       {std::vector<std::string>{"--encrypt", "0x20000", (dir / "other.bin").string()},
        std::vector<std::string>{"--encrypt-files", "0x20000", (dir / "other.bin").string(), "--", "0x20000",
                                 (dir / "other.bin").string()}}) {
    std::vector<std::string> args = {"write_flash"};
    args.insert(args.end(), enc.begin(), enc.end());
    auto e = espbak(sim, args);
    INFO(describe(e));
    CHECK(e.code == 9);
    CHECK(line_count(e.err) == 1);
    CHECK(contains(e.err, "espbak does not support flash encryption; use esptool"));
  }
  flash = read_file(sim.flash_file());
  CHECK(Bytes(flash.begin() + 0x20000, flash.begin() + 0x21000) == Bytes(0x1000, 0xFF));

  // -s means "skip what is flashed", --no-diff "write everything": both is a usage error.
  auto both = espbak(sim, {"write_flash", "-s", "--no-diff", "0x10000", app});
  CHECK(both.code == 2);
}

TEST_CASE("esptool's environment defaults ESPTOOL_CHIP, ESPTOOL_AFTER, ESPTOOL_FM/FS, options winning", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp8266";
  so.flash_size = "1MB";
  Sim sim(dir, so);
  const auto port = sim.port();
  // ESPTOOL_CHIP names the wrong chip: refused naming both, as --chip is.
  auto wrong = run_espbak({"-p", port, "flash_id"}, std::chrono::seconds(60), {"ESPTOOL_CHIP=esp32"});
  INFO(describe(wrong));
  CHECK(wrong.code == 2);
  CHECK(contains(wrong.err, "ESP32"));
  CHECK(contains(wrong.err, "ESP8266"));
  auto bad = run_espbak({"-p", port, "flash_id"}, std::chrono::seconds(60), {"ESPTOOL_CHIP=esp99"});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "invalid ESPTOOL_CHIP value 'esp99'"));
  // --chip given: the environment is ignored.
  auto given = run_espbak({"-p", port, "--chip", "esp8266", "flash_id"}, std::chrono::seconds(60),
                          {"ESPTOOL_CHIP=esp32"});
  INFO(describe(given));
  CHECK(given.code == 0);
  // ESPTOOL_AFTER=no_reset: no hard reset at the end.
  auto stay = run_espbak({"-p", port, "flash_id"}, std::chrono::seconds(60), {"ESPTOOL_AFTER=no_reset"});
  INFO(describe(stay));
  CHECK(stay.code == 0);
  CHECK_FALSE(contains(stay.out, "Hard resetting"));

  // ESPTOOL_FM / ESPTOOL_FS patch the header as -fm / -fs would.
  write_file(dir / "app.bin", esp8266_image(0x2000));
  auto w = run_espbak({"-p", port, "write_flash", "0x0", (dir / "app.bin").string()}, std::chrono::seconds(60),
                      {"ESPTOOL_FM=dout", "ESPTOOL_FS=1MB"});
  INFO(describe(w));
  REQUIRE(w.code == 0);
  Bytes flash = read_file(sim.flash_file());
  CHECK(flash[2] == 3);
  CHECK(flash[3] == 0x20);
  auto o = run_espbak({"-p", port, "write_flash", "-fm", "qio", "0x0", (dir / "app.bin").string()},
                      std::chrono::seconds(60), {"ESPTOOL_FM=dout"});
  REQUIRE(o.code == 0);
  CHECK(read_file(sim.flash_file())[2] == 0);
  // ESPTOOL_FF as -ff: 80m is 0xF in the low nibble, the size (1MB) kept.
  auto ff = run_espbak({"-p", port, "write_flash", "0x0", (dir / "app.bin").string()}, std::chrono::seconds(60),
                       {"ESPTOOL_FF=80m"});
  INFO(describe(ff));
  REQUIRE(ff.code == 0);
  CHECK(read_file(sim.flash_file())[3] == 0x0F);
}

// argparse (esptool v4) splits `-b=460800` at '=' for one-letter names as
// for long ones (`--baud=460800`); espbak takes the same line.
TEST_CASE("one-letter options take -b=VALUE as esptool v4's argparse does", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  Sim sim(dir, so);
  auto r = run_espbak({"-p=" + sim.port(), "-b=460800", "-c=esp32", "flash_id"}, std::chrono::seconds(60));
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Detected flash size: 4MB"));
  CHECK(contains(flat(r), "460800"));
  // A bad value is still named as given, without the '='.
  auto bad = run_espbak({"-p=" + sim.port(), "-b=fast", "flash_id"}, std::chrono::seconds(30));
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "invalid baud rate 'fast'"));
}

// ESPTOOL_BEFORE as --before (esptool v5.3.1 __init__.py: the option's
// default is os.environ.get("ESPTOOL_BEFORE", ...)): on a board with modem
// lines that runs its firmware, no_reset leaves it there, so no SYNC; the
// option given wins over the environment.
TEST_CASE("ESPTOOL_BEFORE sets the reset before connecting where --before is not given", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.rfc2217 = true;
  Sim sim(dir, so);
  auto stay = run_espbak({"-p", sim.port(), "--connect-attempts", "1", "flash_id"}, std::chrono::seconds(60),
                         {"ESPTOOL_BEFORE=no_reset"});
  INFO(describe(stay) << "\nespsim:\n" << sim.log());
  CHECK(stay.code != 0);
  CHECK(contains(flat(stay), "(--before no_reset)"));
  auto given = run_espbak({"-p", sim.port(), "--before", "default_reset", "flash_id"}, std::chrono::seconds(60),
                          {"ESPTOOL_BEFORE=no_reset"});
  INFO(describe(given) << "\nespsim:\n" << sim.log());
  CHECK(given.code == 0);
  auto bad = run_espbak({"-p", sim.port(), "flash_id"}, std::chrono::seconds(60), {"ESPTOOL_BEFORE=sometimes"});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "invalid ESPTOOL_BEFORE value 'sometimes'"));
}

TEST_CASE("open-port attempts (--open-port-attempts, ESPTOOL_OPEN_PORT_ATTEMPTS) wait for a board that is not plugged in yet",
          "[cli][esptool]") {
  TempDir dir;
  const std::string link = (dir / "ttyESP").string();  // where Sim's --pty puts its link
  // 0: for ever (esptool connect_loop), 0.1 s apart. The pty appears 1 s later.
  Process late(ESPBAK_BIN, {"-p", link, "--chip", "esp32", "flash_id"}, {"ESPTOOL_OPEN_PORT_ATTEMPTS=0"});
  std::this_thread::sleep_for(std::chrono::seconds(1));
  REQUIRE(late.running());
  SimOptions so;
  so.chip = "esp32";
  so.pty = true;
  Sim sim(dir, so);
  auto code = late.wait(std::chrono::seconds(60));
  INFO(late.out << late.err << "\nespsim:\n" << sim.log());
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(contains(late.out, "Retrying failed connection"));
  CHECK(contains(late.out, "Detected flash size: 4MB"));

  // A bounded count gives up with the open error; a bad variable is a usage error.
  auto gone = run_espbak({"-p", (dir / "nothing").string(), "--chip", "esp32", "--open-port-attempts", "3",
                          "flash_id"});
  CHECK(gone.code == 4);
  auto bad = run_espbak({"-p", link, "--chip", "esp32", "flash_id"}, std::chrono::seconds(30),
                        {"ESPTOOL_OPEN_PORT_ATTEMPTS=many"});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "Invalid value for ESPTOOL_OPEN_PORT_ATTEMPTS."));
  // Without --chip the option is ignored with esptool's warning.
  auto nochip = run_espbak({"-p", link, "--open-port-attempts", "2", "flash_id"});
  INFO(describe(nochip));
  CHECK(nochip.code == 0);
  CHECK(contains(nochip.err, "can only be used with --port and --chip arguments"));
}

TEST_CASE("argument files (@FILE) are expanded as esptool does, each line split as shlex", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  Sim sim(dir, so);
  Bytes data = random_bytes(0x1000, 8);
  write_file(dir / "my app.bin", data);
  {
    std::ofstream args(dir / "args.txt");
    args << "write_flash\n0x10000 '" << (dir / "my app.bin").string() << "'\n";
  }
  auto w = run_espbak({"-p", sim.port(), "@" + (dir / "args.txt").string()});
  INFO(describe(w));
  REQUIRE(w.code == 0);
  CHECK(contains(w.err, "espbak -p " + sim.port() + " write_flash 0x10000 " + (dir / "my app.bin").string()));
  Bytes flash = read_file(sim.flash_file());
  CHECK(Bytes(flash.begin() + 0x10000, flash.begin() + 0x11000) == data);

  auto missing = run_espbak({"-p", sim.port(), "@" + (dir / "none.txt").string()});
  CHECK(missing.code == 2);
  CHECK(line_count(missing.err) == 1);
  CHECK(contains(missing.err, "cannot read the argument file"));
  {
    std::ofstream bad(dir / "bad.txt");
    bad << "write_flash 0x0 'unclosed\n";
  }
  auto unclosed = run_espbak({"-p", sim.port(), "@" + (dir / "bad.txt").string()});
  CHECK(unclosed.code == 2);
  CHECK(contains(unclosed.err, "line 1: no closing ' quote"));
}

TEST_CASE("read_mem, write_mem and dump_mem print as esptool v5.3.1 and dump what READ_REG reads", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.mac = "24:0a:c4:12:34:56";
  Sim sim(dir, so);
  // The detection magic (esptool ESP32ROM CHIP_DETECT_MAGIC_VALUE 0x00F01D83).
  auto r = espbak(sim, {"-q", "read_mem", "0x40001000"});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(r.out == "0x40001000 = 0x00f01d83\n");
  auto w = espbak(sim, {"-q", "write_mem", "0x3ff5a004", "0x12345678", "0xff"});
  INFO(describe(w));
  REQUIRE(w.code == 0);
  CHECK(w.out == "Wrote 0x12345678 with mask 0x000000ff to 0x3ff5a004.\n");
  // eFuse word 1 holds the MAC's last four bytes, little-endian in memory.
  auto d = espbak(sim, {"dump_mem", "0x3ff5a004", "8", (dir / "efuse.bin").string()});
  INFO(describe(d));
  REQUIRE(d.code == 0);
  CHECK(contains(d.out, "Dumping 8 bytes from 0x3ff5a004 to file '"));
  CHECK(contains(d.out, "Dumped 8 bytes from 0x3ff5a004 in "));
  Bytes dumped = read_file(dir / "efuse.bin");
  REQUIRE(dumped.size() == 8);
  CHECK(Bytes(dumped.begin(), dumped.begin() + 4) == Bytes{0x56, 0x34, 0x12, 0xC4});
  CHECK(Bytes(dumped.begin() + 4, dumped.begin() + 6) == Bytes{0x0A, 0x24});
  // Refused before connecting: a size that is not whole words, nothing written.
  auto bad = espbak(sim, {"dump_mem", "0x3ff5a004", "6", (dir / "bad.bin").string()});
  CHECK(bad.code == 2);
  CHECK(line_count(bad.err) == 1);
  CHECK_FALSE(std::filesystem::exists(dir / "bad.bin"));
}

TEST_CASE("esptool commands espbak lacks are refused in one line naming what to use, before any port", "[cli][esptool]") {
  for (const std::vector<std::string>& line :
       {std::vector<std::string>{"elf2image", "app.elf"}}) {
    CAPTURE(line.front());
    std::vector<std::string> args = {"-p", "/nonexistent/ttyUSB9"};
    args.insert(args.end(), line.begin(), line.end());
    auto r = run_espbak(args, std::chrono::seconds(20));
    INFO(describe(r));
    CHECK(r.code == 9);
    CHECK(line_count(r.err) == 1);
    CHECK(contains(r.err, "espbak does not implement "));
    CHECK(contains(r.err, "esptool"));
    CHECK_FALSE(contains(r.err, "ttyUSB9"));  // the port is never opened
  }
}

TEST_CASE("read_flash --flash_size sets the size the read is bounded by (esptool 4.8), ALL included", "[cli][esptool]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "4MB";
  Sim sim(dir, so);
  auto rom = espbak(sim, {"--no-stub", "read_flash", "-fs", "4MB", "0x300000", "0x100", (dir / "rom.bin").string()});
  INFO(describe(rom));
  REQUIRE(rom.code == 0);
  CHECK(read_file(dir / "rom.bin").size() == 0x100);
  auto two = espbak(sim, {"read_flash", "--flash_size", "2MB", "0", "ALL", (dir / "two.bin").string()});
  INFO(describe(two));
  REQUIRE(two.code == 0);
  CHECK(read_file(dir / "two.bin").size() == 2u << 20);
  auto past = espbak(sim, {"read_flash", "--flash-size", "2MB", "0x1ff000", "0x2000", (dir / "past.bin").string()});
  CHECK(past.code == 3);
  auto bad = espbak(sim, {"read_flash", "--flash-size", "3MB", "0", "ALL", (dir / "bad.bin").string()});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "invalid --flash_size '3MB'"));
}

// esptool v5.3.1 checks write-flash's --diff-with files (cli_util.py
// DiffWithType: exists, not a directory, readable; `skip` a keyword) and
// refuses --trust-flash-content without --diff-with and --skip-flashed with
// either (__init__.py write_flash_cli, MutuallyExclusiveOption). espbak
// refuses the same lines before the port is opened: the port here does not
// exist, so any other failure would name it.
TEST_CASE("write_flash refuses before the port is opened the --diff-with lines esptool refuses",
          "[cli][esptool]") {
  TempDir dir;
  write_file(dir / "app.bin", random_bytes(0x1000, 5));
  const std::string app = (dir / "app.bin").string();
  const std::string port = (dir / "no-such-tty").string();
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--diff-with", (dir / "missing.bin").string()}, 3, "--diff-with: '" + (dir / "missing.bin").string() + "' does not exist"},
      {{"--diff-with", dir.path().string()}, 3, "is a directory"},
      {{"--diff-with", app, (dir / "gone.bin").string()}, 3, "gone.bin' does not exist"},
      {{"--trust-flash-content"}, 2, "Option --trust-flash-content requires --diff-with."},
      {{"-s", "--diff-with", app}, 2, "--skip-flashed cannot be used with --diff-with"},
      {{"--skip-flashed", "--trust-flash-content"}, 2, "--skip-flashed cannot be used with --trust-flash-content"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"-p", port, "write-flash", "0x10000", app};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_espbak(args, std::chrono::seconds(30));
    INFO(describe(r));
    CHECK(r.code == c.code);
    CHECK(contains(r.err, c.says));
    CHECK(!contains(flat(r), "no-such-tty"));
    CHECK(line_count(r.err) == 1);
  }
  // `skip` is the keyword, whatever its case; a file of that name is refused.
  auto skip = run_espbak({"-p", port, "write-flash", "0x10000", app, "--diff-with", "SKIP"}, std::chrono::seconds(30));
  INFO(describe(skip));
  CHECK(contains(flat(skip), "no-such-tty"));  // got as far as the port
  write_file(dir / "skip", Bytes(16, 0));
  RunResult named;
  {
    // The check looks in the working directory, as esptool's os.path.exists("skip").
    const auto here = fs::current_path();
    fs::current_path(dir.path());
    named = run_espbak({"-p", port, "write-flash", "0x10000", app, "--diff-with", "skip"}, std::chrono::seconds(30));
    fs::current_path(here);
  }
  INFO(describe(named));
  CHECK(named.code == 3);
  CHECK(contains(named.err, "a file named 'skip' exists"));
}

// esptool v5.3.1 __init__.py add_spi_flash_options: -fm/-ff/-fs are
// click.Choice options, so a value outside the lists is a usage error before
// any port is opened; the port here does not exist.
TEST_CASE("values of -fm -ff -fs that esptool does not list are refused before the port is opened",
          "[cli][esptool]") {
  TempDir dir;
  write_file(dir / "app.bin", random_bytes(0x1000, 6));
  const std::string app = (dir / "app.bin").string();
  const std::string port = (dir / "no-such-tty").string();
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"write_flash", "-fm", "qqq", "0", app}, {}, "invalid --flash_mode value 'qqq' (choose from keep, qio"},
      {{"write_flash", "--flash_freq", "33m", "0", app}, {}, "invalid --flash_freq value '33m'"},
      {{"write-flash", "--flash-size=3MB", "0", app}, {}, "invalid --flash_size value '3MB'"},
      {{"write_flash", "-fs", "4M", "0", app}, {}, "invalid --flash_size value '4M'"},
      {{"verify_flash", "-fs", "5MB", "0", app}, {}, "invalid --flash_size value '5MB'"},
      {{"write_flash", "0", app}, {"ESPTOOL_FS=9MB"}, "invalid ESPTOOL_FS value '9MB'"},
      {{"write_flash", "0", app}, {"ESPTOOL_FM=fast"}, "invalid ESPTOOL_FM value 'fast'"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"-p", port};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_espbak(args, std::chrono::seconds(30), c.env);
    INFO(describe(r));
    CHECK(r.code == 2);
    CHECK(contains(r.err, c.says));
    CHECK(!contains(flat(r), "no-such-tty"));
    CHECK(line_count(r.err) == 1);
  }
  // Every value esptool lists gets past the check (to the missing port).
  for (const std::string size : {"256KB", "2MB-c1", "4MB-c1", "128MB", "detect", "keep"}) {
    auto r = run_espbak({"-p", port, "write_flash", "-fs", size, "-ff", "12m", "-fm", "dout", "0", app},
                        std::chrono::seconds(30));
    INFO(describe(r));
    CHECK(contains(flat(r), "no-such-tty"));
  }
}
