#pragma once
// esptool's configuration file (esptool v5.3.1 config.py): where it is
// looked for, which keys it has, and what each sets (every key of esptool's
// CONFIG_OPTIONS is applied). The file's values are defaults: a
// command-line option (or esptool's environment variable for it) still
// wins, as in esptool.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "espbak/loader/tuning.hpp"
#include "espbak/util/ini.hpp"

namespace espbak::cli {

// Where to look: ESPTOOL_CFGFILE, then esptool.cfg, setup.cfg, tox.ini in
// the working directory, ~/.config/esptool (POSIX; AppData/Local/esptool
// on Windows) and the home directory, in that order.
struct ConfigSearch {
  std::string env_path;  // ESPTOOL_CFGFILE ("" when unset)
  std::filesystem::path cwd, home;
  static ConfigSearch from_environment();
};

struct ConfigFile {
  std::string path;  // absolute, as esptool prints it
  bool from_env = false;
  std::vector<IniEntry> entries;  // the [esptool] section
};

// The first candidate that exists, parses and has an [esptool] section
// (esptool _validate_config_file); nullopt when none. A candidate that
// exists but does not parse is skipped with esptool's note, passed to `note`.
std::optional<ConfigFile> find_config_file(const ConfigSearch& where,
                                           const std::function<void(const std::string&)>& note);

// What espbak takes from the section. Throws Error(usage) naming the key
// for a value of the wrong type (esptool's getint / getfloat would fail on
// it too), a count or a time out of range, or a reset sequence that does
// not parse.
struct ConfigValues {
  std::optional<int> connect_attempts;
  std::optional<int> open_port_attempts;
  std::optional<std::string> custom_reset_sequence;
  std::optional<std::string> custom_hard_reset_sequence;
  // The timeout keys, write_block_attempts and reset_delay over esptool's
  // defaults (loader.py: max_timeout defaults to 2 x chip_erase_timeout).
  LoaderTuning tuning;
  std::vector<std::string> unknown;  // keys esptool does not have, sorted (esptool's note)
};
ConfigValues read_config_values(const std::vector<IniEntry>& entries);

// The lines to print for them: esptool's "Loaded custom configuration
// from PATH" and its note on unknown keys.
struct ConfigMessages {
  std::vector<std::string> info;
};
ConfigMessages config_messages(const ConfigFile& file, const ConfigValues& values);

}  // namespace espbak::cli
