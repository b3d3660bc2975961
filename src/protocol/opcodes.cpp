#include "espbak/protocol/opcodes.hpp"

namespace espbak {

std::string_view op_name(std::uint8_t op) {
  switch (static_cast<Op>(op)) {
    case Op::flash_begin: return "FLASH_BEGIN";
    case Op::flash_data: return "FLASH_DATA";
    case Op::flash_end: return "FLASH_END";
    case Op::mem_begin: return "MEM_BEGIN";
    case Op::mem_end: return "MEM_END";
    case Op::mem_data: return "MEM_DATA";
    case Op::sync: return "SYNC";
    case Op::write_reg: return "WRITE_REG";
    case Op::read_reg: return "READ_REG";
    case Op::spi_set_params: return "SPI_SET_PARAMS";
    case Op::spi_attach: return "SPI_ATTACH";
    case Op::read_flash_slow: return "READ_FLASH_SLOW";
    case Op::change_baudrate: return "CHANGE_BAUDRATE";
    case Op::flash_defl_begin: return "FLASH_DEFL_BEGIN";
    case Op::flash_defl_data: return "FLASH_DEFL_DATA";
    case Op::flash_defl_end: return "FLASH_DEFL_END";
    case Op::spi_flash_md5: return "SPI_FLASH_MD5";
    case Op::get_security_info: return "GET_SECURITY_INFO";
    case Op::erase_flash: return "ERASE_FLASH";
    case Op::erase_region: return "ERASE_REGION";
    case Op::read_flash: return "READ_FLASH";
    case Op::run_user_code: return "RUN_USER_CODE";
  }
  return "UNKNOWN";
}

std::string_view status_text(std::uint8_t s0, std::uint8_t s1) {
  if (s0 == 0) return "ok";
  if (s0 == 1) {  // ROM form: 1, code
    switch (s1) {
      case 0x01: return "invalid input parameter";
      case 0x02: return "malloc failed";
      case 0x03: return "send failed";
      case 0x04: return "receive failed";
      case 0x05: return "invalid message (command not supported)";
      case 0x06: return "message ok but result wrong";
      case 0x07: return "checksum error";
      case 0x08: return "flash write error";
      case 0x09: return "flash read error";
      case 0x0A: return "flash read length error";
      case 0x0B: return "deflate failed";
      case 0x0C: return "deflate Adler32 error";
      case 0x0D: return "deflate parameter error";
      case 0x0E: return "invalid RAM binary size";
      case 0x0F: return "invalid RAM binary address";
      default: return "ROM error";
    }
  }
  switch (s0) {  // stub form: code, 0
    case 0xC0: return "bad data length";
    case 0xC1: return "bad data checksum";
    case 0xC2: return "bad block size";
    case 0xC3: return "invalid command";
    case 0xC4: return "SPI operation failed";
    case 0xC5: return "SPI unlock failed";
    case 0xC6: return "not in flash mode";
    case 0xC7: return "inflate error";
    case 0xC8: return "not enough data";
    case 0xC9: return "too much data";
    case 0xFF: return "command not implemented";
    default: return "unknown failure";
  }
}

}  // namespace espbak
