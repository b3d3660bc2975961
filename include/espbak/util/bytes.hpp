#pragma once
// Little-endian fields and erased-flash checks over bytes, shared by the
// parsers of flash contents (src/backup, src/image) instead of a copy each.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace espbak::util {

inline std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}

// Every byte 0xFF: erased NOR flash.
inline bool all_ff(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0xFF; });
}

}  // namespace espbak::util
