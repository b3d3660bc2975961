#include "espbak/util/md5.hpp"

#include <cstring>

namespace espbak {

namespace {

// Per-round shift amounts and the sine-derived constants of RFC 1321, 3.4.
constexpr std::uint32_t kShift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                      5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                      4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                      6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
constexpr std::uint32_t kSine[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

inline std::uint32_t rotl(std::uint32_t x, std::uint32_t n) { return (x << n) | (x >> (32 - n)); }

}  // namespace

Md5::Md5() : a_(0x67452301), b_(0xefcdab89), c_(0x98badcfe), d_(0x10325476) {}

void Md5::block(const std::uint8_t* p) {
  std::uint32_t m[16];
  for (int i = 0; i < 16; ++i)
    m[i] = std::uint32_t(p[i * 4]) | std::uint32_t(p[i * 4 + 1]) << 8 | std::uint32_t(p[i * 4 + 2]) << 16 |
           std::uint32_t(p[i * 4 + 3]) << 24;
  std::uint32_t a = a_, b = b_, c = c_, d = d_;
  for (int i = 0; i < 64; ++i) {
    std::uint32_t f;
    int g;
    if (i < 16) { f = (b & c) | (~b & d); g = i; }
    else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
    else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
    else { f = c ^ (b | ~d); g = (7 * i) % 16; }
    std::uint32_t t = d;
    d = c;
    c = b;
    b = b + rotl(a + f + kSine[i] + m[g], kShift[i]);
    a = t;
  }
  a_ += a; b_ += b; c_ += c; d_ += d;
}

void Md5::update(std::span<const std::uint8_t> data) {
  // An empty span may carry a null pointer: memcpy from it is undefined even
  // for 0 bytes (UBSan, tests/fuzz/fuzz_device).
  if (data.empty()) return;
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  length_ += n;
  if (buffered_) {
    std::size_t take = std::min(n, 64 - buffered_);
    std::memcpy(buf_.data() + buffered_, p, take);
    buffered_ += take; p += take; n -= take;
    if (buffered_ < 64) return;
    block(buf_.data());
    buffered_ = 0;
  }
  for (; n >= 64; n -= 64, p += 64) block(p);
  std::memcpy(buf_.data(), p, n);
  buffered_ = n;
}

Md5::Digest Md5::finish() {
  std::uint64_t bits = length_ * 8;
  static const std::uint8_t pad[64] = {0x80};
  std::size_t padlen = buffered_ < 56 ? 56 - buffered_ : 120 - buffered_;
  update({pad, padlen});
  std::uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = std::uint8_t(bits >> (8 * i));
  update({len, 8});
  Digest out;
  const std::uint32_t words[4] = {a_, b_, c_, d_};
  for (int w = 0; w < 4; ++w)
    for (int i = 0; i < 4; ++i) out[w * 4 + i] = std::uint8_t(words[w] >> (8 * i));
  return out;
}

Md5::Digest Md5::of(std::span<const std::uint8_t> data) {
  Md5 m;
  m.update(data);
  return m.finish();
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

}  // namespace espbak
