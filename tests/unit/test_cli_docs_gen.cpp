// The man page and the completions are generated from the command table:
// every command and option of the table appears in each of them.
#include <catch2/catch.hpp>

#include "command_table.hpp"
#include "docs_gen.hpp"

using namespace espbak::cli;

namespace {

// An option name as roff writes it (each '-' a \-).
std::string in_roff(const std::string& name) {
  std::string out;
  for (char c : name) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

}  // namespace

TEST_CASE("the man page and the completions name every command and option of the table", "[cli]") {
  const ProgramSpec& spec = program_spec();
  const std::string man = man_page(spec), bash = bash_completion(spec), zsh = zsh_completion(spec),
                    fish = fish_completion(spec);
  for (const auto& command : spec.commands) {
    INFO(command.name);
    CHECK(man.find(in_roff(command.name)) != std::string::npos);
    CHECK(bash.find(command.name) != std::string::npos);
    CHECK(bash.find(dashed_alias(command.name)) != std::string::npos);
    CHECK(zsh.find("'" + command.name + ":") != std::string::npos);
    CHECK(fish.find("-a '" + command.name + "'") != std::string::npos);
    if (!command.refusal.empty()) continue;
    for (const auto& option : command.arguments) {
      if (option.positional) continue;
      for (const auto& name : option.names) {
        INFO(name);
        CHECK(man.find(in_roff(name)) != std::string::npos);
        CHECK(bash.find(name) != std::string::npos);
      }
    }
  }
  for (const auto& option : spec.global_options)
    for (const auto& name : option.names) {
      INFO(name);
      CHECK(man.find(in_roff(name)) != std::string::npos);
      CHECK(zsh.find(name) != std::string::npos);
    }
  // -p offers serial ports, --chip the chip names.
  CHECK(bash.find("/dev/ttyUSB*") != std::string::npos);
  CHECK(fish.find("-a 'auto esp8266 esp32") != std::string::npos);
}

TEST_CASE("a man page from --help text lists its options", "[cli]") {
  const std::string help =
      "espsim: simulated chips\nUsage: espsim [OPTIONS]\n\nOptions:\n  -h,--help                   Print this help\n"
      "  --chip TEXT REQUIRED        esp8266 | esp32\n                              (more help)\n  --seed UINT  \n";
  const std::string page = man_page_from_help("espsim", "simulator", help, "1.2.3");
  CHECK(page.rfind(".TH ESPSIM 1 \"\" \"espsim 1.2.3\"", 0) == 0);
  CHECK(page.find(".B \\-\\-chip TEXT REQUIRED\nesp8266 | esp32\n(more help)\n") != std::string::npos);
  CHECK(page.find(".B \\-\\-seed UINT\n") != std::string::npos);
  CHECK(page.find("Usage") == std::string::npos);
}
