#include "espbak/protocol/commands_info.hpp"

#include <algorithm>

namespace espbak::cmd {

namespace {
constexpr std::uint8_t kSyncFiller = 0x55;
}

Bytes Sync::encode() const {
  Bytes b = words({lead_word});
  b.insert(b.end(), kSize - 4, kSyncFiller);
  return b;
}

std::optional<Sync> Sync::decode(std::span<const std::uint8_t> payload) {
  if (payload.size() != kSize) return std::nullopt;
  return Sync{PayloadWords(payload)[0]};
}

Bytes ChangeBaudrate::encode() const { return words({new_baud, old_baud}); }

std::optional<ChangeBaudrate> ChangeBaudrate::decode(std::span<const std::uint8_t> payload) {
  if (payload.size() != 8) return std::nullopt;
  PayloadWords w(payload);
  return ChangeBaudrate{w[0], w[1]};
}

std::optional<GetSecurityInfo> GetSecurityInfo::decode(std::span<const std::uint8_t> payload) {
  if (!payload.empty()) return std::nullopt;
  return GetSecurityInfo{};
}

Bytes SecurityInfo::encode() const {
  Bytes b;
  put_u32(b, flags);
  b.push_back(flash_crypt_cnt);
  b.insert(b.end(), key_purposes.begin(), key_purposes.end());
  if (chip_id || api_version) {
    put_u32(b, chip_id.value_or(0));
    put_u32(b, api_version.value_or(0));
  }
  return b;
}

std::optional<SecurityInfo> SecurityInfo::decode(std::span<const std::uint8_t> result) {
  if (result.size() != kSize && result.size() != kShortSize) return std::nullopt;
  PayloadWords w(result);
  SecurityInfo si;
  si.flags = w[0];
  si.flash_crypt_cnt = result[4];
  std::copy(result.begin() + 5, result.begin() + 12, si.key_purposes.begin());
  if (result.size() == kSize) {
    si.chip_id = w[3];
    si.api_version = w[4];
  }
  return si;
}

}  // namespace espbak::cmd
