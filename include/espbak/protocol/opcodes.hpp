#pragma once
// Bootloader / flasher-stub command opcodes and status codes.
// Source: ../shared/docs/protocol-facts.md sections 1.4 and 2.1 (esptool
// loader.py v5.3.1, esp-flasher-stub src/commands.h).
#include <cstdint>
#include <string_view>

namespace espbak {

enum class Op : std::uint8_t {
  flash_begin = 0x02,
  flash_data = 0x03,
  flash_end = 0x04,
  mem_begin = 0x05,
  mem_end = 0x06,
  mem_data = 0x07,
  sync = 0x08,
  write_reg = 0x09,
  read_reg = 0x0A,
  spi_set_params = 0x0B,
  spi_attach = 0x0D,
  read_flash_slow = 0x0E,
  change_baudrate = 0x0F,
  flash_defl_begin = 0x10,
  flash_defl_data = 0x11,
  flash_defl_end = 0x12,
  spi_flash_md5 = 0x13,
  get_security_info = 0x14,
  // flasher stub only
  erase_flash = 0xD0,
  erase_region = 0xD1,
  read_flash = 0xD2,
  run_user_code = 0xD3,
};

std::string_view op_name(std::uint8_t op);

// ROM failure codes: status byte 1 when status byte 0 is 1.
namespace rom_error {
constexpr std::uint8_t invalid_param = 0x01;
constexpr std::uint8_t invalid_message = 0x05;  // unknown / unsupported command
constexpr std::uint8_t bad_result = 0x06;
constexpr std::uint8_t bad_checksum = 0x07;
constexpr std::uint8_t flash_write = 0x08;
constexpr std::uint8_t flash_read = 0x09;
constexpr std::uint8_t flash_read_length = 0x0A;
constexpr std::uint8_t deflate = 0x0B;
}  // namespace rom_error

// Stub failure codes: status byte 0 (byte 1 is 0).
namespace stub_error {
constexpr std::uint8_t bad_data_len = 0xC0;
constexpr std::uint8_t bad_data_checksum = 0xC1;
constexpr std::uint8_t bad_blocksize = 0xC2;
constexpr std::uint8_t invalid_command = 0xC3;
constexpr std::uint8_t failed_spi_op = 0xC4;
constexpr std::uint8_t failed_spi_unlock = 0xC5;
constexpr std::uint8_t not_in_flash_mode = 0xC6;
constexpr std::uint8_t inflate_error = 0xC7;
constexpr std::uint8_t not_enough_data = 0xC8;
constexpr std::uint8_t too_much_data = 0xC9;
constexpr std::uint8_t cmd_not_implemented = 0xFF;
}  // namespace stub_error

// One-line human description of a two-byte status pair (ROM or stub form).
std::string_view status_text(std::uint8_t s0, std::uint8_t s1);

constexpr std::uint32_t kChecksumSeed = 0xEF;
constexpr std::uint32_t kFlashSectorSize = 0x1000;
constexpr std::uint32_t kRamBlockSize = 0x1800;        // ESP_RAM_BLOCK
constexpr std::uint32_t kRomFlashWriteSize = 0x400;    // FLASH_WRITE_SIZE, ROM
constexpr std::uint32_t kStubFlashWriteSize = 0x4000;  // FLASH_WRITE_SIZE, stub
// USB_RAM_BLOCK, "Max block size USB-OTG is used" (esptool v5.3.1
// targets/esp32s2.py, esp32s3.py, esp32p4.py): RAM and stub flash blocks.
constexpr std::uint32_t kUsbOtgBlockSize = 0x800;
constexpr std::uint32_t kReadPacketSize = 0x1000;      // stub READ_FLASH max packet

}  // namespace espbak
