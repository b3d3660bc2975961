#pragma once
// What the chip files of the ESP32 family share because esptool's classes
// inherit it from ESP32ROM (esptool v5.3.1 targets/esp32.py), so each file
// states only where its chip differs. Private to src/chips.
#include <optional>
#include <string>
#include <vector>

#include "espbak/chips/chip.hpp"

namespace espbak::chip_family {

// ESP32ROM.FLASH_SIZES: image header byte 3, high nibble.
inline std::vector<FlashCode> esp32_flash_sizes() {
  return {{"1MB", 0x00},  {"2MB", 0x10},  {"4MB", 0x20},  {"8MB", 0x30},
          {"16MB", 0x40}, {"32MB", 0x50}, {"64MB", 0x60}, {"128MB", 0x70}};
}

// ESP32ROM.FLASH_FREQUENCY: image header byte 3, low nibble.
inline std::vector<FlashCode> esp32_flash_freqs() {
  return {{"80m", 0xF}, {"40m", 0x0}, {"26m", 0x1}, {"20m", 0x2}};
}

// The SPI user-command registers of every chip after the ESP32 (fact sheet
// 9: USR/USR1/USR2/MOSI_DLEN/MISO_DLEN/W0 at 18/1C/20/24/28/58, addresses
// not MSB-aligned); only the base differs.
constexpr SpiRegs later_spi_regs(std::uint32_t base) {
  return {.base = base, .usr = 0x18, .usr1 = 0x1C, .usr2 = 0x20, .mosi_dlen = 0x24, .miso_dlen = 0x28, .w0 = 0x58,
          .addr_msb_aligned = false};
}

// The MAC as every eFuse chip after the ESP8266 stores it (esptool
// read_mac: struct.pack(">II", mac1, mac0)[2:]): decoder and espsim encoder
// for a chip's two MAC fields, as function pointers for its row.
template <const RegField& high16, const RegField& low32>
std::optional<Mac> mac_words(const FieldReader& f) {
  return mac_from_fields(f, high16, low32);
}
template <const RegField& high16, const RegField& low32>
bool encode_mac_words(const Mac& m, FieldWriter& w) {
  mac_to_fields(m, w, high16, low32);
  return true;
}

// Only the ESP8266 has the SDK's chip_id(): esptool's other classes raise
// NotSupportedError.
inline std::optional<std::uint32_t> no_chip_id(const FieldReader&) { return std::nullopt; }

// Every ROM after the ESP32's serves the whole ESP32 command set plus
// GET_SECURITY_INFO (esptool: no NotImplementedInROMError override in the
// later targets; fact sheet 1.4).
inline constexpr RomAbilities kLaterRomAbilities{.spi_attach = true, .spi_set_params = true,
                                                 .read_flash_slow = true, .flash_md5 = true,
                                                 .change_baud = true, .deflate = true, .security_info = true};

// The quirks of every chip after the ESP32: no ESP8266 erase bug, the
// extended image header, FLASH_BEGIN's fifth "encrypted" word
// (SUPPORTS_ENCRYPTED_FLASH), no RUN_USER_CODE through the stub.
inline constexpr ChipQuirks later_quirks() {
  return {.rom_erase_size_bug = false, .extended_image_header = true, .rom_flash_begin_encrypt_word = true,
          .stub_runs_user_code = false};
}

// get_chip_description's usual form: "NAME (revision vMAJOR.MINOR)".
inline std::string with_revision(std::string name, std::uint32_t major, std::uint32_t minor) {
  return name + " (revision v" + std::to_string(major) + "." + std::to_string(minor) + ")";
}

// ---- Security features (issue 14) -----------------------------------------
// esptool v5.3.1 targets/esp32.py get_flash_encryption_enabled (inherited by
// every later class): the count field has an odd number of bits set.
template <const RegField& crypt_cnt>
bool odd_crypt_count(const FieldReader& f) {
  return __builtin_popcount(f(crypt_cnt)) % 2 == 1;
}
template <const RegField& field>
bool field_set(const FieldReader& f) {
  return f.flag(field);
}
// uses_key_manager_for_flash_encryption (targets/esp32c5.py, esp32h4.py,
// esp32p4.py, esp32s31.py): (reg >> SHIFT) & FORCE_USE_KEY_MANAGER_VAL_XTS_AES_KEY (2).
constexpr std::uint32_t kKeyManagerXtsAesKey = 2;
template <const RegField& force_use_key_manager_key>
bool key_manager_xts_aes(const FieldReader& f) {
  return (f(force_use_key_manager_key) & kKeyManagerXtsAesKey) != 0;
}
// The chips after the ESP32: get_secure_boot_enabled reads SECURE_BOOT_EN,
// get_encrypted_download_disabled DIS_DOWNLOAD_MANUAL_ENCRYPT, and secure
// boot v1 does not exist.
template <const RegField& crypt_cnt, const RegField& secure_boot_en, const RegField& dis_download_manual_encrypt>
constexpr SecurityDecoders later_security() {
  return {.flash_encryption = odd_crypt_count<crypt_cnt>,
          .secure_boot = field_set<secure_boot_en>,
          .secure_boot_v1 = nullptr,
          .encrypted_download_disabled = field_set<dis_download_manual_encrypt>,
          .key_manager_flash_encryption = nullptr};
}
// The same with a key manager that can hold the flash encryption key.
template <const RegField& crypt_cnt, const RegField& secure_boot_en, const RegField& dis_download_manual_encrypt,
          const RegField& force_use_key_manager_key>
constexpr SecurityDecoders later_security_with_key_manager() {
  SecurityDecoders d = later_security<crypt_cnt, secure_boot_en, dis_download_manual_encrypt>();
  d.key_manager_flash_encryption = key_manager_xts_aes<force_use_key_manager_key>;
  return d;
}
// ---- end of security features -----------------------------------------------

// esptool v5.3.1 targets/esp32c6.py MEMORY_MAP, which ESP32H2ROM and
// ESP32H21ROM inherit (neither defines its own).
inline std::vector<MemoryRegion> esp32c6_memory_map() {
  return {
      {0x00000000, 0x00010000, "PADDING"},        {0x42000000, 0x43000000, "DROM"},
      {0x40800000, 0x40880000, "DRAM"},           {0x40800000, 0x40880000, "BYTE_ACCESSIBLE"},
      {0x4004AC00, 0x40050000, "DROM_MASK"},      {0x40000000, 0x4004AC00, "IROM_MASK"},
      {0x42000000, 0x43000000, "IROM"},           {0x40800000, 0x40880000, "IRAM"},
      {0x50000000, 0x50004000, "RTC_IRAM"},       {0x50000000, 0x50004000, "RTC_DRAM"},
      {0x600FE000, 0x60100000, "MEM_INTERNAL2"},
  };
}

}  // namespace espbak::chip_family
