#include "espbak/protocol/commands_memory.hpp"

#include <algorithm>

namespace espbak::cmd {

Bytes MemBegin::encode() const { return words({total_size, num_blocks, block_size, offset}); }

std::optional<MemBegin> MemBegin::decode(std::span<const std::uint8_t> payload) {
  if (payload.size() != 16) return std::nullopt;
  PayloadWords w(payload);
  return MemBegin{w[0], w[1], w[2], w[3]};
}

Bytes MemEnd::encode() const { return words({flag, entry}); }

std::optional<MemEnd> MemEnd::decode(std::span<const std::uint8_t> payload) {
  if (payload.size() != 8) return std::nullopt;
  PayloadWords w(payload);
  return MemEnd{w[0], w[1]};
}

std::optional<StubGreeting> StubGreeting::decode(std::span<const std::uint8_t> frame) {
  const Bytes expected = StubGreeting{}.encode();
  if (!std::equal(frame.begin(), frame.end(), expected.begin(), expected.end())) return std::nullopt;
  return StubGreeting{};
}

}  // namespace espbak::cmd
