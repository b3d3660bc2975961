#include "espbak/protocol/commands_registers.hpp"

namespace espbak::cmd {

Bytes ReadReg::encode() const { return words({addr}); }

std::optional<ReadReg> ReadReg::decode(std::span<const std::uint8_t> payload) {
  if (payload.size() != 4) return std::nullopt;
  return ReadReg{PayloadWords(payload)[0]};
}

Bytes WriteReg::encode() const {
  Bytes b;
  b.reserve(entries.size() * kEntrySize);
  for (const auto& e : entries)
    for (std::uint32_t w : {e.addr, e.value, e.mask, e.delay_us}) put_u32(b, w);
  return b;
}

std::optional<WriteReg> WriteReg::decode(std::span<const std::uint8_t> payload) {
  if (payload.empty() || payload.size() % kEntrySize != 0) return std::nullopt;
  PayloadWords w(payload);
  WriteReg r;
  for (std::size_t i = 0; i < payload.size() / kEntrySize; ++i)
    r.entries.push_back(Entry{w[4 * i], w[4 * i + 1], w[4 * i + 2], w[4 * i + 3]});
  return r;
}

}  // namespace espbak::cmd
