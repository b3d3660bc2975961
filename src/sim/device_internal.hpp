#pragma once
// Private to src/sim/device*.cpp: the constants and helpers the ROM, stub
// and chip parts of sim::Device share. Sources as in device.cpp.
#include <zlib.h>

#include <cstdint>
#include <vector>

#include "espbak/protocol/opcodes.hpp"
#include "espbak/sim/device.hpp"

namespace espbak::sim {

inline constexpr std::uint32_t kSector = 0x1000;
inline constexpr std::uint32_t kBlock = 0x10000;
inline constexpr std::uint32_t kPage = 0x100;
// Both chips' UART TX FIFO holds 128 bytes: the CPU is free once the rest of
// a frame has been pushed into it (ESP32 / ESP8266 technical reference manuals).
inline constexpr SimTime kTxFifoBytes = 128;
// esp-flasher-stub: MAX_COMMAND_SIZE of its receive buffer. The exact figure is
// not in the sources we read; it must hold a 0x4000-byte block plus headers.
inline constexpr std::size_t kStubMaxCommand = 0x4000 + 0x400;
// esp-flasher-stub READ_FLASH: packet_size limit (data[4102] minus 6).
inline constexpr std::uint32_t kStubMaxReadPacket = 4096;
// tinfl dictionary the stub decompresses into before writing (TINFL_LZ_DICT_SIZE).
inline constexpr std::size_t kStubInflateBuffer = 32768;

// esp-flasher-stub src/commands.h: 16-bit response codes, sent big-endian,
// i.e. the stub_error byte of protocol/opcodes.hpp followed by 0.
namespace code {
constexpr std::uint16_t from(std::uint8_t stub_error_byte) { return std::uint16_t(stub_error_byte << 8); }
constexpr std::uint16_t ok = 0x0000;
constexpr std::uint16_t bad_data_len = from(stub_error::bad_data_len);
constexpr std::uint16_t bad_data_checksum = from(stub_error::bad_data_checksum);
constexpr std::uint16_t invalid_command = from(stub_error::invalid_command);
constexpr std::uint16_t failed_spi_op = from(stub_error::failed_spi_op);
constexpr std::uint16_t not_in_flash_mode = from(stub_error::not_in_flash_mode);
constexpr std::uint16_t inflate_error = from(stub_error::inflate_error);
constexpr std::uint16_t not_enough_data = from(stub_error::not_enough_data);
constexpr std::uint16_t too_much_data = from(stub_error::too_much_data);
constexpr std::uint16_t not_implemented = from(stub_error::cmd_not_implemented);
}  // namespace code

inline std::uint32_t align_down(std::uint32_t v, std::uint32_t a) { return v / a * a; }
inline std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

// zlib stream used by FLASH_DEFL_* (ROM and stub).
struct Device::Inflater {
  z_stream zs{};
  bool ok = false;
  std::vector<std::uint8_t> out;  // stub: the tinfl dictionary buffer
  std::size_t fill = 0;
  Inflater() { ok = inflateInit(&zs) == Z_OK; }
  ~Inflater() { inflateEnd(&zs); }
  void restart() {
    inflateReset(&zs);
    fill = 0;
    out.assign(kStubInflateBuffer, 0);
  }
};

}  // namespace espbak::sim
