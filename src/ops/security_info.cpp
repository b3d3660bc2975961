// get_security_info: what esptool's get-security-info prints (esptool
// cmds.py get_security_info; fact sheet 2.1 for the layout and flag bits).
#include <fmt/format.h>

#include "espbak/ops/commands.hpp"

namespace espbak {

void cmd_get_security_info(Session& s) {
  const ChipInfo& chip = s.chip();
  if (!chip.rom.security_info)
    throw Error(ErrorKind::unsupported,
                fmt::format("get_security_info is not possible: the {} has no GET_SECURITY_INFO command (ESP32-S2 "
                            "and later chips have it)",
                            chip.name));
  auto si = s.with_recovery("reading the security info", [&] { return s.loader().security_info(); });
  Reporter& r = s.report();
  r.result("Security Information:");
  r.result(fmt::format("Flags: {:#010x} ({:b})", si.flags, si.flags));
  std::vector<std::string> set_flags;
  for (std::size_t bit = 0; bit < std::size(kSecurityFlagNames); ++bit)
    if (si.flags & (1u << bit)) set_flags.push_back(kSecurityFlagNames[bit]);
  for (const auto& name : set_flags) r.result("  " + name);
  r.result(fmt::format("Key Purposes: {}", fmt::join(si.key_purposes, ", ")));
  if (si.chip_id) r.result(fmt::format("Chip ID: {}", *si.chip_id));
  if (si.api_version) r.result(fmt::format("API Version: {}", *si.api_version));
  // esptool: flash encryption is on when SPI_BOOT_CRYPT_CNT has an odd number of bits set.
  const bool encrypted = __builtin_popcount(si.flash_crypt_cnt) % 2 == 1;
  r.result(fmt::format("Flash crypt count: {:#x} (flash encryption {})", si.flash_crypt_cnt,
                       encrypted ? "enabled" : "disabled"));
  r.result(fmt::format("Secure Download Mode: {}", (si.flags & kSecureDownloadEnableFlag) ? "enabled" : "disabled"));

  auto& j = r.json();
  JsonObject info;
  info.set("flags", si.flags);
  info.set_strings("flags_set", set_flags);
  info.set("flash_crypt_cnt", std::uint32_t(si.flash_crypt_cnt));
  std::vector<std::string> purposes;
  for (auto p : si.key_purposes) purposes.push_back(std::to_string(p));
  info.set_strings("key_purposes", purposes);
  if (si.chip_id) info.set("chip_id", *si.chip_id);
  if (si.api_version) info.set("api_version", *si.api_version);
  info.set("secure_download_mode", bool(si.flags & kSecureDownloadEnableFlag));
  info.set("flash_encryption", encrypted);
  j.set("security_info", info);
}

}  // namespace espbak
