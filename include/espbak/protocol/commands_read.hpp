#pragma once
// Reading flash: the ROM's READ_FLASH_SLOW, the stub's streaming READ_FLASH
// with its raw data, acknowledgement and digest frames, and SPI_FLASH_MD5
// (fact sheet 2.1, 2.4, section 8; esptool loader.py read_flash,
// flash_md5sum, targets/esp32.py read_flash_slow).
#include <array>

#include "espbak/protocol/command_codec.hpp"
#include "espbak/util/md5.hpp"

namespace espbak::cmd {

// READ_FLASH_SLOW (ESP32-family ROMs): u32 offset, u32 length (at most 64).
struct ReadFlashSlow {
  static constexpr Op op = Op::read_flash_slow;
  static constexpr std::uint32_t kMaxLength = 64;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;

  Bytes encode() const;
  static std::optional<ReadFlashSlow> decode(std::span<const std::uint8_t> payload);  // 8 bytes
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
  bool operator==(const ReadFlashSlow&) const = default;
};

// Its result: always 64 bytes, of which the request's length are the flash's.
struct ReadFlashSlowResult {
  static constexpr std::size_t kSize = 64;
  std::array<std::uint8_t, kSize> data{};

  Bytes encode() const { return Bytes(data.begin(), data.end()); }
  static std::optional<ReadFlashSlowResult> decode(std::span<const std::uint8_t> result);  // 64 bytes
  bool operator==(const ReadFlashSlowResult&) const = default;
};

// READ_FLASH (stub only): u32 offset, u32 length, u32 packet size, u32 max
// packets in flight (esptool sends 0x1000 and 64; the stub refuses packets
// over 4096 and keeps one in flight whatever the host asks, section 8).
// After the normal reply the stub sends raw data frames of packet_length()
// bytes, each answered by a ReadFlashAck, then a ReadFlashDigest.
struct ReadFlash {
  static constexpr Op op = Op::read_flash;
  // esptool reads each stream frame with the port's DEFAULT_TIMEOUT
  // (loader.py read_flash).
  static milliseconds frame_timeout(const Timeouts& t) { return t.standard; }
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t packet_size = 0x1000;
  std::uint32_t max_in_flight = 64;

  // The size of the data frame that starts after `done` bytes.
  std::uint32_t packet_length(std::uint32_t done) const;
  Bytes encode() const;
  static std::optional<ReadFlash> decode(std::span<const std::uint8_t> payload);  // 16 bytes
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
  bool operator==(const ReadFlash&) const = default;
};

// The host's acknowledgement of a READ_FLASH data frame: a raw frame of one
// u32, the byte count received so far (the stub ends the stream once it
// reaches the length). Any other frame size is not an acknowledgement: the
// stub's loop ends on it.
struct ReadFlashAck {
  static constexpr std::size_t kSize = 4;
  std::uint32_t bytes_received = 0;

  Bytes encode() const;
  static std::optional<ReadFlashAck> decode(std::span<const std::uint8_t> frame);  // 4 bytes
  bool operator==(const ReadFlashAck&) const = default;
};

// The raw frame that ends the stream: the binary MD5 of the data sent.
struct ReadFlashDigest {
  static constexpr std::size_t kSize = 16;
  Md5::Digest digest{};

  Bytes encode() const { return Bytes(digest.begin(), digest.end()); }
  static std::optional<ReadFlashDigest> decode(std::span<const std::uint8_t> frame);  // 16 bytes
  bool operator==(const ReadFlashDigest&) const = default;
};

// SPI_FLASH_MD5 (ESP32-family ROMs, stubs): u32 address, u32 size, two u32 0.
struct SpiFlashMd5 {
  static constexpr Op op = Op::spi_flash_md5;
  std::uint32_t addr = 0;
  std::uint32_t size = 0;

  Bytes encode() const;
  static std::optional<SpiFlashMd5> decode(std::span<const std::uint8_t> payload);  // 16 bytes
  // MD5_TIMEOUT_PER_MB of the region (loader.py flash_md5sum).
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.per_mb(t.md5_seconds_per_mb, size); }
  bool operator==(const SpiFlashMd5&) const = default;
};

// Its result: 32 ASCII hex digits from a ROM (lower case; either case
// decodes), the 16 raw bytes from a stub (loader.py flash_md5sum).
struct FlashMd5Result {
  Md5::Digest digest{};

  static constexpr std::size_t size(LoaderKind from) { return from == LoaderKind::rom ? 32 : 16; }
  Bytes encode(LoaderKind from) const;
  static std::optional<FlashMd5Result> decode(std::span<const std::uint8_t> result, LoaderKind from);
  bool operator==(const FlashMd5Result&) const = default;
};

}  // namespace espbak::cmd
