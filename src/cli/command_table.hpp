#pragma once
// The whole command line as data: the program, its global options and its
// commands. main() builds the parser from it; man pages and shell
// completions can be generated from it too.
#include <string>
#include <string_view>
#include <vector>

#include "command_spec.hpp"
#include "option_spec.hpp"

namespace espbak::cli {

struct ProgramSpec {
  std::string name;         // "espbak"
  std::string version;      // "0.1.0"
  std::string description;  // the first line of --help
  // Accepted before or after the command; includes -h/--help and --version.
  std::vector<OptionSpec> global_options;
  std::vector<CommandSpec> commands;  // in the order --help lists them
};

const ProgramSpec& program_spec();

// By name or dashed alias ("read_flash", "read-flash"); nullptr if none.
const CommandSpec* find_command(std::string_view name);

}  // namespace espbak::cli
