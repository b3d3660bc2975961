#pragma once
// From the global options (and the environment) to the Session's options.
#include <string>

#include "parsed_args.hpp"
#include "espbak/ops/baud_policy.hpp"
#include "espbak/ops/session.hpp"

namespace espbak::cli {

// The variable's value; empty when unset or set to nothing.
std::string env_text(const char* name);

// An option's value if given, else esptool's environment default for it
// (ESPTOOL_CHIP, ESPTOOL_FM, ...) when set, else the table's default.
// *source, when asked for, names where the value came from ("--chip" or
// the variable), for error messages.
std::string option_or_env(const ParsedArgs& args, const char* key, const char* env, std::string* source = nullptr);

// The chip --chip (or ESPTOOL_CHIP) names; nullptr for auto. Error(usage)
// for a name no chip row has.
const ChipInfo* chosen_chip(const ParsedArgs& global);

// Checks every global option before anything is opened (Error(usage) for a
// bad --baud, --chip, --before, --after, --port-filter or reset sequence)
// and resolves the port and baud rate, the latter as plan_baud decides for
// a command with this traffic.
// `config`: esptool's config file values, defaults below the options and
// their environment variables.
struct ConfigValues;
SessionOptions session_options(const ParsedArgs& global, Traffic traffic, const ConfigValues* config = nullptr);

// An esptool option espbak does not support (OptionSpec::refusal), given:
// Error(unsupported) with its one line.
void refuse_unsupported_options(const std::vector<OptionSpec>& options, const ParsedArgs& args);

}  // namespace espbak::cli
