#pragma once
// What every typed bootloader command shares (protocol/commands.hpp lists
// them): who answers it (ROM or stub), esptool's timeout rules, the 16-byte
// block header of the *_DATA commands, and the glue between a typed request
// and the command frame it travels in (protocol/packet.hpp).
//
// Each request struct R has
//   static constexpr Op op;
//   Bytes encode() const;                       the frame's data field
//   static std::optional<R> decode(payload);    nullopt on a length the ROM
//                                               and stub both refuse
//   timeout(const Timeouts&, LoaderKind)        esptool's rule for its reply,
//                                               from the loader's Timeouts
// Decoders check lengths only; what a field's value means (a seq out of
// order, a size past the flash) is the device's business.
#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>

#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/timeouts.hpp"

namespace espbak::cmd {

using std::chrono::milliseconds;

// Who a request goes to. The ROM loader and the flasher stub take different
// argument forms (SPI_ATTACH, CHANGE_BAUDRATE), answer in different result
// forms (SPI_FLASH_MD5) and erase at different times (FLASH_BEGIN), which
// changes the timeout rule.
enum class LoaderKind { rom, stub };

// The data field of FLASH_DATA, MEM_DATA and FLASH_DEFL_DATA: u32 length,
// u32 seq, two u32 0, then the bytes (loader.py flash_block:
// struct.pack("<IIII", len(data), seq, 0, 0) + data). These are the only
// commands whose frame header carries a checksum: the XOR of `data`, seed
// 0xEF (loader.py checksum). `length` and `checksum` are kept as received,
// because the ROM and the stub answer a wrong one differently; of() fills
// both in. The two zero words are not kept (no loader reads them).
struct DataBlock {
  static constexpr std::size_t kHeaderSize = 16;
  std::uint32_t length = 0;
  std::uint32_t seq = 0;
  Bytes data;
  std::uint32_t checksum = 0;  // frame header field

  bool length_matches() const { return length == data.size(); }
  // The whole 32-bit field against the 8-bit sum, as the stub compares it.
  bool checksum_matches() const { return checksum == espbak::checksum(data); }
  Bytes encode() const;
  bool operator==(const DataBlock&) const = default;

 protected:
  static DataBlock make(std::uint32_t seq, std::span<const std::uint8_t> data);
  // nullopt when shorter than the 16-byte header.
  static std::optional<DataBlock> parse(std::span<const std::uint8_t> payload, std::uint32_t header_checksum);
};

// A typed request: its opcode and its data field.
template <class R>
concept Request = requires(const R& r) {
  { R::op } -> std::convertible_to<Op>;
  { r.encode() } -> std::convertible_to<Bytes>;
};

// The frame header's checksum field: the block's for *_DATA, else 0.
template <Request R>
std::uint32_t header_checksum(const R& r) {
  if constexpr (requires { r.checksum; }) return r.checksum;
  else return 0;
}

// A request as the frame it travels in.
template <Request R>
Bytes encode_request(const R& r) {
  return encode_command(R::op, r.encode(), header_checksum(r));
}

// The typed request in a decoded command frame; nullopt for another opcode
// or a length the command does not take.
template <Request R>
std::optional<R> decode_request(const Command& c) {
  if (c.op != static_cast<std::uint8_t>(R::op)) return std::nullopt;
  if constexpr (requires { R::decode(std::span<const std::uint8_t>{}, std::uint32_t{}); })
    return R::decode(c.data, c.checksum);
  else return R::decode(c.data);
}

// One typed *_DATA command: the block plus its opcode (CRTP, so of() and
// decode() return the command's own type).
template <class Self, Op kOp>
struct DataCommand : DataBlock {
  static constexpr Op op = kOp;
  static Self of(std::uint32_t seq, std::span<const std::uint8_t> data) {
    Self s;
    static_cast<DataBlock&>(s) = make(seq, data);
    return s;
  }
  static std::optional<Self> decode(std::span<const std::uint8_t> payload, std::uint32_t header_checksum) {
    auto block = parse(payload, header_checksum);
    if (!block) return std::nullopt;
    Self s;
    static_cast<DataBlock&>(s) = std::move(*block);
    return s;
  }
};

// The little-endian u32 words of a payload whose length a decoder checked.
class PayloadWords {
 public:
  explicit PayloadWords(std::span<const std::uint8_t> b) : b_(b) {}
  std::uint32_t operator[](std::size_t index) const { return get_u32(b_, index * 4); }

 private:
  std::span<const std::uint8_t> b_;
};

}  // namespace espbak::cmd
