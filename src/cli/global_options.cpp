#include "global_options.hpp"

#include "config_file.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "espbak/chips/chip.hpp"
#include "espbak/link/discovery.hpp"
#include "espbak/link/reset/modes.hpp"
#include "espbak/link/reset/sequences.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak::cli {

std::string env_text(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string option_or_env(const ParsedArgs& args, const char* key, const char* env, std::string* source) {
  if (source) *source = std::string("--") + key;
  if (!args.given(key)) {
    if (std::string value = env_text(env); !value.empty()) {
      if (source) *source = env;
      return value;
    }
  }
  return args.text(key);
}

void refuse_unsupported_options(const std::vector<OptionSpec>& options, const ParsedArgs& args) {
  for (const auto& option : options) {
    if (option.refusal.empty() || !args.given(option_key(option))) continue;
    if (!option.refused_value.empty() && args.text(option_key(option)) != option.refused_value) continue;
    throw Error(ErrorKind::unsupported, option.refusal);
  }
}

const ChipInfo* chosen_chip(const ParsedArgs& global) {
  std::string chip_source;
  const std::string chip_option = option_or_env(global, "chip", "ESPTOOL_CHIP", &chip_source);
  std::string chip_name = chip_option;
  for (auto& c : chip_name) c = char(std::tolower(static_cast<unsigned char>(c)));
  chip_name.erase(std::remove(chip_name.begin(), chip_name.end(), '-'), chip_name.end());  // esptool strip_chip_name
  if (chip_name == "auto") return nullptr;
  const ChipInfo* chip = find_chip(chip_name);
  if (!chip)
    throw Error(ErrorKind::usage,
                fmt::format("invalid {} value '{}' (choose from auto, {})", chip_source, chip_option, chip_cli_names()));
  return chip;
}

SessionOptions session_options(const ParsedArgs& global, Traffic traffic, const ConfigValues* config) {
  SessionOptions opts;
  // Read first: a bad rate is reported before any other bad option.
  BaudRequest baud = read_baud_request(global.text("baud"), env_text("ESPBAK_BAUD"), env_text("ESPTOOL_BAUD"));

  // esptool's environment defaults (esptool v5.3.1 __init__.py: ESPTOOL_CHIP,
  // ESPTOOL_BEFORE, ESPTOOL_AFTER) apply where the option is not given.
  std::string before_source, after_source;
  opts.chip = chosen_chip(global);
  const std::string before_option = option_or_env(global, "before", "ESPTOOL_BEFORE", &before_source);
  auto before = parse_before(before_option);
  if (!before)
    throw Error(ErrorKind::usage, fmt::format("invalid {} value '{}' (choose from {})", before_source, before_option,
                                              before_reset_choices(", ")));
  const std::string after_option = option_or_env(global, "after", "ESPTOOL_AFTER", &after_source);
  auto after = parse_after(after_option);
  if (!after)
    throw Error(ErrorKind::usage, fmt::format("invalid {} value '{}' (choose from {})", after_source, after_option,
                                              after_reset_choices(", ")));
  opts.before = *before;
  opts.after = *after;
  BaudPlan plan = plan_baud(baud, traffic, opts.before, opts.after);
  opts.baud = plan.baud;
  opts.auto_baud = plan.auto_baud;

  opts.no_stub = global.flag("no-stub");
  opts.trace = global.flag("trace");
  // --connect-attempts, else ESPTOOL_CONNECT_ATTEMPTS, else the config
  // file's connect_attempts, else 7 (esptool v5.3.1 __init__.py: the option's
  // default is the variable, whose default is loader.py DEFAULT_CONNECT_ATTEMPTS
  // = cfg.getint("connect_attempts", 7)).
  opts.connect_attempts = global.integer("connect-attempts");
  bool connect_attempts_set = global.given("connect-attempts");
  if (!connect_attempts_set) {
    if (std::string env = env_text("ESPTOOL_CONNECT_ATTEMPTS"); !env.empty()) {
      int n = 0;
      auto [end, ec] = std::from_chars(env.data(), env.data() + env.size(), n);
      if (ec != std::errc() || end != env.data() + env.size())
        throw Error(ErrorKind::usage, fmt::format("invalid ESPTOOL_CONNECT_ATTEMPTS value '{}' (a whole number)", env));
      opts.connect_attempts = n;
      connect_attempts_set = true;
    } else if (config && config->connect_attempts) {
      opts.connect_attempts = *config->connect_attempts;
      connect_attempts_set = true;
    }
  }
  if (std::string version = option_or_env(global, "stub-version", "ESPTOOL_STUB_VERSION"); !version.empty() &&
      version != "1" && version != "2")
    throw Error(ErrorKind::usage, fmt::format("invalid --stub-version value '{}' (choose from 1, 2)", version));
  opts.open_port_attempts = global.integer("open-port-attempts");
  // esptool's config file sets the defaults of these (loader.py
  // DEFAULT_CONNECT_ATTEMPTS, DEFAULT_OPEN_PORT_ATTEMPTS, the custom reset
  // sequences); options and ESPTOOL_OPEN_PORT_ATTEMPTS still win.
  if (config && !global.given("open-port-attempts") && config->open_port_attempts)
    opts.open_port_attempts = *config->open_port_attempts;
  if (!global.given("open-port-attempts")) {
    if (std::string env = env_text("ESPTOOL_OPEN_PORT_ATTEMPTS"); !env.empty()) {
      auto n = parse_u32(env);  // esptool: int(); a negative count means nothing either
      if (!n || *n > 1'000'000) throw Error(ErrorKind::usage, "Invalid value for ESPTOOL_OPEN_PORT_ATTEMPTS.");
      opts.open_port_attempts = int(*n);
    }
  }
  // Discovery gives each candidate one pass over the reset strategies
  // unless the user set the budget.
  if (connect_attempts_set) opts.discovery_attempts = opts.connect_attempts;
  opts.port_filters = global.list("port-filter");
  parse_port_filters(opts.port_filters);  // a bad filter is a usage error before anything is opened
  if (config) opts.tuning = config->tuning;  // timeouts, write_block_attempts, reset_delay: no option sets them
  if (const auto& seq = global.text("custom-reset-sequence"); !seq.empty())
    opts.custom_reset = parse_reset_sequence(seq);
  else if (config && config->custom_reset_sequence)
    opts.custom_reset = parse_reset_sequence(*config->custom_reset_sequence);
  if (const auto& seq = global.text("custom-hard-reset-sequence"); !seq.empty())
    opts.custom_hard_reset = parse_reset_sequence(seq);
  else if (config && config->custom_hard_reset_sequence)
    opts.custom_hard_reset = parse_reset_sequence(*config->custom_hard_reset_sequence);

  opts.port = global.text("port");
  if (opts.port.empty()) opts.port = env_text("ESPBAK_PORT");
  if (opts.port.empty()) opts.port = env_text("ESPTOOL_PORT");
  if (opts.port.empty()) opts.port_list = env_text("ESPBAK_PORTS");
  // Benchmark A/B switch (docs/benchmarks.md): esptool's acknowledge-after-receipt.
  if (env_text("ESPBAK_READ_ACK") == "late") opts.early_read_ack = false;
  return opts;
}

}  // namespace espbak::cli
