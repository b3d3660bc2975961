// libFuzzer target: esptool's config file as espbak reads it, the
// configparser subset (util/ini.hpp) and the keys' values
// (cli/config_file.hpp). Input: the file's bytes.
// Invariants checked (a violation aborts, which libFuzzer reports):
//  - only Error is thrown, of kind input (the file) or usage (a value);
//  - every entry read has a non-empty lowercase key and a 1-based line
//    within the text, in increasing order;
//  - reading the same text twice gives the same entries.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config_file.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/ini.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<std::vector<espbak::IniEntry>> entries;
  try {
    entries = espbak::read_ini_section(text, "esptool");
  } catch (const espbak::Error& e) {
    require(e.kind() == espbak::ErrorKind::input);
    return 0;
  }
  if (!entries) return 0;
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n';
  int last = 0;
  for (const auto& e : *entries) {
    require(!e.key.empty());
    for (char c : e.key) require(!std::isupper(static_cast<unsigned char>(c)));
    require(e.line > last && std::size_t(e.line) <= lines);
    last = e.line;
  }
  auto again = espbak::read_ini_section(text, "esptool");
  require(again && again->size() == entries->size());
  for (std::size_t i = 0; i < entries->size(); ++i)
    require((*again)[i].key == (*entries)[i].key && (*again)[i].value == (*entries)[i].value);
  try {
    espbak::cli::read_config_values(*entries);
  } catch (const espbak::Error& e) {
    require(e.kind() == espbak::ErrorKind::usage);
  }
  return 0;
}
