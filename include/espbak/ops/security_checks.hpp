#pragma once
// esptool's safety checks for chips with security features on (issue 14):
// before anything is erased or written, esptool v5.3.1 (cmds.py erase_flash,
// erase_region, write_flash) refuses what could brick a chip with flash
// encryption or secure boot, unless --force is given. espbak does the same,
// with esptool's wording, after connecting and before the first erase.
#include <cstdint>
#include <vector>

#include "espbak/ops/image.hpp"
#include "espbak/ops/session.hpp"

namespace espbak {

// The chip's security features as its row decodes them (READ_REG of the
// eFuses; nothing read for a row without decoders, the ESP8266). All off in
// Secure Download Mode, where esptool skips the reads (READ_REG is refused).
SecurityState read_security_state(Session& s);

// Erasing the whole flash is refused with flash encryption or secure boot
// on (esptool erase_flash, also for write_flash --erase-all).
void check_erase_allowed(const SecurityState& sec);
// erase_flash: the above, unless `force` or in Secure Download Mode.
void check_erase_flash_allowed(Session& s, bool force);
// erase_region ADDRESS: the same, and first the Key Manager's key recovery
// region (0x0-0x2000) where the flash encryption key is the key manager's.
void check_erase_region_allowed(Session& s, std::uint32_t address, bool force);
// write_flash of plain data to `regions`: secure boot v1 and writes below
// 0x8000; the Key Manager's region; flash encryption in release mode
// (manual encryption in download mode disabled); flash encryption with
// Secure Download Mode (from GET_SECURITY_INFO). Unless `force`. `sec`:
// read_security_state's answer (write_flash also needs it for the headers).
void check_write_flash_allowed(Session& s, const SecurityState& sec, const std::vector<FlashRegion>& regions,
                               bool force);

// write_flash: every file that reads as a firmware image (esptool
// LoadFirmwareImage; others are data) must be an image for this chip (its
// extended header's chip id) and allow its revision (min_rev_full ..
// max_rev_full, or min_rev for images without them). Unless `force`; not
// on a chip without the extended header (ESP8266) nor in Secure Download
// Mode (esptool skips both). Error(input) with esptool's line.
void check_images_suit_chip(Session& s, const std::vector<FlashRegion>& regions, bool force);

}  // namespace espbak
