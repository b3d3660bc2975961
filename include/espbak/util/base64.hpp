#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace espbak {
// Standard base64 (RFC 4648) with optional padding; nullopt on a bad character.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
// Standard base64 (RFC 4648) with padding.
std::string base64_encode(std::span<const std::uint8_t> bytes);
}  // namespace espbak
