// esptool's safety checks for chips with security features on (issue 14).
// The wording of each refusal is esptool v5.3.1's (cmds.py erase_flash,
// erase_region, write_flash), its lines joined into one, so that what people
// grep for matches; "the force argument" is --force.
#include "espbak/ops/security_checks.hpp"

#include <string>

#include <fmt/format.h>

#include "espbak/image/firmware_image.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

namespace {

constexpr const char* kBrickWarning =
    "Use the force argument to override, please use with caution, otherwise it may brick your device!";

// Below these, esptool's write and erase checks protect the bootloader
// (Secure Boot V1) and the Key Manager's key recovery info.
constexpr std::uint32_t kSecureBootV1ProtectedEnd = 0x8000;
constexpr std::uint32_t kKeyManagerProtectedEnd = 0x2000;

[[noreturn]] void refuse(const std::string& why) { throw Error(ErrorKind::unsupported, why); }


// Flash encryption from GET_SECURITY_INFO's crypt count (odd bit count), the
// only view of the eFuses in Secure Download Mode.
bool flash_encryption_per_security_info(Session& s) {
  if (!s.chip().rom.security_info) return false;
  const auto& cached = s.loader().connect_security_info();
  const std::uint8_t count = cached ? cached->flash_crypt_cnt
                                    : s.with_recovery("reading the security info",
                                                      [&] { return s.loader().security_info(); })
                                          .flash_crypt_cnt;
  return __builtin_popcount(count) % 2 == 1;
}

}  // namespace

void check_erase_allowed(const SecurityState& sec) {
  if (sec.flash_encryption || sec.secure_boot)
    refuse(std::string("Active security features detected, erasing flash is disabled as a safety measure. ") +
           kBrickWarning);
}

SecurityState read_security_state(Session& s) {
  if (s.secure_download_mode()) return {};
  return s.with_recovery("reading the security eFuses",
                         [&] { return s.chip().security_state(FieldReader(s.loader().reg_reader())); });
}

void check_erase_flash_allowed(Session& s, bool force) {
  // esptool: not with force, not on the ESP8266 (a row without decoders
  // reads as all off), not in Secure Download Mode.
  if (force || s.secure_download_mode()) return;
  check_erase_allowed(read_security_state(s));
}

void check_erase_region_allowed(Session& s, std::uint32_t address, bool force) {
  if (force || s.secure_download_mode()) return;
  const SecurityState sec = read_security_state(s);
  if (sec.flash_encryption && sec.key_manager_flash_encryption && address < kKeyManagerProtectedEnd)
    refuse(std::string("Flash encryption with Key Manager detected, erasing flash region 0x0-0x2000 is disabled "
                       "to protect key recovery info. ") +
           kBrickWarning);
  check_erase_allowed(sec);
}

void check_write_flash_allowed(Session& s, const SecurityState& sec, const std::vector<FlashRegion>& regions,
                               bool force) {
  if (force) return;
  if (s.secure_download_mode()) {
    // esptool reads GET_SECURITY_INFO here (not on the ESP32, which has no
    // such mode).
    if (flash_encryption_per_security_info(s))
      refuse("Detected flash encryption and secure download mode enabled. Flashing plaintext binary may brick "
             "your device! Use the force argument to override the warning.");
    return;
  }
  for (const auto& region : regions) {
    if (sec.secure_boot_v1 && region.address < kSecureBootV1ProtectedEnd)
      refuse(std::string("Secure Boot V1 detected, writing to flash regions < 0x8000 is disabled to protect the "
                         "bootloader. ") +
             kBrickWarning);
    if (sec.flash_encryption && sec.key_manager_flash_encryption && region.address < kKeyManagerProtectedEnd)
      refuse(std::string("Flash encryption with Key Manager detected, writing to flash region 0x0-0x2000 is "
                         "disabled to protect key recovery info. ") +
             kBrickWarning);
  }
  // esptool's check for plain (not --encrypt) data: flash encryption in
  // release mode decrypts whatever is read, so plaintext would not boot.
  if (sec.encrypted_download_disabled && sec.flash_encryption)
    refuse("Detected flash encryption enabled and download manual encrypt disabled. Data must be encrypted "
           "appropriately before flashing. Flashing plaintext data may brick your device! Use the force argument "
           "to override the warning.");
}

void check_images_suit_chip(Session& s, const std::vector<FlashRegion>& regions, bool force) {
  const ChipInfo& chip = s.chip();
  if (force || s.secure_download_mode() || !chip.quirks.extended_image_header) return;
  std::optional<std::optional<std::uint32_t>> revision;  // read once, when an image asks
  for (const auto& region : regions) {
    image::FirmwareImage img;
    try {
      img = image::parse_firmware_image(chip, region.data);
    } catch (const Error&) {
      continue;  // not an image: data (esptool: except FatalError: continue)
    }
    if (!img.extended) continue;
    const image::ExtendedHeader& x = *img.extended;
    if (chip.image.chip_id && x.chip_id != *chip.image.chip_id)
      throw Error(ErrorKind::input, fmt::format("'{}' is not an {} image. Use the force argument to flash anyway.",
                                                region.file, chip.name));
    if (!revision)
      revision = s.with_recovery("reading the chip revision",
                                 [&] { return chip.chip_revision(FieldReader(s.loader().reg_reader())); });
    if (!*revision) continue;
    const std::uint32_t rev = **revision;  // major * 100 + minor
    // Which fields the image's build set (esptool's use_rev_full_fields).
    bool full_fields = x.max_rev_full != 0;
    if (x.max_rev_full == 0xFFFF && x.min_rev_full == 0 && x.min_rev != 0) full_fields = false;
    if (full_fields) {
      if (rev < x.min_rev_full || rev > x.max_rev_full)
        throw Error(ErrorKind::input,
                    fmt::format("'{}' requires chip revision in range [v{}.{} - {}] (this chip is revision v{}.{}). "
                                "Use the force argument to flash anyway.",
                                region.file, x.min_rev_full / 100, x.min_rev_full % 100,
                                x.max_rev_full == 0xFFFF
                                    ? std::string("max rev not set")
                                    : fmt::format("v{}.{}", x.max_rev_full / 100, x.max_rev_full % 100),
                                rev / 100, rev % 100));
    } else {
      const std::uint32_t part = chip.image.min_rev_is_minor ? rev % 100 : rev / 100;
      if (part < x.min_rev)
        throw Error(ErrorKind::input,
                    fmt::format("'{}' requires chip revision {} or higher (this chip is revision {}). Use the force "
                                "argument to flash anyway.",
                                region.file, x.min_rev, part));
    }
  }
}

}  // namespace espbak
