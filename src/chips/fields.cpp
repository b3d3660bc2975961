#include "espbak/chips/fields.hpp"

namespace espbak {

Mac mac_from_fields(const FieldReader& f, const RegField& high16, const RegField& low32) {
  std::uint32_t hi = f(high16), lo = f(low32);
  return Mac{std::uint8_t(hi >> 8), std::uint8_t(hi), std::uint8_t(lo >> 24),
             std::uint8_t(lo >> 16), std::uint8_t(lo >> 8), std::uint8_t(lo)};
}

void mac_to_fields(const Mac& m, FieldWriter& w, const RegField& high16, const RegField& low32) {
  w.set(high16, std::uint32_t(m[0]) << 8 | m[1]);
  w.set(low32, std::uint32_t(m[2]) << 24 | std::uint32_t(m[3]) << 16 | std::uint32_t(m[4]) << 8 | m[5]);
}

std::uint8_t efuse_mac_crc8(const Mac& mac) {
  std::uint8_t crc = 0;
  for (auto b : mac) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc & 1) ? std::uint8_t((crc >> 1) ^ 0x8C) : std::uint8_t(crc >> 1);
  }
  return crc;
}

}  // namespace espbak
