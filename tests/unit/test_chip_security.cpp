// The security-feature decoders of every chip row (issue 14), against
// esptool v5.3.1's registers and masks as its classes resolve them
// (targets/<chip>.py and the classes they inherit from:
// EFUSE_SPI_BOOT_CRYPT_CNT_REG/_MASK, EFUSE_SECURE_BOOT_EN_REG/_MASK,
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG/_ENCRYPT,
// EFUSE_FORCE_USE_KEY_MANAGER_KEY_REG/_SHIFT). The words are built from
// those raw values, not from the chip files' fields.
#include <catch2/catch.hpp>

#include <bit>
#include <map>

#include "espbak/chips/chip.hpp"

using namespace espbak;

namespace {

struct Reg {
  std::uint32_t addr, mask;
};

struct SecurityRow {
  const char* chip;
  Reg crypt_cnt, secure_boot, dis_download_manual_encrypt;
  std::optional<Reg> key_manager_xts;  // the XTS-AES bit: (reg >> SHIFT) & 2
};

Reg km(std::uint32_t addr, int shift) { return {addr, 2u << shift}; }

const std::vector<SecurityRow>& rows() {
  static const std::vector<SecurityRow> r = {
      {"esp32s2", {0x3F41A034, 0x1C0000}, {0x3F41A038, 0x100000}, {0x3F41A030, 0x80000}, std::nullopt},
      {"esp32s3", {0x60007034, 0x1C0000}, {0x60007038, 0x100000}, {0x60007030, 0x100000}, std::nullopt},
      {"esp32c2", {0x60008830, 0x380}, {0x60008830, 0x200000}, {0x60008830, 0x40}, std::nullopt},
      {"esp32c3", {0x60008834, 0x1C0000}, {0x60008838, 0x100000}, {0x60008830, 0x100000}, std::nullopt},
      {"esp32c5", {0x600B4834, 0x70000}, {0x600B4838, 0x2000000}, {0x600B4830, 0x100000}, km(0x600B4834, 10)},
      {"esp32c6", {0x600B0834, 0x1C0000}, {0x600B0838, 0x100000}, {0x600B0830, 0x100000}, std::nullopt},
      {"esp32c61", {0x600B4830, 0x3800000}, {0x600B4834, 0x4000000}, {0x600B4830, 0x4000}, std::nullopt},
      {"esp32h2", {0x600B0834, 0x1C0000}, {0x600B0838, 0x100000}, {0x600B0830, 0x100000}, std::nullopt},
      {"esp32h21", {0x600B4034, 0x1C0000}, {0x600B4038, 0x100000}, {0x600B4030, 0x100000}, std::nullopt},
      {"esp32h4", {0x600B1830, 0x3800000}, {0x600B1838, 0x20}, {0x600B1830, 0x4000}, km(0x600B1838, 19)},
      {"esp32p4", {0x5012D034, 0x1C0000}, {0x5012D038, 0x100000}, {0x5012D030, 0x100000}, km(0x5012D034, 9)},
      {"esp32s31", {0x20715034, 0xE00000}, {0x2071503C, 0x4}, {0x20715030, 0x100000}, km(0x20715034, 12)},
  };
  return r;
}

using Image = std::map<std::uint32_t, std::uint32_t>;

SecurityState decode(const ChipInfo& c, const Image& regs) {
  return c.security_state(FieldReader([&](std::uint32_t a) {
    auto it = regs.find(a);
    return it == regs.end() ? 0u : it->second;
  }));
}

// The lowest `n` set bits of `mask`.
std::uint32_t low_bits(std::uint32_t mask, int n) {
  std::uint32_t out = 0;
  for (int i = 0; i < 32 && n > 0; ++i)
    if (mask & (1u << i)) out |= 1u << i, --n;
  return out;
}

}  // namespace

TEST_CASE("every chip after the ESP32 decodes flash encryption, secure boot and release mode as esptool does",
          "[chips][security]") {
  CHECK(rows().size() + 2 == all_chips().size());  // plus the ESP8266 and the ESP32, below
  for (const auto& row : rows()) {
    CAPTURE(row.chip);
    const ChipInfo* c = find_chip(row.chip);
    REQUIRE(c != nullptr);
    CHECK_FALSE(c->security.secure_boot_v1);
    // All eFuses clear: nothing on.
    SecurityState off = decode(*c, {});
    CHECK_FALSE((off.flash_encryption || off.secure_boot || off.encrypted_download_disabled ||
                 off.key_manager_flash_encryption));
    // Flash encryption: an odd number of the count's bits.
    for (int n = 1; n <= std::popcount(row.crypt_cnt.mask); ++n) {
      CAPTURE(n);
      CHECK(decode(*c, {{row.crypt_cnt.addr, low_bits(row.crypt_cnt.mask, n)}}).flash_encryption == (n % 2 == 1));
    }
    // The bits beside the count do not count.
    CHECK_FALSE(decode(*c, {{row.crypt_cnt.addr, ~row.crypt_cnt.mask & 0x00FFFFFF}}).flash_encryption);
    SecurityState sb = decode(*c, {{row.secure_boot.addr, row.secure_boot.mask}});
    CHECK(sb.secure_boot);
    CHECK_FALSE(sb.flash_encryption);
    CHECK_FALSE(decode(*c, {{row.secure_boot.addr, ~row.secure_boot.mask}}).secure_boot);
    CHECK(decode(*c, {{row.dis_download_manual_encrypt.addr, row.dis_download_manual_encrypt.mask}})
              .encrypted_download_disabled);
    CHECK_FALSE(decode(*c, {{row.dis_download_manual_encrypt.addr, ~row.dis_download_manual_encrypt.mask}})
                    .encrypted_download_disabled);
    if (row.key_manager_xts) {
      CHECK(decode(*c, {{row.key_manager_xts->addr, row.key_manager_xts->mask}}).key_manager_flash_encryption);
      // Bit 0 of FORCE_USE_KEY_MANAGER_KEY is the ECDSA key, not flash encryption.
      CHECK_FALSE(
          decode(*c, {{row.key_manager_xts->addr, row.key_manager_xts->mask >> 1}}).key_manager_flash_encryption);
    } else {
      CHECK_FALSE(c->security.key_manager_flash_encryption);
    }
  }
}

TEST_CASE("ESP32 security: FLASH_CRYPT_CNT odd, ABS_DONE_0 is secure boot v1, ABS_DONE_1 counts from v3.0",
          "[chips][security]") {
  // esptool v5.3.1 targets/esp32.py: EFUSE_SPI_BOOT_CRYPT_CNT_REG 0x3FF5A000
  // mask 0x7F << 20; EFUSE_RD_ABS_DONE_REG 0x3FF5A018 bits 4 and 5;
  // EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG 0x3FF5A018 bit 7.
  const ChipInfo& c = chip(ChipId::esp32);
  CHECK(decode(c, {{0x3FF5A000, 1u << 20}}).flash_encryption);
  CHECK_FALSE(decode(c, {{0x3FF5A000, 3u << 20}}).flash_encryption);
  CHECK(decode(c, {{0x3FF5A000, 0x7Fu << 20}}).flash_encryption);
  CHECK_FALSE(decode(c, {{0x3FF5A000, 0x800FFFFF}}).flash_encryption);
  CHECK(decode(c, {{0x3FF5A018, 1u << 7}}).encrypted_download_disabled);
  SecurityState v1 = decode(c, {{0x3FF5A018, 1u << 4}});
  CHECK(v1.secure_boot);
  CHECK(v1.secure_boot_v1);
  // ABS_DONE_1 on a v1.0 part (CHIP_VER_REV1 only) is not secure boot...
  Image rev1{{0x3FF5A018, 1u << 5}, {0x3FF5A00C, 1u << 15}};
  CHECK_FALSE(decode(c, rev1).secure_boot);
  // ... on a v3.0 (REV1, REV2 and APB_CTL_DATE bit 31) it is v2, not v1.
  Image rev3{{0x3FF5A018, 1u << 5}, {0x3FF5A00C, 1u << 15}, {0x3FF5A014, 1u << 20}, {0x3FF6607C, 1u << 31}};
  SecurityState v2 = decode(c, rev3);
  CHECK(v2.secure_boot);
  CHECK_FALSE(v2.secure_boot_v1);
  CHECK_FALSE(c.security.key_manager_flash_encryption);
}

TEST_CASE("the ESP8266 has no security features to decode and reads no register for them", "[chips][security]") {
  const ChipInfo& c = chip(ChipId::esp8266);
  int reads = 0;
  SecurityState s = c.security_state(FieldReader([&](std::uint32_t) {
    ++reads;
    return 0xFFFFFFFFu;
  }));
  CHECK(reads == 0);
  CHECK_FALSE((s.flash_encryption || s.secure_boot || s.secure_boot_v1 || s.encrypted_download_disabled ||
               s.key_manager_flash_encryption));
}
