#pragma once
// Chip facts as data: one ChipInfo row per chip. A new chip is a new row.
// Sources: ../shared/docs/protocol-facts.md sections 2, 4; esptool
// targets/esp8266.py, targets/esp32.py and targets/esp32s3.py (v5.3.1).
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace espbak {

enum class ChipId { esp8266, esp32, esp32s3 };

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

// Reads a 32-bit register on the chip (READ_REG); used by the decoders below.
using RegReader = std::function<std::uint32_t(std::uint32_t addr)>;

struct FlashCode {
  std::string_view name;  // "4MB", "40m", "dio"
  std::uint8_t code;
};

struct ChipInfo {
  ChipId id;
  std::string_view name;      // "ESP8266", as esptool's CHIP_NAME
  std::string_view cli_name;  // "esp8266", as --chip takes it
  std::vector<std::uint32_t> magic_values;  // READ_REG 0x40001000
  std::optional<std::uint32_t> security_chip_id;  // GET_SECURITY_INFO chip id
  std::uint32_t rom_status_len;     // status bytes after a ROM response's data
  RomAbilities rom;
  SpiRegs spi;
  std::uint32_t efuse_base;         // first MAC/eFuse word read by esptool
  std::uint32_t uart_clkdiv_reg;
  std::uint32_t xtal_clk_divider;
  std::uint32_t uart_date_reg;      // harmless register for WRITE_REG delays
  std::uint32_t bootloader_offset;  // where a bootloader image gets header patching
  std::string_view stub_name;       // stub image name (esptool-js JSON stem)
  std::vector<FlashCode> flash_sizes;   // image header byte 3, high nibble
  std::vector<FlashCode> flash_freqs;   // image header byte 3, low nibble
  bool rom_erase_size_bug;          // ESP8266 ROM SPIEraseArea (esptool #33)

  // Decoders, in terms of register reads.
  std::string (*describe)(const RegReader&);             // "ESP8266EX", "ESP32-D0WD-V3 (revision v3.1)"
  std::vector<std::string> (*features)(const RegReader&);
  std::optional<std::array<std::uint8_t, 6>> (*mac)(const RegReader&);  // nullopt: unknown OUI
  std::optional<std::uint32_t> (*chip_id)(const RegReader&);  // nullopt: not supported
};

// All known chips, in detection order.
std::span<const ChipInfo> all_chips();
const ChipInfo* find_chip(std::string_view cli_name);
const ChipInfo* chip_by_magic(std::uint32_t magic);
const ChipInfo& chip(ChipId id);

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

std::string format_mac(const std::array<std::uint8_t, 6>& mac);
std::optional<std::array<std::uint8_t, 6>> parse_mac(std::string_view text);

}  // namespace espbak
