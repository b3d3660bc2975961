#pragma once
// The subset of Python's configparser that esptool's config files use
// (esptool v5.3.1 config.py reads them with configparser): "[section]"
// headers, "key = value" or "key: value" lines, full-line comments
// starting with '#' or ';', blank lines, and indented continuation lines
// that extend the value above them. Keys are case-insensitive (lowercased,
// as configparser's optionxform does); values are trimmed.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace espbak {

struct IniEntry {
  std::string key;    // lowercased
  std::string value;  // continuation lines joined with '\n'
  int line = 0;       // where the key is, 1-based
};

// The entries of `section` (case-sensitive, as configparser's section
// names), nullopt when the text has no such section. Throws Error(input)
// naming the line for what configparser refuses: a line that is neither a
// header, an entry nor a comment; an entry before any header; the same key
// twice in a section; the same section twice; a header without ']'.
std::optional<std::vector<IniEntry>> read_ini_section(std::string_view text, std::string_view section);

}  // namespace espbak
