#pragma once
// SHA-256 (FIPS 180-4), for the digest ESP32 images carry.
#include <array>
#include <cstdint>
#include <span>

namespace espbak {

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data);

}  // namespace espbak
