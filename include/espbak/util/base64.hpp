#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace espbak {
// Standard base64 (RFC 4648) with optional padding; nullopt on a bad character.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
}  // namespace espbak
