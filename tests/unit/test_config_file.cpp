// esptool's config file: the configparser subset (util/ini.hpp), the
// search order and keys of esptool v5.3.1 config.py (cli/config_file.hpp).
#include <catch2/catch.hpp>

#include <fstream>

#include <unistd.h>

#include "config_file.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/ini.hpp"

using namespace espbak;
using namespace espbak::cli;
namespace fs = std::filesystem;

namespace {

struct TempTree {
  fs::path root;
  TempTree() {
    root = fs::temp_directory_path() / fs::path("espbak-cfg-" + std::to_string(::getpid()) + "-" +
                                                std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(root);
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  fs::path put(const std::string& rel, const std::string& text) {
    fs::path p = root / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

// config.py's per-user directory (AppData\Local\esptool on Windows).
#ifdef _WIN32
const std::string kUserDir = "home/AppData/Local/esptool/";
#else
const std::string kUserDir = "home/.config/esptool/";
#endif

// The name as the search builds it: with Windows' separator there.
std::string native(fs::path p) { return p.make_preferred().string(); }

int error_kind(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return int(e.kind());
  }
  return 0;
}

}  // namespace

TEST_CASE("ini: entries of the section, keys lowercased, values trimmed, comments and continuations") {
  auto s = read_ini_section("# c\n[tool]\nx=1\n[esptool]\n  Connect_Attempts = 3 \n; c\nseq: D0|R1\n  |W0.1\n\n",
                            "esptool");
  REQUIRE(s);
  REQUIRE(s->size() == 2);
  CHECK((*s)[0].key == "connect_attempts");
  CHECK((*s)[0].value == "3");
  CHECK((*s)[0].line == 5);
  CHECK((*s)[1].key == "seq");
  CHECK((*s)[1].value == "D0|R1\n|W0.1");
  CHECK_FALSE(read_ini_section("[tool]\nx=1\n", "esptool"));
  CHECK_FALSE(read_ini_section("", "esptool"));
}

TEST_CASE("ini: what configparser refuses is refused with the line") {
  for (const char* text : {"[esptool]\njust words\n", "x = 1\n[esptool]\n", "[esptool\nx=1\n",
                           "[esptool]\nx=1\nX=2\n", "[esptool]\n[esptool]\n", "[esptool]\n= 1\n"}) {
    CAPTURE(text);
    CHECK(error_kind([&] { read_ini_section(text, "esptool"); }) == int(ErrorKind::input));
  }
}

TEST_CASE("config: ESPTOOL_CFGFILE first, then esptool.cfg, setup.cfg, tox.ini in cwd, ~/.config/esptool, home") {
  TempTree t;
  ConfigSearch where{.env_path = "", .cwd = t.root / "cwd", .home = t.root / "home"};
  fs::create_directories(where.cwd);
  std::vector<std::string> notes;
  auto note = [&](const std::string& n) { notes.push_back(n); };
  CHECK_FALSE(find_config_file(where, note));
  t.put("home/esptool.cfg", "[esptool]\nconnect_attempts = 1\n");
  CHECK(find_config_file(where, note)->path == native(t.root / "home/esptool.cfg"));
  t.put(kUserDir + "tox.ini", "[esptool]\nconnect_attempts = 2\n");
  CHECK(find_config_file(where, note)->path == native(t.root / (kUserDir + "tox.ini")));
  t.put("cwd/setup.cfg", "[metadata]\nname = x\n");  // no [esptool]: not a config file
  CHECK(find_config_file(where, note)->path == native(t.root / (kUserDir + "tox.ini")));
  t.put("cwd/tox.ini", "[esptool]\nconnect_attempts = 3\n");
  t.put("cwd/esptool.cfg", "[esptool]\nbroken line\n");  // invalid: skipped with esptool's note
  auto found = find_config_file(where, note);
  CHECK(found->path == native(t.root / "cwd/tox.ini"));
  CHECK_FALSE(found->from_env);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].rfind("Ignoring invalid config file " + native(t.root / "cwd/esptool.cfg") + ": line 2", 0) == 0);
  where.env_path = t.put("elsewhere.ini", "[esptool]\nconnect_attempts = 4\n").string();
  found = find_config_file(where, note);
  CHECK(found->from_env);
  CHECK(read_config_values(found->entries).connect_attempts == 4);
  where.env_path = native(t.root / "missing.cfg");  // esptool falls back to the search
  CHECK(find_config_file(where, note)->path == native(t.root / "cwd/tox.ini"));
}

TEST_CASE("config: the keys espbak applies, unknown ones, bad values") {
  auto values = read_config_values(*read_ini_section(
      "[esptool]\nconnect_attempts = -1\nopen_port_attempts = 5\ncustom_reset_sequence = D0|R1|W0.1|D1|R0|W0.05|D0\n"
      "timeout = 5\nreset_delay = 0.1\nzeta = 1\nalpha = 2\n",
      "esptool"));
  CHECK(values.connect_attempts == -1);
  CHECK(values.open_port_attempts == 5);
  CHECK(values.custom_reset_sequence == "D0|R1|W0.1|D1|R0|W0.05|D0");
  CHECK_FALSE(values.custom_hard_reset_sequence);
  CHECK(values.tuning.timeouts.standard == std::chrono::milliseconds(5000));
  CHECK(values.tuning.reset_delay == std::chrono::milliseconds(100));
  CHECK(values.unknown == std::vector<std::string>{"alpha", "zeta"});
  ConfigFile file{"/x/esptool.cfg", true, {}};
  auto m = config_messages(file, values);
  REQUIRE(m.info.size() == 2);
  CHECK(m.info[0] == "Loaded custom configuration from /x/esptool.cfg (set with ESPTOOL_CFGFILE)");
  CHECK(m.info[1] == "Note: Ignoring unknown config file options: alpha, zeta");
  for (const char* bad : {"connect_attempts = seven", "connect_attempts = 7.5", "open_port_attempts = -1",
                          "timeout = fast", "timeout = -1", "sync_timeout = nan", "custom_reset_sequence = Q9",
                          "connect_attempts = 99999999999", "write_block_attempts = 0", "write_block_attempts = 2.5",
                          "max_timeout = 1e7", "reset_delay = soon", "md5_timeout_per_mb = -8"}) {
    CAPTURE(bad);
    auto entries = *read_ini_section(std::string("[esptool]\n") + bad + "\n", "esptool");
    CHECK(error_kind([&] { read_config_values(entries); }) == int(ErrorKind::usage));
  }
}

TEST_CASE("config: the timeout keys, write_block_attempts and reset_delay fill the loader's tuning", "[config]") {
  using std::chrono::milliseconds;
  auto values_of = [](const std::string& body) {
    return read_config_values(*read_ini_section("[esptool]\n" + body, "esptool"));
  };
  // No key: esptool v5.3.1 loader.py's defaults, exactly.
  const LoaderTuning defaults = values_of("").tuning;
  CHECK(defaults.timeouts == cmd::Timeouts{});
  CHECK(defaults.timeouts.standard == milliseconds(3000));
  CHECK(defaults.timeouts.max == milliseconds(240000));
  CHECK(defaults.write_block_attempts == 3);
  CHECK_FALSE(defaults.reset_delay);

  auto v = values_of(
      "timeout = 0.5\nchip_erase_timeout = 140\nmax_timeout = 200\nsync_timeout = 0.02\n"
      "md5_timeout_per_mb = 30\nerase_region_timeout_per_mb = 45.5\nerase_write_timeout_per_mb = 60\n"
      "mem_end_rom_timeout = 0.3\nserial_write_timeout = 8.5\nwrite_block_attempts = 5\nreset_delay = 0.75\n");
  const cmd::Timeouts& t = v.tuning.timeouts;
  CHECK(t.standard == milliseconds(500));
  CHECK(t.chip_erase == milliseconds(140000));
  CHECK(t.max == milliseconds(200000));
  CHECK(t.sync == milliseconds(20));
  CHECK(t.md5_seconds_per_mb == 30);
  CHECK(t.erase_region_seconds_per_mb == 45.5);
  CHECK(t.erase_write_seconds_per_mb == 60);
  CHECK(t.mem_end_rom == milliseconds(300));
  CHECK(t.serial_write == milliseconds(8500));
  CHECK(v.tuning.write_block_attempts == 5);
  CHECK(v.tuning.reset_delay == milliseconds(750));
  // MAX_TIMEOUT defaults to 2 x the configured CHIP_ERASE_TIMEOUT (loader.py).
  CHECK(values_of("chip_erase_timeout = 140\n").tuning.timeouts.max == milliseconds(280000));
  // A positive time under a millisecond stays a wait; 0 is 0.
  CHECK(values_of("sync_timeout = 0.0001\n").tuning.timeouts.sync == milliseconds(1));
  CHECK(values_of("reset_delay = 0\n").tuning.reset_delay == milliseconds(0));
}
