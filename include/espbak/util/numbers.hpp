#pragma once
// Number parsing with esptool's rules: int(x, 0) accepts 0x.., 0o.., 0b..,
// decimal; sizes also take k/K and m/M suffixes (esptool cli_util.parse_size_arg).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace espbak {

// Parses an unsigned integer that must fit in 32 bits. nullopt on anything else
// (negative, empty, junk after the digits, overflow).
std::optional<std::uint32_t> parse_u32(std::string_view text);

// Like parse_u32, plus a binary suffix: 4k = 4096, 4M = 4 MiB.
std::optional<std::uint32_t> parse_size(std::string_view text);

// "4MB" / "512KB" -> bytes; nullopt if not of that form.
std::optional<std::uint32_t> parse_flash_size_name(std::string_view text);

// 4194304 -> "4MB", 524288 -> "512KB".
std::string flash_size_name(std::uint32_t bytes);

}  // namespace espbak
