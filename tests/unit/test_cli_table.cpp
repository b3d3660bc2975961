// The command table as data: what man pages, completions and the parser are
// built from. Each name is declared once and means one thing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "command_table.hpp"
#include "espbak/chips/chip.hpp"

using namespace espbak;
using namespace espbak::cli;

TEST_CASE("every command has one name, a dashed alias, help, and one kind of handler (or both and a chooser) or a refusal", "[cli]") {
  const ProgramSpec& p = program_spec();
  std::set<std::string> seen;
  for (const auto& c : p.commands) {
    INFO(c.name);
    CHECK(seen.insert(c.name).second);
    CHECK_FALSE(c.help.empty());
    // A handler of one kind, or (an esptool command espbak refuses) none and a refusal;
    // both kinds only with the rule that picks one (offline_when).
    if (c.offline_when)
      CHECK((c.run_offline && c.prepare && c.refusal.empty()));
    else
      CHECK(int(c.run_offline != nullptr) + int(c.prepare != nullptr) + int(!c.refusal.empty()) == 1);
    CHECK(find_command(c.name) == &c);
    CHECK(find_command(dashed_alias(c.name)) == &c);
    CHECK(dashed_alias(c.name).find('_') == std::string::npos);
  }
  CHECK(find_command("no_such_command") == nullptr);
  for (auto name : {"read_flash", "write_flash", "erase_flash", "erase_region", "verify_flash", "flash_id",
                    "chip_id", "read_mac", "get_security_info", "list_ports", "version"})
    CHECK(find_command(name) != nullptr);
}

TEST_CASE("no option name is declared twice for a command, globals included (but esptool's -p, -s, -t and --version after a command)", "[cli]") {
  const ProgramSpec& p = program_spec();
  std::set<std::string> global_names;
  for (const auto& o : p.global_options)
    for (const auto& n : o.names) CHECK(global_names.insert(n).second);
  for (const auto& c : p.commands) {
    INFO(c.name);
    std::set<std::string> names = global_names, keys;
    for (const auto& o : c.arguments) {
      CHECK(keys.insert(option_key(o)).second);
      CHECK_FALSE(o.names.empty());
      for (const auto& n : o.names) {
        INFO(n);
        // The one deliberate shadowing: esptool v5's `-p` after read-flash /
        // write-flash is --no-progress (before the command, the port).
        if (n == "-p" && option_key(o) == "no-progress") continue;
        // And esptool v5's `-s` after write-flash is --skip-flashed (before
        // the command, --silent).
        if (n == "-s" && option_key(o) == "skip-flashed") continue;
        // esptool's own shadowings after a command: v4's `image_info
        // --version 1|2` and v5's `merge-bin -t/--target-offset` (-t before
        // the command is --trace).
        if (n == "--version" && c.name == "image_info") continue;
        if (n == "-t" && option_key(o) == "target-offset") continue;
        CHECK(names.insert(n).second);
        // A long option is accepted in esptool v5's dashed and v4's underscored spelling.
        if (n.rfind("--", 0) == 0 && n.find('-', 2) != std::string::npos) {
          std::string underscored = dashed_and_underscored(n).back();
          CHECK(std::find(o.names.begin(), o.names.end(), underscored) != o.names.end());
        }
      }
      if (o.positional) CHECK(o.names.size() == 1);
    }
  }
}

TEST_CASE("the chip option offers every chip of the table, in its help and its completion values", "[cli]") {
  const ProgramSpec& p = program_spec();
  auto it = std::find_if(p.global_options.begin(), p.global_options.end(),
                         [](const OptionSpec& o) { return option_key(o) == "chip"; });
  REQUIRE(it != p.global_options.end());
  for (const auto& c : all_chips()) {
    INFO(c.cli_name);
    CHECK(it->help.find(std::string(c.cli_name)) != std::string::npos);
    CHECK(std::find(it->values.begin(), it->values.end(), std::string(c.cli_name)) != it->values.end());
  }
}
