#include "espbak/protocol/commands_read.hpp"

#include <algorithm>
#include <cctype>

namespace espbak::cmd {

namespace {

int hex_digit(std::uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = std::uint8_t(std::tolower(c));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

Bytes ReadFlashSlow::encode() const { return words({offset, length}); }

std::optional<ReadFlashSlow> ReadFlashSlow::decode(std::span<const std::uint8_t> payload) {
  if (payload.size() != 8) return std::nullopt;
  PayloadWords w(payload);
  return ReadFlashSlow{w[0], w[1]};
}

std::optional<ReadFlashSlowResult> ReadFlashSlowResult::decode(std::span<const std::uint8_t> result) {
  if (result.size() != kSize) return std::nullopt;
  ReadFlashSlowResult r;
  std::copy(result.begin(), result.end(), r.data.begin());
  return r;
}

std::uint32_t ReadFlash::packet_length(std::uint32_t done) const {
  return done >= length ? 0 : std::min(packet_size, length - done);
}

Bytes ReadFlash::encode() const { return words({offset, length, packet_size, max_in_flight}); }

std::optional<ReadFlash> ReadFlash::decode(std::span<const std::uint8_t> payload) {
  if (payload.size() != 16) return std::nullopt;
  PayloadWords w(payload);
  return ReadFlash{w[0], w[1], w[2], w[3]};
}

Bytes ReadFlashAck::encode() const { return words({bytes_received}); }

std::optional<ReadFlashAck> ReadFlashAck::decode(std::span<const std::uint8_t> frame) {
  if (frame.size() != kSize) return std::nullopt;
  return ReadFlashAck{PayloadWords(frame)[0]};
}

std::optional<ReadFlashDigest> ReadFlashDigest::decode(std::span<const std::uint8_t> frame) {
  if (frame.size() != kSize) return std::nullopt;
  ReadFlashDigest d;
  std::copy(frame.begin(), frame.end(), d.digest.begin());
  return d;
}

Bytes SpiFlashMd5::encode() const { return words({addr, size, 0, 0}); }

std::optional<SpiFlashMd5> SpiFlashMd5::decode(std::span<const std::uint8_t> payload) {
  if (payload.size() != 16) return std::nullopt;
  PayloadWords w(payload);
  return SpiFlashMd5{w[0], w[1]};
}

Bytes FlashMd5Result::encode(LoaderKind from) const {
  if (from == LoaderKind::stub) return Bytes(digest.begin(), digest.end());
  std::string hex = to_hex(digest);
  return Bytes(hex.begin(), hex.end());
}

std::optional<FlashMd5Result> FlashMd5Result::decode(std::span<const std::uint8_t> result, LoaderKind from) {
  if (result.size() != size(from)) return std::nullopt;
  FlashMd5Result r;
  if (from == LoaderKind::stub) {
    std::copy(result.begin(), result.end(), r.digest.begin());
    return r;
  }
  for (std::size_t i = 0; i < r.digest.size(); ++i) {
    int hi = hex_digit(result[2 * i]), lo = hex_digit(result[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    r.digest[i] = std::uint8_t(hi << 4 | lo);
  }
  return r;
}

}  // namespace espbak::cmd
