// configparser's file format, as much of it as esptool's config files use
// (util/ini.hpp). Rules from Python's configparser documentation ("Supported
// INI File Structure"): delimiters '=' and ':' (the first one on the line
// splits), comment prefixes '#' and ';' on their own line, no inline
// comments, strict mode (duplicate sections or keys are errors), values
// may span lines indented deeper than their key.
#include "espbak/util/ini.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "espbak/util/error.hpp"

namespace espbak {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::size_t indent_of(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && is_space(line[n])) ++n;
  return n;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

[[noreturn]] void refuse(int line, const std::string& what) {
  throw Error(ErrorKind::input, fmt::format("line {}: {}", line, what));
}

}  // namespace

std::optional<std::vector<IniEntry>> read_ini_section(std::string_view text, std::string_view section) {
  std::vector<std::string> sections_seen;
  std::vector<IniEntry> current;          // entries of the section being read
  std::string current_name;
  bool in_section = false;
  std::optional<std::vector<IniEntry>> wanted;
  std::size_t key_indent = 0;
  bool value_open = false;  // a continuation line may extend current.back()

  auto close_section = [&] {
    if (in_section && current_name == section) wanted = std::move(current);
    current.clear();
  };

  int number = 0;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(at, end - at);
    at = end + 1;
    ++number;
    if (raw.find('\0') != std::string_view::npos) refuse(number, "a NUL byte");
    std::string_view line = trim(raw);
    if (line.empty()) {
      value_open = false;  // configparser keeps empty lines inside a value only if more follow; espbak ends it
      continue;
    }
    if (line.front() == '#' || line.front() == ';') continue;
    const std::size_t indent = indent_of(raw);
    if (value_open && indent > key_indent && !current.empty()) {
      current.back().value += "\n" + std::string(line);
      continue;
    }
    value_open = false;
    if (line.front() == '[') {
      const std::size_t close = line.find(']');
      if (close == std::string_view::npos) refuse(number, "a section header without ']'");
      std::string name(line.substr(1, close - 1));
      close_section();
      if (std::find(sections_seen.begin(), sections_seen.end(), name) != sections_seen.end())
        refuse(number, fmt::format("section [{}] appears twice", name));
      sections_seen.push_back(name);
      current_name = std::move(name);
      in_section = true;
      continue;
    }
    const std::size_t split = line.find_first_of("=:");
    if (split == std::string_view::npos) refuse(number, "neither a [section], a key = value line nor a comment");
    if (!in_section) refuse(number, "an entry before the first [section] header");
    std::string key = lowercase(trim(line.substr(0, split)));
    if (key.empty()) refuse(number, "an entry without a key");
    if (std::any_of(current.begin(), current.end(), [&](const IniEntry& e) { return e.key == key; }))
      refuse(number, fmt::format("option '{}' appears twice in [{}]", key, current_name));
    current.push_back({key, std::string(trim(line.substr(split + 1))), number});
    key_indent = indent;
    value_open = true;
  }
  close_section();
  return wanted;
}

}  // namespace espbak
