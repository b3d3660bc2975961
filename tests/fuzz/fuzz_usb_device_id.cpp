// libFuzzer target: the Windows device-id parser (link/usb_instance_id.hpp).
// Invariants checked (a violation aborts, which libFuzzer reports):
//  - any input parses or is refused, without reading out of bounds;
//  - a serial number never holds the id's separators ('\' or '&');
//  - the id upper-cased parses to the same VID, PID and serial presence.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "espbak/link/usb_instance_id.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string id(reinterpret_cast<const char*>(data), size);
  auto parsed = espbak::parse_usb_device_id(id);
  std::string upper = id;
  for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  auto parsed_upper = espbak::parse_usb_device_id(upper);
  require(parsed.has_value() == parsed_upper.has_value());
  if (!parsed) return 0;
  require(parsed->serial_number.find('\\') == std::string::npos);
  require(parsed->serial_number.find('&') == std::string::npos);
  require(parsed->usb.vid == parsed_upper->usb.vid && parsed->usb.pid == parsed_upper->usb.pid);
  require(parsed->serial_number.empty() == parsed_upper->serial_number.empty());
  return 0;
}
