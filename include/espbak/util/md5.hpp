#pragma once
// MD5 (RFC 1321). The loader's SPI_FLASH_MD5 command reports MD5 digests, so
// both the host (to compare) and espsim (to answer) need it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace espbak {

class Md5 {
 public:
  using Digest = std::array<std::uint8_t, 16>;
  Md5();
  void update(std::span<const std::uint8_t> data);
  Digest finish();  // the object must not be updated afterwards

  static Digest of(std::span<const std::uint8_t> data);

 private:
  void block(const std::uint8_t* p);
  std::uint32_t a_, b_, c_, d_;
  std::uint64_t length_ = 0;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buffered_ = 0;
};

// Lower-case hex of any byte string (used for MD5 digests).
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace espbak
