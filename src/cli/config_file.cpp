// esptool's configuration file, found and read as esptool v5.3.1 config.py
// does (config_file.hpp); the keys from its CONFIG_OPTIONS and what
// loader.py / reset.py do with each.
#include "config_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "espbak/link/reset/sequences.hpp"
#include "espbak/util/error.hpp"

namespace espbak::cli {

namespace fs = std::filesystem;

namespace {

enum class KeyType { integer, number, text };

struct KnownKey {
  const char* name;
  KeyType type;
  // Why espbak does not apply it (nullptr: it does).
  const char* not_applied;
};

// config.py CONFIG_OPTIONS, with loader.py's types (getint / getfloat / get).
constexpr KnownKey kKeys[] = {
    {"timeout", KeyType::number, "espbak keeps esptool's default timeouts"},
    {"chip_erase_timeout", KeyType::number, "espbak keeps esptool's default timeouts"},
    {"max_timeout", KeyType::number, "espbak keeps esptool's default timeouts"},
    {"sync_timeout", KeyType::number, "espbak keeps esptool's default timeouts"},
    {"md5_timeout_per_mb", KeyType::number, "espbak keeps esptool's default timeouts"},
    {"erase_region_timeout_per_mb", KeyType::number, "espbak keeps esptool's default timeouts"},
    {"erase_write_timeout_per_mb", KeyType::number, "espbak keeps esptool's default timeouts"},
    {"mem_end_rom_timeout", KeyType::number, "espbak keeps esptool's default timeouts"},
    {"serial_write_timeout", KeyType::number, "espbak keeps its own serial write handling"},
    {"connect_attempts", KeyType::integer, nullptr},
    {"write_block_attempts", KeyType::integer, "espbak retries failed blocks its own way (docs/exit-codes.md, Retries)"},
    {"reset_delay", KeyType::number, "espbak keeps esptool's 0.05 s and 0.55 s reset delays"},
    {"open_port_attempts", KeyType::integer, nullptr},
    {"custom_reset_sequence", KeyType::text, nullptr},
    {"custom_hard_reset_sequence", KeyType::text, nullptr},
};

const KnownKey* known_key(const std::string& name) {
  for (const auto& k : kKeys)
    if (name == k.name) return &k;
  return nullptr;
}

[[noreturn]] void bad_value(const IniEntry& e, const char* wanted) {
  throw Error(ErrorKind::usage, fmt::format("config file option {} = '{}' (line {}) is not {}", e.key, e.value,
                                            e.line, wanted));
}

// Python's int(): optional sign, decimal digits.
int read_integer(const IniEntry& e) {
  const std::string& v = e.value;
  std::size_t i = (!v.empty() && (v[0] == '+' || v[0] == '-')) ? 1 : 0;
  if (i == v.size() || !std::all_of(v.begin() + std::ptrdiff_t(i), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    bad_value(e, "an integer");
  if (v.size() - i > 9) bad_value(e, "an integer of at most 9 digits");
  return std::stoi(v);
}

// Python's float() for what a timeout can be: a finite number, not negative.
void check_number(const IniEntry& e) {
  const std::string& v = e.value;
  char* end = nullptr;
  double d = v.empty() ? NAN : std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d) || d < 0 || v.find_first_of("xXpP") != v.npos)
    bad_value(e, "a number of seconds (0 or more)");
}

std::string read_text(const std::string& path, bool& readable) {
  std::ifstream in(path, std::ios::binary);
  readable = bool(in);
  if (!readable) return {};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// config.py _validate_config_file: the entries when the file exists,
// parses and has [esptool].
std::optional<std::vector<IniEntry>> try_candidate(const fs::path& path,
                                                   const std::function<void(const std::string&)>& note) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  bool readable = false;
  std::string text = read_text(path.string(), readable);
  if (!readable) {
    if (note) note(fmt::format("Ignoring invalid config file {}: it cannot be read", path.string()));
    return std::nullopt;
  }
  try {
    return read_ini_section(text, "esptool");
  } catch (const Error& e) {
    if (note) note(fmt::format("Ignoring invalid config file {}: {}", path.string(), e.what()));
    return std::nullopt;
  }
}

}  // namespace

ConfigSearch ConfigSearch::from_environment() {
  ConfigSearch s;
  if (const char* env = std::getenv("ESPTOOL_CFGFILE")) s.env_path = env;
  std::error_code ec;
  s.cwd = fs::current_path(ec);
#ifdef _WIN32
  const char* home = std::getenv("USERPROFILE");
#else
  const char* home = std::getenv("HOME");
#endif
  if (home && *home) s.home = home;
  return s;
}

std::optional<ConfigFile> find_config_file(const ConfigSearch& where,
                                           const std::function<void(const std::string&)>& note) {
  auto found = [](const fs::path& p, bool env, std::vector<IniEntry> entries) {
    std::error_code ec;
    fs::path absolute = fs::absolute(p, ec);
    return ConfigFile{(ec ? p : absolute).string(), env, std::move(entries)};
  };
  // ESPTOOL_CFGFILE first; esptool checks it without notes and falls back
  // to the search when it is not a valid file.
  if (!where.env_path.empty())
    if (auto entries = try_candidate(where.env_path, nullptr)) return found(where.env_path, true, std::move(*entries));
  std::vector<fs::path> dirs;
  if (!where.cwd.empty()) dirs.push_back(where.cwd);
  if (!where.home.empty()) {
#ifdef _WIN32
    dirs.push_back(where.home / "AppData" / "Local" / "esptool");
#else
    dirs.push_back(where.home / ".config" / "esptool");
#endif
    dirs.push_back(where.home);
  }
  for (const auto& dir : dirs)
    for (const char* name : {"esptool.cfg", "setup.cfg", "tox.ini"})
      if (auto entries = try_candidate(dir / name, note)) return found(dir / name, false, std::move(*entries));
  return std::nullopt;
}

ConfigValues read_config_values(const std::vector<IniEntry>& entries) {
  ConfigValues out;
  for (const IniEntry& e : entries) {
    const KnownKey* key = known_key(e.key);
    if (!key) {
      out.unknown.push_back(e.key);
      continue;
    }
    switch (key->type) {
      case KeyType::integer: {
        int n = read_integer(e);
        if (e.key == "connect_attempts") out.connect_attempts = n;
        if (e.key == "open_port_attempts") {
          if (n < 0) bad_value(e, "a count of 0 or more");
          out.open_port_attempts = n;
        }
        break;
      }
      case KeyType::number:
        check_number(e);
        break;
      case KeyType::text:
        try {
          parse_reset_sequence(e.value);
        } catch (const Error& bad) {
          throw Error(ErrorKind::usage, fmt::format("config file option {} (line {}): {}", e.key, e.line, bad.what()));
        }
        if (e.key == "custom_reset_sequence") out.custom_reset_sequence = e.value;
        else out.custom_hard_reset_sequence = e.value;
        break;
    }
    if (key->not_applied) out.ignored.push_back(e.key);
  }
  std::sort(out.unknown.begin(), out.unknown.end());
  return out;
}

ConfigMessages config_messages(const ConfigFile& file, const ConfigValues& values) {
  ConfigMessages m;
  m.info.push_back(
      fmt::format("Loaded custom configuration from {}{}", file.path, file.from_env ? " (set with ESPTOOL_CFGFILE)" : ""));
  if (!values.unknown.empty()) {
    std::string list;
    for (const auto& k : values.unknown) list += (list.empty() ? "" : ", ") + k;
    m.info.push_back(fmt::format("Note: Ignoring unknown config file option{}: {}",
                                 values.unknown.size() > 1 ? "s" : "", list));
  }
  for (const auto& k : values.ignored)
    m.warnings.push_back(fmt::format("config file option {} is not applied: {}", k, known_key(k)->not_applied));
  return m;
}

}  // namespace espbak::cli
