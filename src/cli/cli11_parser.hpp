#pragma once
// The CLI11 parser of a ProgramSpec: every global option and command of the
// table becomes a CLI11 option or subcommand, its values landing in the
// ParsedArgs the handlers read.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "command_table.hpp"
#include "parsed_args.hpp"
#include "usage_errors.hpp"

namespace espbak::cli {

class Cli11Parser {
 public:
  explicit Cli11Parser(const ProgramSpec& spec);
  Cli11Parser(const Cli11Parser&) = delete;  // CLI11 holds pointers into this object
  Cli11Parser& operator=(const Cli11Parser&) = delete;

  // Throws CLI11's exceptions (help and version requests among them).
  // esptool's multi-letter short options ("-fm dout") are read as their
  // long names first.
  void parse(int argc, char** argv);
  // Prints the help or version for those requests; the exit code.
  int exit(const CLI::Error& e) { return app_.exit(e); }
  // The error line for a usage error (usage_errors.hpp), or for a
  // misspelt command "unknown command 'X' (see espbak --help)"; with the
  // usage to print after it where an argument or the command is missing.
  UsageMessage usage_error_message(const CLI::ParseError& e) const;

  // After a successful parse().
  const CommandSpec& chosen() const;
  const ParsedArgs& global() const { return global_; }
  const ParsedArgs& args_of(const CommandSpec& command) const;

 private:
  void relax_positionals(const std::vector<std::string>& args);

  const ProgramSpec& spec_;
  CLI::App app_;
  ParsedArgs global_;
  std::vector<ParsedArgs> command_args_;  // one per spec_.commands entry
  std::vector<CLI::App*> subcommands_;    // likewise
  std::vector<std::map<std::string, CLI::Option*>> command_options_;  // likewise, by option key
  std::map<std::string, std::string, std::less<>> long_name_of_;  // "-fm" -> "--flash-mode"
  std::set<std::string, std::less<>> short_value_names_;           // "-b", "-p": one-letter names taking a value
};

}  // namespace espbak::cli
