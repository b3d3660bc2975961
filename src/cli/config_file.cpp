// esptool's configuration file, found and read as esptool v5.3.1 config.py
// does (config_file.hpp); the keys from its CONFIG_OPTIONS and what
// loader.py / reset.py do with each (docs/en/esptool/configuration-file.rst
// lists them with their defaults).
#include "config_file.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include "espbak/link/reset/sequences.hpp"
#include "espbak/util/error.hpp"

namespace espbak::cli {

namespace fs = std::filesystem;

namespace {

enum class KeyType { integer, number, text };

// config.py CONFIG_OPTIONS, with loader.py's types (getint / getfloat / get).
constexpr std::pair<const char*, KeyType> kKeys[] = {
    {"timeout", KeyType::number},
    {"chip_erase_timeout", KeyType::number},
    {"max_timeout", KeyType::number},
    {"sync_timeout", KeyType::number},
    {"md5_timeout_per_mb", KeyType::number},
    {"erase_region_timeout_per_mb", KeyType::number},
    {"erase_write_timeout_per_mb", KeyType::number},
    {"mem_end_rom_timeout", KeyType::number},
    {"serial_write_timeout", KeyType::number},
    {"connect_attempts", KeyType::integer},
    {"write_block_attempts", KeyType::integer},
    {"reset_delay", KeyType::number},
    {"open_port_attempts", KeyType::integer},
    {"custom_reset_sequence", KeyType::text},
    {"custom_hard_reset_sequence", KeyType::text},
};

std::optional<KeyType> key_type(const std::string& name) {
  for (const auto& [key, type] : kKeys)
    if (name == key) return type;
  return std::nullopt;
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

// Python's float() for what a time can be: a finite number, not negative,
// and at most a million seconds (11 days; the longest wait espbak's
// millisecond timers are asked to hold).
double read_seconds(const IniEntry& e) {
  const std::string& v = e.value;
  char* end = nullptr;
  double d = v.empty() ? NAN : std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d) || d < 0 || d > 1e6 ||
      v.find_first_of("xXpP") != v.npos)
    bad_value(e, "a number of seconds (0 to 1000000)");
  return d;
}

// Seconds as the loader's milliseconds, rounded up: a small positive value
// stays a wait, not none.
std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000.0 - 1e-9)));
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
  cmd::Timeouts& t = out.tuning.timeouts;
  bool max_set = false;
  for (const IniEntry& e : entries) {
    const std::optional<KeyType> type = key_type(e.key);
    if (!type) {
      out.unknown.push_back(e.key);
      continue;
    }
    switch (*type) {
      case KeyType::integer: {
        int n = read_integer(e);
        if (e.key == "connect_attempts") out.connect_attempts = n;
        if (e.key == "open_port_attempts") {
          if (n < 0) bad_value(e, "a count of 0 or more");
          out.open_port_attempts = n;
        }
        if (e.key == "write_block_attempts") {
          // esptool's retry loop (loader.py flash_block: range(n - 1, -1, -1))
          // never sends the block when n < 1, and reports no error.
          if (n < 1) bad_value(e, "a count of 1 or more");
          out.tuning.write_block_attempts = n;
        }
        break;
      }
      case KeyType::number: {
        // loader.py's constant for each key (config_file.hpp, protocol/timeouts.hpp).
        const double seconds = read_seconds(e);
        max_set |= e.key == "max_timeout";
        if (e.key == "timeout") t.standard = to_ms(seconds);
        else if (e.key == "chip_erase_timeout") t.chip_erase = to_ms(seconds);
        else if (e.key == "max_timeout") t.max = to_ms(seconds);
        else if (e.key == "sync_timeout") t.sync = to_ms(seconds);
        else if (e.key == "md5_timeout_per_mb") t.md5_seconds_per_mb = seconds;
        else if (e.key == "erase_region_timeout_per_mb") t.erase_region_seconds_per_mb = seconds;
        else if (e.key == "erase_write_timeout_per_mb") t.erase_write_seconds_per_mb = seconds;
        else if (e.key == "mem_end_rom_timeout") t.mem_end_rom = to_ms(seconds);
        else if (e.key == "serial_write_timeout") t.serial_write = to_ms(seconds);
        else if (e.key == "reset_delay") out.tuning.reset_delay = to_ms(seconds);
        break;
      }
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
  }
  // loader.py: MAX_TIMEOUT = cfg.getfloat("max_timeout", CHIP_ERASE_TIMEOUT * 2).
  if (!max_set) t.max = 2 * t.chip_erase;
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
  return m;
}

}  // namespace espbak::cli
