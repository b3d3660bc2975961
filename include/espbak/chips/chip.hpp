#pragma once
// Chip facts as data: one ChipInfo per chip, built by src/chips/<chip>.cpp,
// for espbak (detection, registers, decoders, quirks) and espsim (the
// register image, boot banners, default MAC) alike. Code outside src/chips
// asks the row, never which chip it is. Sources: ../shared/docs/
// protocol-facts.md sections 2, 4, 7, 9 and esptool v5.3.1 targets/*.py,
// cited in each chip file.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/chips/chip_list.hpp"
#include "espbak/chips/fields.hpp"

namespace espbak {

enum class ChipId {
#define ESPBAK_CHIP_ENUM(name) name,
  ESPBAK_FOR_EACH_CHIP(ESPBAK_CHIP_ENUM)
#undef ESPBAK_CHIP_ENUM
};

// Registers of the SPI controller used to run a raw flash command (RDID) the
// way esptool does (loader.py run_spiflash_command).
struct SpiRegs {
  std::uint32_t base;
  std::uint32_t usr, usr1, usr2;    // offsets from base
  std::uint32_t mosi_dlen;          // 0: the chip packs bit lengths into USR1
  std::uint32_t miso_dlen;
  std::uint32_t w0;
  bool addr_msb_aligned;
  std::uint32_t cmd() const { return base; }
  std::uint32_t addr() const { return base + 4; }
};
constexpr std::uint32_t kSpiCmdUsr = 1u << 18;  // CMD register: start user command

// What the chip's ROM loader implements (the stub implements all of these).
struct RomAbilities {
  bool spi_attach;
  bool spi_set_params;
  bool read_flash_slow;
  bool flash_md5;
  bool change_baud;
  bool deflate;
  bool security_info;
};

struct FlashCode {
  std::string_view name;  // "4MB", "40m", "dio"
  std::uint8_t code;
};

// How the host learns the crystal frequency (esptool get_crystal_freq).
struct Crystal {
  // Chips whose esptool class returns a constant (ESP32-S3: 40).
  std::optional<std::uint32_t> fixed_mhz;
  // Otherwise estimated as baud * (CLKDIV & 0xFFFFF) / 1e6 / divider.
  std::uint32_t uart_clkdiv_reg;
  std::uint32_t clk_divider;  // ESP8266: 2 (the UART runs at twice the crystal)
};

// ESP32: the ROM clocks its UART from the drifting 8 MHz oscillator, so
// CHANGE_BAUDRATE to the ROM is scaled by the ROM's own crystal estimate
// (esptool targets/esp32.py get_rom_cal_crystal_freq / change_baud).
struct RomBaudCalibration {
  RegField rtc_cali_value;  // TIMERS_RTC_CALI_VALUE
  RegField ck8m_freq;       // EFUSE_RD_CK8M_FREQ
};

// Behaviours that differ between chips, each named for what it changes.
struct ChipQuirks {
  // The ROM's SPIEraseArea erases the wrong amount; FLASH_BEGIN's erase size
  // is corrected (esptool targets/esp8266.py get_erase_size, esptool #33).
  bool rom_erase_size_bug = false;
  // Application images carry the 16-byte extended header after the 8-byte
  // one (esptool bin_image.py: every chip but the ESP8266).
  bool extended_image_header = true;
  // The ROM's FLASH_BEGIN / FLASH_DEFL_BEGIN take a fifth "encrypted" word
  // (esptool SUPPORTS_ENCRYPTED_FLASH; not ESP8266 / ESP32).
  bool rom_flash_begin_encrypt_word = true;
  // The flasher stub's RUN_USER_CODE starts the application, which is what
  // --after soft_reset does with the stub (esptool: ESP8266 only).
  bool stub_runs_user_code = false;
};

// Text the ROM prints on the console after a reset (fact sheet 7).
struct BootBanners {
  std::uint32_t rom_log_baud;          // the ROM prints its boot log at this rate
  std::string_view download;           // reset with the boot strap (GPIO0) low
  std::string_view firmware;           // any other reset (EN)
  std::string_view firmware_power_on;  // power-on
  std::uint32_t app_baud;              // the application's console rate
};

// What espsim needs beyond what the host reads: the chip it pretends to be.
struct SimFacts {
  std::uint32_t xtal_hz;  // drives the UART CLKDIV the host measures
  Mac default_mac;        // an Espressif OUI
  // Puts `mac` into the register image; false when the chip's eFuses cannot
  // express it.
  bool (*encode_mac)(const Mac& mac, FieldWriter& regs);
  // Field values at power-on: package, revision, calibration, ...
  std::vector<FieldValue> power_on_fields;
};

struct ChipInfo {
  ChipId id;
  std::string_view name;      // "ESP8266", as esptool's CHIP_NAME
  std::string_view cli_name;  // "esp8266", as --chip takes it
  // Detection (fact sheet 4.1).
  std::vector<std::uint32_t> magic_values;        // READ_REG 0x40001000
  // GET_SECURITY_INFO chip id. None with rom.security_info: the ROM answers
  // the 12-byte form without one (ESP32-S2), and the magic value decides.
  std::optional<std::uint32_t> security_chip_id;
  // ROM loader.
  std::uint32_t rom_status_len;  // status bytes after a ROM response's data
  RomAbilities rom;
  ChipQuirks quirks;
  std::optional<RomBaudCalibration> rom_baud_calibration;
  // Registers.
  SpiRegs spi;
  Crystal crystal;
  std::uint32_t uart_date_reg;  // harmless register for WRITE_REG delays
  std::uint32_t efuse_base;     // first eFuse word esptool reads
  // Every register field of the chip that espbak decodes or espsim encodes
  // (MAC, package, revisions, calibration, flash encryption), by name.
  std::vector<RegField> fields;
  // Images.
  std::uint32_t bootloader_offset;  // where a bootloader image gets header patching
  std::string_view stub_name;       // stub image name (esptool-js JSON stem); empty: no stub exists
  std::vector<FlashCode> flash_sizes;  // image header byte 3, high nibble
  std::vector<FlashCode> flash_freqs;  // image header byte 3, low nibble

  // Decoders over the fields above.
  std::string (*describe)(const FieldReader&);  // "ESP8266EX", "ESP32-D0WD-V3 (revision v3.1)"
  std::vector<std::string> (*features)(const FieldReader&);
  std::optional<Mac> (*mac)(const FieldReader&);  // nullopt: unknown OUI
  std::optional<std::uint32_t> (*chip_id)(const FieldReader&);  // nullopt: not supported

  // Simulator side.
  BootBanners banners;
  SimFacts sim;

  // The field called `name` (nullopt when the chip has none).
  std::optional<RegField> field(std::string_view name) const;
};

// All known chips, in detection order.
std::span<const ChipInfo> all_chips();
const ChipInfo* find_chip(std::string_view cli_name);
const ChipInfo* chip_by_magic(std::uint32_t magic);
const ChipInfo* chip_by_security_id(std::uint32_t id);
const ChipInfo& chip(ChipId id);
// Every chip's --chip name, in table order, joined by `separator`.
std::string chip_cli_names(std::string_view separator = ", ");

// Flash commands and their encodings.
constexpr std::uint32_t kChipDetectMagicReg = 0x40001000;
constexpr std::uint8_t kSpiFlashRdid = 0x9F;

// RDID result (W0): manufacturer in bits 0-7, type 8-15, capacity 16-23.
// Flash size in bytes from the capacity byte (esptool DETECTED_FLASH_SIZES),
// nullopt when unknown.
std::optional<std::uint32_t> flash_size_from_id(std::uint32_t flash_id);
// A JEDEC capacity byte for a flash size (inverse of the above, 0x12..0x1C).
std::optional<std::uint8_t> capacity_code_for_size(std::uint32_t bytes);

// ESP8266 ROM erase-size workaround (esptool targets/esp8266.py get_erase_size).
std::uint32_t esp8266_rom_erase_size(std::uint32_t offset, std::uint32_t size);

std::string format_mac(const Mac& mac);
std::optional<Mac> parse_mac(std::string_view text);

}  // namespace espbak
