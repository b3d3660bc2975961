#pragma once
// Replies as each loader writes them: the response header (packet.hpp), the
// command's result bytes, then the status in the ROM's or the stub's form
// (fact sheet 1.3, 1.4). The device side encodes through these; the host
// checks replies with esptool's looser rule instead (packet.hpp
// response_status: the two bytes after the expected result), which reads
// both forms without knowing which loader answered.
#include <cstdint>
#include <optional>
#include <span>

#include "espbak/protocol/packet.hpp"

namespace espbak::cmd {

// ROM status: u8 failed (0/1), u8 error code (rom_error::*), and on every ROM
// but the ESP8266's two reserved zero bytes: ChipInfo::rom_status_len bytes.
struct RomStatus {
  bool failed = false;
  std::uint8_t error = 0;

  // The device model's convention: code 0 is success, any other a failure
  // with that code (the ROM's "undefined" code 0x00 is never sent).
  static RomStatus from_code(std::uint8_t code) { return {code != 0, code}; }
  bool ok() const { return !failed; }
  Bytes encode(std::size_t length) const;  // length >= 2
  // nullopt unless `status` is `length` (>= 2) bytes; reserved bytes are not kept.
  static std::optional<RomStatus> decode(std::span<const std::uint8_t> status, std::size_t length);
  bool operator==(const RomStatus&) const = default;
};

// Stub status: the 16-bit code written big-endian (esp-flasher-stub
// command_handler.c s_send_response): 00 00 success, C1 00 bad checksum...
struct StubStatus {
  static constexpr std::size_t kSize = 2;
  std::uint16_t code = 0;

  // stub_error::* is the code's high byte.
  static StubStatus from_error(std::uint8_t stub_error_byte) { return {std::uint16_t(stub_error_byte << 8)}; }
  bool ok() const { return code == 0; }
  Bytes encode() const { return {std::uint8_t(code >> 8), std::uint8_t(code)}; }
  static std::optional<StubStatus> decode(std::span<const std::uint8_t> status);  // 2 bytes
  bool operator==(const StubStatus&) const = default;
};

// A whole reply. `op` is a raw byte: a ROM answers an unknown command with an
// opcode no command has (docs/espsim.md), and a malformed frame with its own.
// `value` is READ_REG's register and SYNC's echo; 0 otherwise.
struct RomReply {
  std::uint8_t op = 0;
  std::uint32_t value = 0;
  Bytes result;
  RomStatus status;

  Bytes encode(std::size_t status_len) const;
  // nullopt when the frame is no response or shorter than the status.
  static std::optional<RomReply> decode(std::span<const std::uint8_t> frame, std::size_t status_len);
  bool operator==(const RomReply&) const = default;
};

struct StubReply {
  std::uint8_t op = 0;
  std::uint32_t value = 0;
  Bytes result;
  StubStatus status;

  Bytes encode() const;
  static std::optional<StubReply> decode(std::span<const std::uint8_t> frame);
  bool operator==(const StubReply&) const = default;
};

}  // namespace espbak::cmd
