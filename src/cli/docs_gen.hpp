#pragma once
// The man page and shell completions of espbak, generated from the command
// table the parser is built from (so they cannot drift from the CLI), and a
// man page for a program from its --help text (espsim's).
#include <string>
#include <string_view>

#include "command_table.hpp"

namespace espbak::cli {

// espbak.1 in man(7) roff.
std::string man_page(const ProgramSpec& spec);
// A man page from CLI11 --help output: NAME from `summary`, the help text's
// options as an OPTIONS list.
std::string man_page_from_help(std::string_view name, std::string_view summary, std::string_view help_text,
                               std::string_view version);

std::string bash_completion(const ProgramSpec& spec);
std::string zsh_completion(const ProgramSpec& spec);
std::string fish_completion(const ProgramSpec& spec);

}  // namespace espbak::cli
