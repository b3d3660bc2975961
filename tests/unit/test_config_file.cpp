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
  CHECK(find_config_file(where, note)->path == (t.root / "home/esptool.cfg").string());
  t.put("home/.config/esptool/tox.ini", "[esptool]\nconnect_attempts = 2\n");
  CHECK(find_config_file(where, note)->path == (t.root / "home/.config/esptool/tox.ini").string());
  t.put("cwd/setup.cfg", "[metadata]\nname = x\n");  // no [esptool]: not a config file
  CHECK(find_config_file(where, note)->path == (t.root / "home/.config/esptool/tox.ini").string());
  t.put("cwd/tox.ini", "[esptool]\nconnect_attempts = 3\n");
  t.put("cwd/esptool.cfg", "[esptool]\nbroken line\n");  // invalid: skipped with esptool's note
  auto found = find_config_file(where, note);
  CHECK(found->path == (t.root / "cwd/tox.ini").string());
  CHECK_FALSE(found->from_env);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].rfind("Ignoring invalid config file " + (t.root / "cwd/esptool.cfg").string() + ": line 2", 0) == 0);
  where.env_path = t.put("elsewhere.ini", "[esptool]\nconnect_attempts = 4\n").string();
  found = find_config_file(where, note);
  CHECK(found->from_env);
  CHECK(read_config_values(found->entries).connect_attempts == 4);
  where.env_path = (t.root / "missing.cfg").string();  // esptool falls back to the search
  CHECK(find_config_file(where, note)->path == (t.root / "cwd/tox.ini").string());
}

TEST_CASE("config: the keys espbak applies, the ones it names as not applied, unknown ones, bad values") {
  auto values = read_config_values(*read_ini_section(
      "[esptool]\nconnect_attempts = -1\nopen_port_attempts = 5\ncustom_reset_sequence = D0|R1|W0.1|D1|R0|W0.05|D0\n"
      "timeout = 5\nreset_delay = 0.1\nzeta = 1\nalpha = 2\n",
      "esptool"));
  CHECK(values.connect_attempts == -1);
  CHECK(values.open_port_attempts == 5);
  CHECK(values.custom_reset_sequence == "D0|R1|W0.1|D1|R0|W0.05|D0");
  CHECK_FALSE(values.custom_hard_reset_sequence);
  CHECK(values.ignored == std::vector<std::string>{"timeout", "reset_delay"});
  CHECK(values.unknown == std::vector<std::string>{"alpha", "zeta"});
  ConfigFile file{"/x/esptool.cfg", true, {}};
  auto m = config_messages(file, values);
  REQUIRE(m.info.size() == 2);
  CHECK(m.info[0] == "Loaded custom configuration from /x/esptool.cfg (set with ESPTOOL_CFGFILE)");
  CHECK(m.info[1] == "Note: Ignoring unknown config file options: alpha, zeta");
  REQUIRE(m.warnings.size() == 2);
  CHECK(m.warnings[0].rfind("config file option timeout is not applied", 0) == 0);
  for (const char* bad : {"connect_attempts = seven", "connect_attempts = 7.5", "open_port_attempts = -1",
                          "timeout = fast", "timeout = -1", "sync_timeout = nan", "custom_reset_sequence = Q9",
                          "connect_attempts = 99999999999"}) {
    CAPTURE(bad);
    auto entries = *read_ini_section(std::string("[esptool]\n") + bad + "\n", "esptool");
    CHECK(error_kind([&] { read_config_values(entries); }) == int(ErrorKind::usage));
  }
}
