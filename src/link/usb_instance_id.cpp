// Formats: pyserial serial/tools/list_ports_windows.py (the regexes for
// "VID_xxxx&PID_xxxx[&MI_xx][\serial]" and FTDI's "VID_xxxx+PID_xxxx+serial"),
// which esptool's port list is built on.
#include "espbak/link/usb_instance_id.hpp"

#include <cctype>

namespace espbak {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// Four hex digits at the start of `s`.
std::optional<std::uint16_t> hex4(std::string_view s) {
  if (s.size() < 4) return std::nullopt;
  unsigned v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    char c = char(std::tolower(static_cast<unsigned char>(s[i])));
    if (c >= '0' && c <= '9') v = v * 16 + unsigned(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + unsigned(c - 'a' + 10);
    else return std::nullopt;
  }
  return std::uint16_t(v);
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::optional<UsbDeviceId> parse_usb_device_id(std::string_view id) {
  for (std::size_t at = 0; at + 4 <= id.size(); ++at) {
    if (!starts_with_nocase(id.substr(at), "VID_")) continue;
    std::string_view rest = id.substr(at + 4);
    auto vid = hex4(rest);
    if (!vid) continue;
    rest.remove_prefix(4);
    // '&' between the parts for the in-box drivers, '+' for FTDIBUS.
    if (rest.size() < 5 || (rest[0] != '&' && rest[0] != '+') || !starts_with_nocase(rest.substr(1), "PID_")) continue;
    char sep = rest[0];
    auto pid = hex4(rest.substr(5));
    if (!pid) continue;
    rest.remove_prefix(9);
    UsbDeviceId out{UsbId{*vid, *pid}, {}};
    if (sep == '+') {
      if (!rest.empty() && rest[0] == '+') {
        std::size_t n = 1;
        while (n < rest.size() && word_char(rest[n])) ++n;
        out.serial_number = std::string(rest.substr(1, n - 1));
      }
      return out;
    }
    if (starts_with_nocase(rest, "&MI_")) {
      // One interface of a composite device: its own id has no serial.
      return out;
    }
    if (!rest.empty() && rest[0] == '\\') {
      std::string_view serial = rest.substr(1);
      if (auto end = serial.find('\\'); end != std::string_view::npos) serial = serial.substr(0, end);
      // Windows generates "6&1a2b3c4d&0&1" where the device has no serial string.
      if (serial.find('&') == std::string_view::npos) out.serial_number = std::string(serial);
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace espbak
