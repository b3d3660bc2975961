#pragma once
// CLI11 reports usage errors in its own phrases ("--port: At Most 1
// required but received 2", "Could not convert: --baud = x"). These turn
// them into sentences that name the option or argument and the command, and
// give the usage line of the command when an argument is missing or extra.
#include <string>
#include <string_view>

#include "command_table.hpp"

namespace espbak::cli {

// A positional's name as the usage line and the man page show it
// ("ADDRESS", "ADDRESS FILENAME [ADDRESS FILENAME ...]").
std::string shown_positional(const OptionSpec& option);

// "usage: espbak read_flash [options] ADDRESS SIZE FILENAME"; for a command
// taking address/file pairs "... ADDRESS FILENAME [ADDRESS FILENAME ...]".
std::string command_usage_line(const ProgramSpec& spec, const CommandSpec& command);

struct UsageMessage {
  std::string line;   // the one error line (without "espbak: error: ")
  std::string usage;  // a usage line to print after it, or empty
};

// `command` is the command CLI11 was parsing when it failed (nullptr before
// one was recognised). Messages this does not recognise are kept as CLI11
// wrote them.
UsageMessage plain_usage_message(std::string_view cli11_message, const ProgramSpec& spec,
                                 const CommandSpec* command);

}  // namespace espbak::cli
