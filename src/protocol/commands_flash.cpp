#include "espbak/protocol/commands_flash.hpp"

namespace espbak::cmd {

namespace {

// FLASH_BEGIN and FLASH_DEFL_BEGIN: four words and the optional 5th.
Bytes encode_begin(std::uint32_t size, std::uint32_t blocks, std::uint32_t block_size, std::uint32_t offset,
                   std::optional<std::uint32_t> encrypted) {
  Bytes b = words({size, blocks, block_size, offset});
  if (encrypted) put_u32(b, *encrypted);
  return b;
}

template <class Begin>
std::optional<Begin> decode_begin(std::span<const std::uint8_t> payload) {
  if (payload.size() != 16 && payload.size() != 20) return std::nullopt;
  PayloadWords w(payload);
  std::optional<std::uint32_t> encrypted;
  if (payload.size() == 20) encrypted = w[4];
  return Begin{w[0], w[1], w[2], w[3], encrypted};
}

std::optional<std::uint32_t> decode_flag(std::span<const std::uint8_t> payload) {
  if (payload.size() != 4) return std::nullopt;
  return PayloadWords(payload)[0];
}

}  // namespace

Bytes SpiAttach::encode() const {
  Bytes b = words({pins});
  if (is_legacy) b.insert(b.end(), {*is_legacy, 0, 0, 0});
  return b;
}

std::optional<SpiAttach> SpiAttach::decode(std::span<const std::uint8_t> payload) {
  if (payload.size() != 4 && payload.size() != 8) return std::nullopt;
  SpiAttach a{PayloadWords(payload)[0], std::nullopt};
  if (payload.size() == 8) a.is_legacy = payload[4];
  return a;
}

Bytes SpiSetParams::encode() const {
  return words({id, total_size, block_size, sector_size, page_size, status_mask});
}

std::optional<SpiSetParams> SpiSetParams::decode(std::span<const std::uint8_t> payload) {
  if (payload.size() != 24) return std::nullopt;
  PayloadWords w(payload);
  return SpiSetParams{w[0], w[1], w[2], w[3], w[4], w[5]};
}

Bytes FlashBegin::encode() const { return encode_begin(erase_size, num_blocks, block_size, offset, encrypted); }

std::optional<FlashBegin> FlashBegin::decode(std::span<const std::uint8_t> payload) {
  return decode_begin<FlashBegin>(payload);
}

milliseconds FlashBegin::erase_timeout(const Timeouts& t, LoaderKind to, std::uint32_t region_size) {
  return to == LoaderKind::stub ? t.standard : t.per_mb(t.erase_region_seconds_per_mb, region_size);
}

Bytes FlashEnd::encode() const { return words({flag}); }

std::optional<FlashEnd> FlashEnd::decode(std::span<const std::uint8_t> payload) {
  auto flag = decode_flag(payload);
  if (!flag) return std::nullopt;
  return FlashEnd{*flag};
}

Bytes FlashDeflBegin::encode() const { return encode_begin(size, num_blocks, block_size, offset, encrypted); }

std::optional<FlashDeflBegin> FlashDeflBegin::decode(std::span<const std::uint8_t> payload) {
  return decode_begin<FlashDeflBegin>(payload);
}

Bytes FlashDeflEnd::encode() const { return words({flag}); }

std::optional<FlashDeflEnd> FlashDeflEnd::decode(std::span<const std::uint8_t> payload) {
  auto flag = decode_flag(payload);
  if (!flag) return std::nullopt;
  return FlashDeflEnd{*flag};
}

Bytes EraseRegion::encode() const { return words({offset, size}); }

std::optional<EraseRegion> EraseRegion::decode(std::span<const std::uint8_t> payload) {
  if (payload.size() != 8) return std::nullopt;
  PayloadWords w(payload);
  return EraseRegion{w[0], w[1]};
}

}  // namespace espbak::cmd
