#include "espbak/protocol/command_codec.hpp"

#include <algorithm>

namespace espbak::cmd {

Bytes DataBlock::encode() const {
  Bytes b = words({length, seq, 0, 0});
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

DataBlock DataBlock::make(std::uint32_t seq, std::span<const std::uint8_t> data) {
  DataBlock b;
  b.length = std::uint32_t(data.size());
  b.seq = seq;
  b.data.assign(data.begin(), data.end());
  b.checksum = espbak::checksum(data);
  return b;
}

std::optional<DataBlock> DataBlock::parse(std::span<const std::uint8_t> payload, std::uint32_t header_checksum) {
  if (payload.size() < kHeaderSize) return std::nullopt;
  PayloadWords w(payload);
  DataBlock b;
  b.length = w[0];
  b.seq = w[1];
  b.data.assign(payload.begin() + kHeaderSize, payload.end());
  b.checksum = header_checksum;
  return b;
}

}  // namespace espbak::cmd
