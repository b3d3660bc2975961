#pragma once
// One option or positional argument of the command line, as data: its
// names, whether it takes a value, its help. The CLI11 parser is built from
// these (cli11_builder.cpp), and so can man pages and shell completions be.
#include <string>
#include <string_view>
#include <vector>

namespace espbak::cli {

enum class ValueKind {
  flag,          // takes no value: given or not
  text,          // one value
  integer,       // one whole number (CLI11 refuses anything else)
  text_list,     // one or more values, the option repeatable
  help_flag,     // -h/--help: print the help and exit 0
  version_flag,  // --version: print the version and exit 0
};

inline bool takes_value(ValueKind kind) {
  return kind == ValueKind::text || kind == ValueKind::integer || kind == ValueKind::text_list;
}

struct OptionSpec {
  // Every spelling accepted: short names first, then long ones ("-u",
  // "--no-compress", "--no_compress"); a positional has its bare name only
  // ("address").
  std::vector<std::string> names;
  ValueKind kind = ValueKind::text;
  std::string help;
  bool positional = false;
  bool required = false;
  // What an absent option means, as the handlers see it ("7", "auto");
  // empty: nothing. Not shown in --help (esptool's help does not either).
  std::string default_value;
  // Values worth offering in a completion. The handlers check values
  // themselves, so that refusals read as esptool's do (docs/errors.md).
  std::vector<std::string> values;
  // The key of an option that cannot be given together with this one.
  std::string excludes;
  // An esptool option espbak does not support: given at all, this one line
  // is the error (exit 9), before anything is opened. `refused_value`: only
  // that value is refused ("--flash-type nand"; "nor" is what espbak does).
  std::string refusal;
  std::string refused_value;
  // A text option that may be given several times, one value each time
  // (-p for several boards): ParsedArgs::every() has them all, text() the
  // last.
  bool repeatable = false;
  // Taken when the option is given without one of `values` after it
  // (verify_flash --diff: esptool v5's flag, v4's "--diff yes|no").
  std::string implicit_value;
  // A required positional that may be left out when the option of this key
  // is given (read_flash's ADDRESS SIZE with --partition): the parser asks
  // for it only on a command line without that option.
  std::string optional_with;
};

// "--flash-mode" -> {"--flash-mode", "--flash_mode"}: esptool v5 dashes and
// the v4 underscores. A name without a dash after the leading two is returned alone.
inline std::vector<std::string> dashed_and_underscored(std::string_view dashed) {
  std::string underscored(dashed);
  for (std::size_t i = 2; i < underscored.size(); ++i)
    if (underscored[i] == '-') underscored[i] = '_';
  if (underscored == dashed) return {std::string(dashed)};
  return {std::string(dashed), underscored};
}

// How a handler asks for the value: a positional's name, else the first
// long name without its dashes ("flash-mode").
inline std::string option_key(const OptionSpec& option) {
  if (option.positional) return option.names.front();
  for (const auto& name : option.names)
    if (name.rfind("--", 0) == 0) return name.substr(2);
  return option.names.front().substr(1);
}

// esptool's short options of more than one letter ("-fm", "-ff", "-fs":
// argparse and click allow them, CLI11 does not). The parser rewrites them
// to the option's long name before CLI11 sees the command line.
inline bool is_multi_letter_short_name(std::string_view name) {
  return name.size() > 2 && name[0] == '-' && name[1] != '-';
}

// All names in one comma-separated list, as CLI11 takes them (without the
// multi-letter short ones).
inline std::string joined_names(const OptionSpec& option) {
  std::string joined;
  for (const auto& name : option.names)
    if (!is_multi_letter_short_name(name)) joined += (joined.empty() ? "" : ",") + name;
  return joined;
}

}  // namespace espbak::cli
