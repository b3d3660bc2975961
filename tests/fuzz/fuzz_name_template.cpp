// libFuzzer target: many-board file names (ops/many_boards.hpp), the
// template parser and the {port} name. Input: the bytes are both a file
// name template and a port name.
// Invariants checked (a violation aborts, which libFuzzer reports):
//  - parsing throws only Error of kind usage;
//  - a template without fields expands to itself;
//  - with every field given, expand never throws, and a template with a
//    per-board field ({mac} or {port}) gives two boards whose values
//    differ (same length) two different names;
//  - port_file_name is never empty, has only [A-Za-z0-9._-], and starts
//    and ends with neither '-' nor '.'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "espbak/ops/many_boards.hpp"
#include "espbak/util/error.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  const std::string port = espbak::port_file_name(text);
  require(!port.empty());
  for (char c : port)
    require((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
            c == '-');
  require(port.front() != '-' && port.front() != '.' && port.back() != '-' && port.back() != '.');

  std::optional<espbak::NameTemplate> name;
  try {
    name.emplace(text);
  } catch (const espbak::Error& e) {
    require(e.kind() == espbak::ErrorKind::usage);
    return 0;
  }
  espbak::BoardFields one{"ttyUSB0", "2025-01-01", std::string("240ac4000001"), std::string("esp32")};
  espbak::BoardFields two{"ttyUSB1", "2025-01-01", std::string("240ac4000002"), std::string("esp32")};
  const std::string a = name->expand(one);
  const std::string b = name->expand(two);
  if (!name->has_fields()) require(a == text && b == text);
  if (name->per_board()) require(a != b);
  else require(a == b);
  return 0;
}
