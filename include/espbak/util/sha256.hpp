#pragma once
// SHA-256 (FIPS 180-4), for the digest ESP32 images carry.
#include <array>
#include <cstdint>
#include <cstddef>
#include <span>

namespace espbak {

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data);

// The same, fed piece by piece (a backup's SHA-256 as it is written).
class Sha256 {
 public:
  using Digest = std::array<std::uint8_t, 32>;
  Sha256();
  void update(std::span<const std::uint8_t> data);
  Digest finish();  // the object must not be updated afterwards

 private:
  std::uint32_t h_[8];
  std::uint64_t length_ = 0;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buffered_ = 0;
};

}  // namespace espbak
