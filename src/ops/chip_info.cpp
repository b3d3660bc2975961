// chip_id, read_mac, flash_id: what the chip says about itself.
#include <fmt/format.h>

#include "espbak/ops/commands.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {


void cmd_read_mac(Session& s) {
  s.refuse_in_secure_download_mode("read_mac", "the MAC is in eFuse registers, and register reads are refused");
  std::string mac = format_mac(s.with_recovery("reading the MAC", [&] { return s.loader().mac(); }));
  auto& json = s.report().json();
  json.set("mac", mac);  // always the base MAC, as the connect line prints it
  const auto& ext_field = s.chip().mac_ext;
  if (!ext_field) {
    s.report().result("MAC: " + mac);
    return;
  }
  // esptool v5.3.1 cmds.py read_mac: a chip with an EUI-64 prints it as
  // "MAC", then "BASE MAC" and "MAC_EXT"; the EUI-64 is the OUI, MAC_EXT's
  // two bytes (high byte first), then the rest of the base MAC.
  std::uint32_t ext = s.with_recovery("reading the MAC", [&] { return FieldReader(s.loader().reg_reader())(*ext_field); });
  std::string ext_text = fmt::format("{:02x}:{:02x}", (ext >> 8) & 0xFF, ext & 0xFF);
  std::string eui64 = mac.substr(0, 8) + ":" + ext_text + mac.substr(8);
  s.report().result("MAC: " + eui64);
  s.report().result("BASE MAC: " + mac);
  s.report().result("MAC_EXT: " + ext_text);
  json.set("eui64", eui64);
  json.set("mac_ext", ext_text);
}

void cmd_chip_id(Session& s) {
  s.refuse_in_secure_download_mode("chip_id", "it needs register reads, which are refused");
  auto id = s.with_recovery("reading the chip ID", [&] {
    FieldReader fields(s.loader().reg_reader());
    return s.chip().chip_id(fields);
  });
  if (!id) {
    // esptool cmds.py chip_id(): NotSupportedError -> warning, then the MAC.
    s.report().warning(fmt::format("{} has no Chip ID. Reading MAC instead.", s.chip().name));
    cmd_read_mac(s);
    return;
  }
  s.report().result(fmt::format("Chip ID: {:#010x}", *id));
  s.report().json().set("chip_id", fmt::format("{:#010x}", *id));
}

void cmd_flash_id(Session& s) {
  s.refuse_in_secure_download_mode("flash_id", "RDID needs register access, which is refused");
  std::uint32_t id = s.with_recovery("reading the flash ID", [&] {
    s.attach_flash();
    return s.flash_id();
  });
  // esptool print_flash_id(): manufacturer = byte 0; device = byte 1, byte 2.
  std::string manufacturer = fmt::format("{:02x}", id & 0xFF);
  std::string device = fmt::format("{:02x}{:02x}", (id >> 8) & 0xFF, (id >> 16) & 0xFF);
  auto size = flash_size_from_id(id);
  std::string size_text = size ? flash_size_name(*size) : "Unknown";
  s.report().result("Manufacturer: " + manufacturer);
  s.report().result("Device: " + device);
  s.report().result("Detected flash size: " + size_text);
  auto& j = s.report().json();
  j.set("manufacturer", manufacturer);
  j.set("device", device);
  j.set("flash_size", size_text);
  if (size) j.set("flash_size_bytes", *size);
}

}  // namespace espbak
