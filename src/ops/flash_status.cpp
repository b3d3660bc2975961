// read_flash_status, write_flash_status, read_flash_sfdp: the SPI flash's
// status registers and SFDP area through raw flash commands, printed as
// esptool v5.3.1 cmds.py prints them (read_flash_status, write_flash_status,
// read_flash_sfdp).
#include <fmt/format.h>

#include "espbak/ops/commands.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

namespace {

// "0x0200" for 2 bytes: two hex digits a byte (esptool's f"0x%0{bytes*2}x").
std::string status_hex(std::uint32_t value, unsigned bytes) { return fmt::format("0x{:0{}x}", value, bytes * 2); }

// esptool attach_flash: the SPI attach (ROM only), then the flash's
// software reset, which ends any volatile status a previous session set.
void attach_and_reset_flash(Session& s) {
  s.attach_flash();
  s.loader().reset_flash_chip();
}

}  // namespace

void check_flash_status_bytes(unsigned bytes) {
  if (bytes < 1 || bytes > 3)
    throw Error(ErrorKind::usage, fmt::format("invalid --bytes {} (1, 2 or 3 status bytes)", bytes));
}

void check_write_flash_status_value(std::uint32_t value, unsigned bytes) {
  // esptool masks the value to `bytes` bytes silently; a value that does
  // not fit is more likely a typo than a wish to drop its top bits.
  if (bytes < 4 && (value >> (8 * bytes)) != 0)
    throw Error(ErrorKind::usage,
                fmt::format("write_flash_status value {:#x} does not fit in {} status byte{} (--bytes)", value,
                            bytes, bytes == 1 ? "" : "s"));
}

void check_read_flash_sfdp_args(std::uint32_t address, std::uint32_t bytes) {
  // The byte count is the one esptool checks; the SFDP area is addressed
  // with 24 bits (RDSFDP), so a larger address is refused too.
  if (bytes < 1 || bytes > 4) throw Error(ErrorKind::usage, "Invalid number of bytes to read from SFDP (1-4).");
  if (address > 0xFFFFFF)
    throw Error(ErrorKind::usage,
                fmt::format("read_flash_sfdp address {:#x} is past the 24-bit SFDP address space", address));
}

void cmd_read_flash_status(Session& s, unsigned bytes) {
  s.refuse_in_secure_download_mode("read_flash_status", "the SPI registers are not accessible");
  std::uint32_t status = s.with_recovery("reading the flash status", [&] {
    attach_and_reset_flash(s);
    return s.loader().read_flash_status(bytes);
  });
  // esptool prints {:#06x} whatever the byte count.
  s.report().result(fmt::format("Flash memory status: {:#06x}", status));
  s.report().json().set("status", fmt::format("{:#06x}", status));
  s.report().json().set("bytes", bytes);
}

void cmd_write_flash_status(Session& s, std::uint32_t value, unsigned bytes, bool non_volatile) {
  s.refuse_in_secure_download_mode("write_flash_status", "the SPI registers are not accessible");
  Reporter& r = s.report();
  std::uint32_t before = s.with_recovery("reading the flash status", [&] {
    attach_and_reset_flash(s);
    return s.loader().read_flash_status(bytes);
  });
  r.result("Initial flash memory status: " + status_hex(before, bytes));
  r.result("Setting flash memory status: " + status_hex(value, bytes));
  // The sequence only sets registers: repeating it after a link fault is harmless.
  s.with_recovery("writing the flash status", [&] { s.loader().write_flash_status(value, bytes, non_volatile); });
  std::uint32_t after =
      s.with_recovery("reading the flash status", [&] { return s.loader().read_flash_status(bytes); });
  r.result("After flash memory status:   " + status_hex(after, bytes));
  r.json().set("initial", status_hex(before, bytes));
  r.json().set("requested", status_hex(value, bytes));
  r.json().set("status", status_hex(after, bytes));
  r.json().set("non_volatile", non_volatile);
}

void cmd_read_flash_sfdp(Session& s, std::uint32_t address, std::uint32_t bytes) {
  s.refuse_in_secure_download_mode("read_flash_sfdp", "the SPI registers are not accessible");
  s.with_recovery("resetting the flash", [&] { attach_and_reset_flash(s); });
  cmd_flash_id(s);  // esptool prints the flash ID first
  std::uint32_t sfdp = s.with_recovery("reading the flash SFDP", [&] {
    return s.loader().read_flash_sfdp(address, bytes * 8);
  });
  // "Flash memory SFDP[0..3]: 0x53 0x46 0x44 0x50 " (esptool ends each byte with a space).
  std::string line = fmt::format("Flash memory SFDP[{}..{}]: ", address, address + bytes - 1);
  std::vector<std::string> values;
  for (std::uint32_t i = 0; i < bytes; ++i) {
    values.push_back(fmt::format("{:#04x}", (sfdp >> (8 * i)) & 0xFF));
    line += values.back() + " ";
  }
  s.report().result(line);
  s.report().json().set("sfdp_address", address);
  s.report().json().set_strings("sfdp", values);
}

}  // namespace espbak
