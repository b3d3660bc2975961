// ESP8266 (and ESP8285): esptool v5.3.1 esptool/targets/esp8266.py; fact
// sheet sections 4 and 7. The 128 eFuse bits are four OTP words at
// 0x3FF00050..0x3FF0005C; esptool numbers the bits across them (bit 80 =
// word 2 bit 16).
#include <algorithm>

#include "espbak/chips/chip.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kOtpMac0 = 0x3FF00050, kOtpMac1 = 0x3FF00054, kOtpMac2 = 0x3FF00058,
                        kOtpMac3 = 0x3FF0005C;

// get_efuses / _get_flash_size / get_chip_description bits.
constexpr RegField kEfuseBit4{"EFUSE_BIT4_ESP8285", kOtpMac0, 4, 1};
constexpr RegField kEfuseBit5{"EFUSE_BIT5_MAX_TEMP", kOtpMac0, 5, 1};
constexpr RegField kEfuseBit80{"EFUSE_BIT80_ESP8285", kOtpMac2, 16, 1};
constexpr RegField kEfuseBit121{"EFUSE_BIT121_FLASH", kOtpMac3, 25, 1};
constexpr RegField kEfuseBit122{"EFUSE_BIT122_FLASH", kOtpMac3, 26, 1};
constexpr RegField kEfuseBit123{"EFUSE_BIT123_FLASH", kOtpMac3, 27, 1};
// read_mac: OUI from MAC3 when it is non-zero, else MAC1 bits 16-23 pick one
// of two Espressif OUIs; the NIC bytes are MAC1 bits 8-15, 0-7, MAC0 24-31.
constexpr RegField kMac0Nic{"OTP_MAC0_NIC", kOtpMac0, 24, 8};
constexpr RegField kMac1OuiSelect{"OTP_MAC1_OUI_SELECT", kOtpMac1, 16, 8};
constexpr RegField kMac1Nic{"OTP_MAC1_NIC", kOtpMac1, 0, 16};
constexpr RegField kMac3{"OTP_MAC3", kOtpMac3, 0, 32};
// chip_id: the SDK's system_get_chip_id().
constexpr RegField kChipIdLow{"CHIP_ID_LOW", kOtpMac0, 24, 8};
constexpr RegField kChipIdHigh{"CHIP_ID_HIGH", kOtpMac1, 0, 24};

constexpr Mac kOuiSelect0{0x18, 0xFE, 0x34}, kOuiSelect1{0xAC, 0xD0, 0x74};

std::string describe(const FieldReader& f) {
  if (!f.flag(kEfuseBit4) && !f.flag(kEfuseBit80)) return "ESP8266EX";
  bool r0_4 = f.flag(kEfuseBit4);
  bool r3_25 = f.flag(kEfuseBit121), r3_26 = f.flag(kEfuseBit122), r3_27 = f.flag(kEfuseBit123);
  int mb = -1;
  if (r0_4 && !r3_25 && !r3_27) mb = r3_26 ? 2 : 1;
  if (!r0_4 && r3_25 && !r3_27) mb = r3_26 ? 4 : 2;
  bool max_temp = f.flag(kEfuseBit5);
  if (mb == 1) return max_temp ? "ESP8285H08" : "ESP8285N08";
  if (mb == 2) return max_temp ? "ESP8285H16" : "ESP8285N16";
  return "ESP8285";
}

std::vector<std::string> features(const FieldReader& f) {
  std::vector<std::string> out{"Wi-Fi", "160MHz"};
  if (describe(f).starts_with("ESP8285")) out.push_back("Embedded Flash");
  return out;
}

std::optional<Mac> mac(const FieldReader& f) {
  Mac m{};
  std::uint32_t mac3 = f(kMac3);
  if (mac3 != 0) {
    m[0] = std::uint8_t(mac3 >> 16); m[1] = std::uint8_t(mac3 >> 8); m[2] = std::uint8_t(mac3);
  } else if (f(kMac1OuiSelect) == 0) {
    std::copy_n(kOuiSelect0.begin(), 3, m.begin());
  } else if (f(kMac1OuiSelect) == 1) {
    std::copy_n(kOuiSelect1.begin(), 3, m.begin());
  } else {
    return std::nullopt;  // esptool: "Unknown OUI"
  }
  std::uint32_t nic = f(kMac1Nic);
  m[3] = std::uint8_t(nic >> 8); m[4] = std::uint8_t(nic); m[5] = std::uint8_t(f(kMac0Nic));
  return m;
}

std::optional<std::uint32_t> chip_id(const FieldReader& f) { return f(kChipIdLow) | f(kChipIdHigh) << 8; }

// The inverse of mac(): an OUI other than the two MAC1 can select goes into
// MAC3, which esptool consults only when non-zero, so OUI 00:00:00 cannot be
// expressed. Bits 4 and 80 stay 0: an ESP8266EX, not an ESP8285.
bool encode_mac(const Mac& m, FieldWriter& w) {
  bool oui0 = std::equal(m.begin(), m.begin() + 3, kOuiSelect0.begin());
  bool oui1 = std::equal(m.begin(), m.begin() + 3, kOuiSelect1.begin());
  if (!oui0 && !oui1 && !(m[0] || m[1] || m[2])) return false;
  w.set(kMac3, (oui0 || oui1) ? 0 : std::uint32_t(m[0]) << 16 | std::uint32_t(m[1]) << 8 | m[2]);
  w.set(kMac1OuiSelect, oui1 ? 1 : 0);
  w.set(kMac1Nic, std::uint32_t(m[3]) << 8 | m[4]);
  w.set(kMac0Nic, m[5]);
  return true;
}

}  // namespace

ChipInfo chip_info_esp8266() {
  return {
      .id = ChipId::esp8266,
      .name = "ESP8266",
      .cli_name = "esp8266",
      .magic_values = {0xFFF0C101},
      .security_chip_id = std::nullopt,
      .rom_status_len = 2,
      .rom = {.spi_attach = false, .spi_set_params = false, .read_flash_slow = false, .flash_md5 = false,
              .change_baud = false, .deflate = false, .security_info = false},
      .quirks = {.rom_erase_size_bug = true, .extended_image_header = false, .rom_flash_begin_encrypt_word = false,
                 .stub_runs_user_code = true,
                 .rom_reply_value_is_stale = false,
                 // FLASH_BEGIN attaches the flash (targets/esp8266.py
                 // flash_spi_attach: "flash_begin will do it").
                 .rom_flash_begin_attaches_flash = true},
      .rom_baud_calibration = std::nullopt,
      .spi = {.base = 0x60000200, .usr = 0x1C, .usr1 = 0x20, .usr2 = 0x24, .mosi_dlen = 0, .miso_dlen = 0,
              .w0 = 0x40, .addr_msb_aligned = true},
      .crystal = {.fixed_mhz = std::nullopt, .uart_clkdiv_reg = 0x60000014, .clk_divider = 2},
      .uart_date_reg = 0x60000078,
      .efuse_base = kOtpMac0,
      .fields = {kEfuseBit4, kEfuseBit5, kEfuseBit80, kEfuseBit121, kEfuseBit122, kEfuseBit123, kMac0Nic,
                 kMac1OuiSelect, kMac1Nic, kMac3, kChipIdLow, kChipIdHigh},
      .bootloader_offset = 0,
      .stub_name = "esp8266",
      .flash_sizes = {{"512KB", 0x00}, {"256KB", 0x10}, {"1MB", 0x20}, {"2MB", 0x30}, {"4MB", 0x40},
                      {"2MB-c1", 0x50}, {"4MB-c1", 0x60}, {"8MB", 0x80}, {"16MB", 0x90}},
      .flash_freqs = {{"80m", 0xF}, {"40m", 0x0}, {"26m", 0x1}, {"20m", 0x2}},
      .describe = describe,
      .features = features,
      .mac = mac,
      .chip_id = chip_id,
      // Fact sheet 7: the ROM logs at 74880 baud (26 MHz crystal). "rst
      // cause" 1 power-on, 2 external (EN) reset; boot mode's first number
      // (GPIO15<<2)|(GPIO0<<1)|GPIO2: 1 = UART download, 3 = flash; the
      // second is undocumented, 6 as in field logs. The flash-boot lines
      // after it are a typical field log of the 2nd stage.
      .banners = {.rom_log_baud = 74880,
                  .download = "\r\n ets Jan  8 2013,rst cause:2, boot mode:(1,6)\r\n\r\n",
                  .firmware = "\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\nload 0x4010f000, len 3584, "
                              "room 16 \r\ntail 0\r\nchksum 0xb0\r\ncsum 0xb0\r\n",
                  .firmware_power_on = "\r\n ets Jan  8 2013,rst cause:1, boot mode:(3,6)\r\n\r\nload 0x4010f000, "
                                       "len 3584, room 16 \r\ntail 0\r\nchksum 0xb0\r\ncsum 0xb0\r\n",
                  .app_baud = 115200,
                  // What the ESP8266 ROM prints for a flash without an image
                  // was not found in a field log: UNVERIFIED, not modelled.
                  .invalid_header = ""},
      .sim = {.xtal_hz = 26'000'000, .default_mac = {0x18, 0xFE, 0x34, 0xA1, 0xB2, 0xC3}, .encode_mac = encode_mac,
              .power_on_fields = {}},
      // esptool v5.3.1 targets/esp8266.py UF2_FAMILY_ID, MEMORY_MAP; no IMAGE_CHIP_ID (loader.py: None).
      .image = {.chip_id = std::nullopt,
                .uf2_family_id = 0x7EAB61ED,
                .memory_map = {
                    {0x3FF00000, 0x3FF00010, "DPORT"},
                    {0x3FFE8000, 0x40000000, "DRAM"},
                    {0x40100000, 0x40108000, "IRAM"},
                    {0x40201010, 0x402E1010, "IROM"},
                }},
      // ESP8266_RTOS_SDK 3.x builds a partition table with ESP-IDF's
      // gen_esp32part.py (its components/partition_table, default offset
      // 0x8000); the NONOS SDK and the Arduino core place their areas at
      // fixed offsets from the end of the flash instead.
      //
      // The end of the flash, the same for every flash size (sectors counted
      // from the size the image header gives):
      // - ESP8266_NONOS_SDK v2.1.0 examples/*/user/user_main.c
      //   user_rf_cal_sector_set: "sector map for last several sectors :
      //   ABCCC", A = rf cal (sectors - 5), B = rf init data, C = sdk
      //   parameters, for every FLASH_SIZE_*_MAP from 512 KB to 16 MB;
      //   v3.0's partition tables (documents/EN/Partition Table.md,
      //   examples/peripheral_test) give SYSTEM_PARTITION_RF_CAL,
      //   PHY_DATA and SYSTEM_PARAMETER (0x3000) at 0x3fb000, 0x3fc000 and
      //   0x3fd000 on 4 MB; bin/at/README.md writes
      //   esp_init_data_default.bin at size - 0x4000 and blank.bin at
      //   size - 0x2000.
      // - The Arduino core (esp8266/Arduino tools/boards.txt.py flash_map:
      //   "eeprom | rf-cal | sdk-wifi-settings", 4 + 4 + 12 KB;
      //   cores/esp8266/core_esp8266_phy.cpp user_rf_cal_sector_set returns
      //   chip_size / 4096 - 4, its PHY init data compiled in) has its
      //   EEPROM sector where NONOS has RF calibration, and RF calibration
      //   where NONOS has the PHY init data.
      // All three are rewritten by the firmware on its own: the SDK's
      // calibration and Wi-Fi settings, the sketch's EEPROM.
      .backup = {.no_partition_table_note = "an ESP8266 has a partition table only with ESP8266_RTOS_SDK 3.x "
                                            "firmware (NONOS and Arduino firmware have none)",
                 .end_of_flash_areas = {
                     {0x5000, 0x1000, "rf_cal", "NONOS SDK >= 2.1 RF calibration; the Arduino core's EEPROM", true},
                     {0x4000, 0x1000, "phy_init",
                      "NONOS SDK PHY init data, esp_init_data_default.bin; the Arduino core's RF calibration", true},
                     {0x3000, 0x3000, "system_param", "SDK system parameters: Wi-Fi configuration", true},
                 }},
  };
}

}  // namespace espbak
