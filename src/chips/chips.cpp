#include <cstdio>

#include "espbak/chips/chip.hpp"

namespace espbak {

namespace {

// ---- ESP8266 (esptool targets/esp8266.py) ---------------------------------
constexpr std::uint32_t kEsp8266OtpMac0 = 0x3FF00050;
constexpr std::uint32_t kEsp8266OtpMac1 = 0x3FF00054;
constexpr std::uint32_t kEsp8266OtpMac2 = 0x3FF00058;
constexpr std::uint32_t kEsp8266OtpMac3 = 0x3FF0005C;

std::string esp8266_describe(const RegReader& rd) {
  // The 128 eFuse bits: word 0 at 0x3FF00050 .. word 3 at 0x3FF0005C.
  std::uint32_t w0 = rd(kEsp8266OtpMac0), w2 = rd(kEsp8266OtpMac2), w3 = rd(kEsp8266OtpMac3);
  bool is_8285 = (w0 & (1u << 4)) || (w2 & (1u << 16));  // bit 4 or bit 80
  if (!is_8285) return "ESP8266EX";
  bool r0_4 = w0 & (1u << 4);
  bool r3_25 = w3 & (1u << 25), r3_26 = w3 & (1u << 26), r3_27 = w3 & (1u << 27);
  int mb = -1;
  if (r0_4 && !r3_25 && !r3_27) mb = r3_26 ? 2 : 1;
  if (!r0_4 && r3_25 && !r3_27) mb = r3_26 ? 4 : 2;
  bool max_temp = w0 & (1u << 5);
  if (mb == 1) return max_temp ? "ESP8285H08" : "ESP8285N08";
  if (mb == 2) return max_temp ? "ESP8285H16" : "ESP8285N16";
  return "ESP8285";
}

std::vector<std::string> esp8266_features(const RegReader& rd) {
  std::vector<std::string> f{"Wi-Fi", "160MHz"};
  if (esp8266_describe(rd).starts_with("ESP8285")) f.push_back("Embedded Flash");
  return f;
}

std::optional<std::array<std::uint8_t, 6>> esp8266_mac(const RegReader& rd) {
  std::uint32_t mac0 = rd(kEsp8266OtpMac0), mac1 = rd(kEsp8266OtpMac1), mac3 = rd(kEsp8266OtpMac3);
  std::array<std::uint8_t, 6> m{};
  if (mac3 != 0) {
    m[0] = std::uint8_t(mac3 >> 16); m[1] = std::uint8_t(mac3 >> 8); m[2] = std::uint8_t(mac3);
  } else if (((mac1 >> 16) & 0xFF) == 0) {
    m[0] = 0x18; m[1] = 0xFE; m[2] = 0x34;
  } else if (((mac1 >> 16) & 0xFF) == 1) {
    m[0] = 0xAC; m[1] = 0xD0; m[2] = 0x74;
  } else {
    return std::nullopt;  // esptool: "Unknown OUI"
  }
  m[3] = std::uint8_t(mac1 >> 8); m[4] = std::uint8_t(mac1); m[5] = std::uint8_t(mac0 >> 24);
  return m;
}

std::optional<std::uint32_t> esp8266_chip_id(const RegReader& rd) {
  // The SDK's system_get_chip_id(): esptool targets/esp8266.py chip_id().
  std::uint32_t id0 = rd(kEsp8266OtpMac0), id1 = rd(kEsp8266OtpMac1);
  return (id0 >> 24) | ((id1 & 0xFFFFFF) << 8);
}

// ---- ESP32 (esptool targets/esp32.py) --------------------------------------
constexpr std::uint32_t kEsp32EfuseBase = 0x3FF5A000;
constexpr std::uint32_t kEsp32ApbCtlDate = 0x3FF66000 + 0x7C;

std::uint32_t esp32_efuse(const RegReader& rd, int n) { return rd(kEsp32EfuseBase + 4 * std::uint32_t(n)); }

std::uint32_t esp32_pkg_version(std::uint32_t w3) { return ((w3 >> 9) & 7) + (((w3 >> 2) & 1) << 3); }

int esp32_major(const RegReader& rd) {
  std::uint32_t b0 = (esp32_efuse(rd, 3) >> 15) & 1;
  std::uint32_t b1 = (esp32_efuse(rd, 5) >> 20) & 1;
  std::uint32_t b2 = (rd(kEsp32ApbCtlDate) >> 31) & 1;
  switch ((b2 << 2) | (b1 << 1) | b0) {
    case 1: return 1;
    case 3: return 2;
    case 7: return 3;
    default: return 0;
  }
}

std::string esp32_describe(const RegReader& rd) {
  std::uint32_t w3 = esp32_efuse(rd, 3);
  std::uint32_t pkg = esp32_pkg_version(w3);
  int major = esp32_major(rd);
  int minor = int((esp32_efuse(rd, 5) >> 24) & 3);
  bool rev3 = major == 3;
  bool single_core = w3 & 1;
  std::string name;
  switch (pkg) {
    case 0: name = single_core ? "ESP32-S0WDQ6" : "ESP32-D0WDQ6"; break;
    case 1: name = single_core ? "ESP32-S0WD" : "ESP32-D0WD"; break;
    case 2: name = "ESP32-D2WD"; break;
    case 4: name = "ESP32-U4WDH"; break;
    case 5: name = rev3 ? "ESP32-PICO-V3" : "ESP32-PICO-D4"; break;
    case 6: name = "ESP32-PICO-V3-02"; break;
    case 7: name = "ESP32-D0WDR2-V3"; break;
    default: name = "unknown ESP32"; break;
  }
  if (name.starts_with("ESP32-D0WD") && rev3) name += "-V3";
  char rev[48];
  std::snprintf(rev, sizeof rev, " (revision v%d.%d)", major, minor);
  return name + rev;
}

std::vector<std::string> esp32_features(const RegReader& rd) {
  std::vector<std::string> f{"Wi-Fi"};
  std::uint32_t w3 = esp32_efuse(rd, 3);
  if (!(w3 & (1u << 1))) f.push_back("BT");
  f.push_back((w3 & 1) ? "Single Core" : "Dual Core");
  if (w3 & (1u << 13)) f.push_back((w3 & (1u << 12)) ? "160MHz" : "240MHz");
  std::uint32_t pkg = esp32_pkg_version(w3);
  if (pkg == 2 || pkg == 4 || pkg == 5 || pkg == 6) f.push_back("Embedded Flash");
  if (pkg == 6) f.push_back("Embedded PSRAM");
  if ((esp32_efuse(rd, 4) >> 8) & 0x1F) f.push_back("VRef calibration in efuse");
  if ((w3 >> 14) & 1) f.push_back("BLK3 partially reserved");
  static const char* schemes[] = {"None", "3/4", "Repeat (UNSUPPORTED)", "Invalid"};
  f.push_back(std::string("Coding Scheme ") + schemes[esp32_efuse(rd, 6) & 3]);
  return f;
}

std::optional<std::array<std::uint8_t, 6>> esp32_mac(const RegReader& rd) {
  // Words 2 and 1 big-endian, less the 2-byte CRC at the top of word 2.
  std::uint32_t w1 = esp32_efuse(rd, 1), w2 = esp32_efuse(rd, 2);
  return std::array<std::uint8_t, 6>{std::uint8_t(w2 >> 8), std::uint8_t(w2), std::uint8_t(w1 >> 24),
                                     std::uint8_t(w1 >> 16), std::uint8_t(w1 >> 8), std::uint8_t(w1)};
}

std::optional<std::uint32_t> no_chip_id(const RegReader&) { return std::nullopt; }

// ---- ESP32-S3 (esptool targets/esp32s3.py; esptool-js 0.7.0 targets/esp32s3.js) --
// eFuse BLOCK1 (system data) starts at +0x44, BLOCK2 at +0x5C (fact sheet 4.4).
constexpr std::uint32_t kEsp32s3EfuseBase = 0x60007000;
constexpr std::uint32_t kEsp32s3Block1 = kEsp32s3EfuseBase + 0x44;
constexpr std::uint32_t kEsp32s3Block2 = kEsp32s3EfuseBase + 0x5C;

std::uint32_t esp32s3_block1(const RegReader& rd, int word) { return rd(kEsp32s3Block1 + 4 * std::uint32_t(word)); }

int esp32s3_raw_minor(const RegReader& rd) {
  std::uint32_t hi = (esp32s3_block1(rd, 5) >> 23) & 1;
  std::uint32_t lo = (esp32s3_block1(rd, 3) >> 18) & 7;
  return int((hi << 3) | lo);
}

// Chips v0.0 reused the major-revision field: esptool's is_eco0() reports
// v0.0 when the minor's low bits are 0 and the block version is v1.1.
bool esp32s3_is_eco0(const RegReader& rd, int raw_minor) {
  std::uint32_t blk_major = rd(kEsp32s3Block2 + 4 * 4) & 3;
  std::uint32_t blk_minor = (esp32s3_block1(rd, 3) >> 24) & 7;
  return (raw_minor & 7) == 0 && blk_major == 1 && blk_minor == 1;
}

std::string esp32s3_describe(const RegReader& rd) {
  int minor = esp32s3_raw_minor(rd);
  int major = int((esp32s3_block1(rd, 5) >> 24) & 3);
  if (esp32s3_is_eco0(rd, minor)) major = minor = 0;
  std::uint32_t pkg = (esp32s3_block1(rd, 3) >> 21) & 7;
  std::string name = pkg == 0 ? "ESP32-S3 (QFN56)" : pkg == 1 ? "ESP32-S3-PICO-1 (LGA56)" : "unknown ESP32-S3";
  char rev[48];
  std::snprintf(rev, sizeof rev, " (revision v%d.%d)", major, minor);
  return name + rev;
}

std::vector<std::string> esp32s3_features(const RegReader& rd) {
  // esptool v5 prints "Wi-Fi, BT 5 (LE), Dual Core + LP Core, 240MHz" and
  // the in-package flash / PSRAM from BLOCK1 words 3 and 4.
  std::vector<std::string> f{"Wi-Fi", "BT 5 (LE)", "Dual Core + LP Core", "240MHz"};
  std::uint32_t w3 = esp32s3_block1(rd, 3), w4 = esp32s3_block1(rd, 4);
  static const char* flash_vendors[] = {"", "XMC", "GD", "FM", "TT", "BY", "", ""};
  static const char* psram_vendors[] = {"", "AP_3v3", "AP_1v8", ""};
  auto with_vendor = [](std::string what, const char* vendor) {
    return *vendor ? what + " (" + vendor + ")" : what;
  };
  switch ((w3 >> 27) & 7) {
    case 0: break;
    case 1: f.push_back(with_vendor("Embedded Flash 8MB", flash_vendors[w4 & 7])); break;
    case 2: f.push_back(with_vendor("Embedded Flash 4MB", flash_vendors[w4 & 7])); break;
    default: f.push_back(with_vendor("Unknown Embedded Flash", flash_vendors[w4 & 7])); break;
  }
  switch ((w4 >> 3) & 3) {
    case 0: break;
    case 1: f.push_back(with_vendor("Embedded PSRAM 8MB", psram_vendors[(w4 >> 7) & 3])); break;
    case 2: f.push_back(with_vendor("Embedded PSRAM 2MB", psram_vendors[(w4 >> 7) & 3])); break;
    default: f.push_back(with_vendor("Unknown Embedded PSRAM", psram_vendors[(w4 >> 7) & 3])); break;
  }
  return f;
}

std::optional<std::array<std::uint8_t, 6>> esp32s3_mac(const RegReader& rd) {
  // MAC_EFUSE_REG = BLOCK1 word 0 (bytes 2..5), word 1 low 16 bits (bytes 0..1).
  std::uint32_t m0 = esp32s3_block1(rd, 0), m1 = esp32s3_block1(rd, 1);
  return std::array<std::uint8_t, 6>{std::uint8_t(m1 >> 8), std::uint8_t(m1), std::uint8_t(m0 >> 24),
                                     std::uint8_t(m0 >> 16), std::uint8_t(m0 >> 8), std::uint8_t(m0)};
}

const std::vector<ChipInfo>& table() {
  static const std::vector<ChipInfo> chips = {
      {
          .id = ChipId::esp8266,
          .name = "ESP8266",
          .cli_name = "esp8266",
          .magic_values = {0xFFF0C101},
          .security_chip_id = std::nullopt,
          .rom_status_len = 2,
          .rom = {.spi_attach = false, .spi_set_params = false, .read_flash_slow = false,
                  .flash_md5 = false, .change_baud = false, .deflate = false, .security_info = false},
          .spi = {.base = 0x60000200, .usr = 0x1C, .usr1 = 0x20, .usr2 = 0x24, .mosi_dlen = 0,
                  .miso_dlen = 0, .w0 = 0x40, .addr_msb_aligned = true},
          .efuse_base = kEsp8266OtpMac0,
          .uart_clkdiv_reg = 0x60000014,
          .xtal_clk_divider = 2,
          .uart_date_reg = 0x60000078,
          .bootloader_offset = 0,
          .stub_name = "esp8266",
          .flash_sizes = {{"512KB", 0x00}, {"256KB", 0x10}, {"1MB", 0x20}, {"2MB", 0x30}, {"4MB", 0x40},
                          {"2MB-c1", 0x50}, {"4MB-c1", 0x60}, {"8MB", 0x80}, {"16MB", 0x90}},
          .flash_freqs = {{"80m", 0xF}, {"40m", 0x0}, {"26m", 0x1}, {"20m", 0x2}},
          .rom_erase_size_bug = true,
          .describe = esp8266_describe,
          .features = esp8266_features,
          .mac = esp8266_mac,
          .chip_id = esp8266_chip_id,
      },
      {
          .id = ChipId::esp32,
          .name = "ESP32",
          .cli_name = "esp32",
          .magic_values = {0x00F01D83},
          .security_chip_id = std::nullopt,
          .rom_status_len = 4,
          .rom = {.spi_attach = true, .spi_set_params = true, .read_flash_slow = true,
                  .flash_md5 = true, .change_baud = true, .deflate = true, .security_info = false},
          .spi = {.base = 0x3FF42000, .usr = 0x1C, .usr1 = 0x20, .usr2 = 0x24, .mosi_dlen = 0x28,
                  .miso_dlen = 0x2C, .w0 = 0x80, .addr_msb_aligned = true},
          .efuse_base = kEsp32EfuseBase,
          .uart_clkdiv_reg = 0x3FF40014,
          .xtal_clk_divider = 1,
          .uart_date_reg = 0x60000078,
          .bootloader_offset = 0x1000,
          .stub_name = "esp32",
          .flash_sizes = {{"1MB", 0x00}, {"2MB", 0x10}, {"4MB", 0x20}, {"8MB", 0x30}, {"16MB", 0x40},
                          {"32MB", 0x50}, {"64MB", 0x60}, {"128MB", 0x70}},
          .flash_freqs = {{"80m", 0xF}, {"40m", 0x0}, {"26m", 0x1}, {"20m", 0x2}},
          .rom_erase_size_bug = false,
          .describe = esp32_describe,
          .features = esp32_features,
          .mac = esp32_mac,
          .chip_id = no_chip_id,
      },
      {
          .id = ChipId::esp32s3,
          .name = "ESP32-S3",
          .cli_name = "esp32s3",
          // esptool <= v4.7 matched 0x9 at the magic register; v5 detects the
          // S3 by its GET_SECURITY_INFO chip id only (fact sheet 4.1).
          .magic_values = {0x00000009},
          .security_chip_id = 9,
          .rom_status_len = 4,
          .rom = {.spi_attach = true, .spi_set_params = true, .read_flash_slow = true,
                  .flash_md5 = true, .change_baud = true, .deflate = true, .security_info = true},
          .spi = {.base = 0x60002000, .usr = 0x18, .usr1 = 0x1C, .usr2 = 0x20, .mosi_dlen = 0x24,
                  .miso_dlen = 0x28, .w0 = 0x58, .addr_msb_aligned = false},
          .efuse_base = kEsp32s3EfuseBase,
          .uart_clkdiv_reg = 0x60000014,
          .xtal_clk_divider = 1,
          .uart_date_reg = 0x60000080,
          .bootloader_offset = 0x0,
          .stub_name = "esp32s3",
          // Inherited from ESP32ROM in esptool (esp32s3.py overrides neither).
          .flash_sizes = {{"1MB", 0x00}, {"2MB", 0x10}, {"4MB", 0x20}, {"8MB", 0x30}, {"16MB", 0x40},
                          {"32MB", 0x50}, {"64MB", 0x60}, {"128MB", 0x70}},
          .flash_freqs = {{"80m", 0xF}, {"40m", 0x0}, {"26m", 0x1}, {"20m", 0x2}},
          .rom_erase_size_bug = false,
          .describe = esp32s3_describe,
          .features = esp32s3_features,
          .mac = esp32s3_mac,
          .chip_id = no_chip_id,
      },
  };
  return chips;
}

}  // namespace

std::span<const ChipInfo> all_chips() { return table(); }

const ChipInfo* find_chip(std::string_view cli_name) {
  for (const auto& c : table()) {
    if (c.cli_name == cli_name) return &c;
  }
  return nullptr;
}

const ChipInfo* chip_by_magic(std::uint32_t magic) {
  for (const auto& c : table()) {
    for (auto m : c.magic_values)
      if (m == magic) return &c;
  }
  return nullptr;
}

const ChipInfo& chip(ChipId id) {
  for (const auto& c : table())
    if (c.id == id) return c;
  return table().front();
}

std::optional<std::uint32_t> flash_size_from_id(std::uint32_t flash_id) {
  std::uint8_t manufacturer = flash_id & 0xFF;
  if (manufacturer == 0x1F) {  // Adesto: size code in bits 8-12
    switch ((flash_id >> 8) & 0x1F) {
      case 0x04: return 512u * 1024;
      case 0x05: return 1u << 20;
      case 0x06: return 2u << 20;
      case 0x07: return 4u << 20;
      case 0x08: return 8u << 20;
      case 0x09: return 16u << 20;
      default: return std::nullopt;
    }
  }
  switch ((flash_id >> 16) & 0xFF) {
    case 0x12: case 0x32: return 256u * 1024;
    case 0x13: case 0x33: return 512u * 1024;
    case 0x14: case 0x34: return 1u << 20;
    case 0x15: case 0x35: return 2u << 20;
    case 0x16: case 0x36: return 4u << 20;
    case 0x17: case 0x37: return 8u << 20;
    case 0x18: case 0x38: return 16u << 20;
    case 0x19: case 0x39: return 32u << 20;
    case 0x1A: case 0x3A: case 0x20: return 64u << 20;
    case 0x1B: case 0x21: return 128u << 20;
    // 256 MB does not fit in 32 bits of address space; esptool maps 0x1C/0x22
    // to 256MB, which this tool does not support.
    default: return std::nullopt;
  }
}

std::optional<std::uint8_t> capacity_code_for_size(std::uint32_t bytes) {
  for (std::uint8_t code = 0x12; code <= 0x1B; ++code) {
    if (flash_size_from_id(std::uint32_t(code) << 16) == bytes) return code;
  }
  return std::nullopt;
}

std::uint32_t esp8266_rom_erase_size(std::uint32_t offset, std::uint32_t size) {
  const std::uint32_t sectors_per_block = 16, sector = 0x1000;
  std::uint32_t num = (size + sector - 1) / sector;
  std::uint32_t start = offset / sector;
  std::uint32_t head = sectors_per_block - (start % sectors_per_block);
  if (num < head) head = num;
  if (num < 2 * head) return (num + 1) / 2 * sector;
  return (num - head) * sector;
}

std::string format_mac(const std::array<std::uint8_t, 6>& mac) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return buf;
}

std::optional<std::array<std::uint8_t, 6>> parse_mac(std::string_view text) {
  std::array<std::uint8_t, 6> m{};
  if (text.size() != 17) return std::nullopt;
  for (int i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':' && text[i * 3 - 1] != '-') return std::nullopt;
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = text[i * 3 + k];
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return std::nullopt;
      v = v * 16 + d;
    }
    m[i] = std::uint8_t(v);
  }
  return m;
}

}  // namespace espbak
