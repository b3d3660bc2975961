#pragma once
// Bootloader command and response packets (the payload inside a SLIP frame).
// Layout: ../shared/docs/protocol-facts.md section 1.2-1.5.
//   command:  u8 0x00, u8 op, u16 len, u32 checksum, data[len]
//   response: u8 0x01, u8 op, u16 len, u32 value,    data[len] (result + status)
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "espbak/protocol/opcodes.hpp"

namespace espbak {

using Bytes = std::vector<std::uint8_t>;

struct Command {
  std::uint8_t op = 0;
  std::uint32_t checksum = 0;
  Bytes data;
};

struct Response {
  std::uint8_t op = 0;
  std::uint32_t value = 0;
  Bytes data;  // result bytes followed by the status bytes
};

// XOR checksum with seed 0xEF over the bytes after a *_DATA command's
// 16-byte header.
std::uint8_t checksum(std::span<const std::uint8_t> data);

Bytes encode_command(std::uint8_t op, std::span<const std::uint8_t> data, std::uint32_t checksum = 0);
Bytes encode_command(Op op, std::span<const std::uint8_t> data, std::uint32_t checksum = 0);

// Device side. nullopt when the frame is not a well-formed command (direction
// byte not 0, shorter than the header, or length field disagreeing with the
// frame); the caller answers that with the ROM's error status.
enum class CommandParseError { none, too_short, bad_direction, bad_length };
std::optional<Command> decode_command(std::span<const std::uint8_t> frame, CommandParseError* why = nullptr);

Bytes encode_response(std::uint8_t op, std::uint32_t value, std::span<const std::uint8_t> data);

// Host side. nullopt when the frame is not a response (direction byte not 1,
// shorter than 8 bytes). The length field is not trusted: data is the rest of
// the frame, as esptool does.
std::optional<Response> decode_response(std::span<const std::uint8_t> frame);

// The two status bytes esptool reads: the pair right after `result_len` bytes
// of result data (loader.py check_command). ok() when byte 0 is 0.
struct Status {
  bool present = false;
  std::uint8_t s0 = 0;
  std::uint8_t s1 = 0;
  bool ok() const { return present && s0 == 0; }
  // ROM "invalid message" (0x01 0x05): the command is not supported.
  bool unsupported() const { return present && s0 != 0 && s1 == rom_error::invalid_message; }
  // The stubs' forms of "no such command": legacy C3 invalid command, FF not implemented.
  bool stub_unsupported() const {
    return present && (s0 == stub_error::invalid_command || s0 == stub_error::cmd_not_implemented);
  }
};
Status response_status(const Response& r, std::size_t result_len = 0);

// Little-endian helpers for building and reading command payloads.
void put_u32(Bytes& b, std::uint32_t v);
void put_u16(Bytes& b, std::uint16_t v);
std::uint32_t get_u32(std::span<const std::uint8_t> b, std::size_t at);
std::uint16_t get_u16(std::span<const std::uint8_t> b, std::size_t at);
Bytes words(std::initializer_list<std::uint32_t> ws);

}  // namespace espbak
