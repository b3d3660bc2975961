// ESP32: esptool v5.3.1 esptool/targets/esp32.py; espefuse's esp32 MAC CRC;
// fact sheet sections 4 and 7. eFuse BLOCK0 read words at 0x3FF5A000 + 4n.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x3FF5A000;
constexpr std::uint32_t word(int n) { return kEfuse + 4 * std::uint32_t(n); }

constexpr RegField kFlashCryptCnt{"FLASH_CRYPT_CNT", word(0), 20, 7};  // EFUSE_SPI_BOOT_CRYPT_CNT_MASK
constexpr RegField kMacLow{"MAC_LOW", word(1), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", word(2), 0, 16};
constexpr RegField kMacCrc{"MAC_CRC", word(2), 16, 8};
constexpr RegField kDisAppCpu{"CHIP_VER_DIS_APP_CPU", word(3), 0, 1};
constexpr RegField kDisBt{"CHIP_VER_DIS_BT", word(3), 1, 1};
constexpr RegField kPkgHigh{"CHIP_PACKAGE_4BIT", word(3), 2, 1};
constexpr RegField kPkgLow{"CHIP_PACKAGE", word(3), 9, 3};
constexpr RegField kCpuFreqLow{"CHIP_CPU_FREQ_LOW", word(3), 12, 1};
constexpr RegField kCpuFreqRated{"CHIP_CPU_FREQ_RATED", word(3), 13, 1};
constexpr RegField kBlk3PartReserve{"BLK3_PART_RESERVE", word(3), 14, 1};
constexpr RegField kRev1{"CHIP_VER_REV1", word(3), 15, 1};
constexpr RegField kCk8mFreq{"CK8M_FREQ", word(4), 0, 8};
constexpr RegField kAdcVref{"ADC_VREF", word(4), 8, 5};
constexpr RegField kRev2{"CHIP_VER_REV2", word(5), 20, 1};
constexpr RegField kMinorRev{"WAFER_VERSION_MINOR", word(5), 24, 2};
constexpr RegField kCodingScheme{"CODING_SCHEME", word(6), 0, 2};
constexpr RegField kAbsDone0{"ABS_DONE_0", word(6), 4, 1};  // secure boot v1
constexpr RegField kAbsDone1{"ABS_DONE_1", word(6), 5, 1};  // secure boot v2 (rev3)
// Security features (issue 14): esptool v5.3.1 targets/esp32.py
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_RD_REG_BASE + 0x18) /
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT (1 << 7, EFUSE_RD_DISABLE_DL_ENCRYPT).
constexpr RegField kDisableDlEncrypt{"DISABLE_DL_ENCRYPT", word(6), 7, 1};
// Not eFuses: APB_CTL_DATE bit 31 is the third revision bit; the RTC
// calibration value feeds the ROM's crystal estimate.
constexpr RegField kRev3{"APB_CTL_DATE_REV3", 0x3FF66000 + 0x7C, 31, 1};
constexpr RegField kRtcCaliValue{"TIMERS_RTC_CALI_VALUE", 0x3FF5F06C, 7, 25};

std::uint32_t pkg_version(const FieldReader& f) { return f(kPkgLow) + (f(kPkgHigh) << 3); }

int major_revision(const FieldReader& f) {
  switch ((f(kRev3) << 2) | (f(kRev2) << 1) | f(kRev1)) {
    case 1: return 1;
    case 3: return 2;
    case 7: return 3;
    default: return 0;
  }
}

// ---- Security features (issue 14): esptool v5.3.1 targets/esp32.py ----
// get_secure_boot_v1_enabled: ABS_DONE_0 (EFUSE_RD_ABS_DONE_0_MASK, 1 << 4).
bool secure_boot_v1(const FieldReader& f) { return f.flag(kAbsDone0); }
// get_secure_boot_enabled: ABS_DONE_0, or ABS_DONE_1 (1 << 5) on a part of
// get_chip_revision() >= 300 (v3.0: secure boot v2).
bool secure_boot(const FieldReader& f) {
  return f.flag(kAbsDone0) || (major_revision(f) >= 3 && f.flag(kAbsDone1));
}

std::string describe(const FieldReader& f) {
  int major = major_revision(f);
  bool rev3 = major == 3, single_core = f.flag(kDisAppCpu);
  std::string name;
  switch (pkg_version(f)) {
    case 0: name = single_core ? "ESP32-S0WDQ6" : rev3 ? "ESP32-D0WDQ6-V3" : "ESP32-D0WDQ6"; break;
    case 1: name = single_core ? "ESP32-S0WD" : rev3 ? "ESP32-D0WD-V3" : "ESP32-D0WD"; break;
    case 2: name = "ESP32-D2WD"; break;
    case 4: name = "ESP32-U4WDH"; break;
    case 5: name = rev3 ? "ESP32-PICO-V3" : "ESP32-PICO-D4"; break;
    case 6: name = "ESP32-PICO-V3-02"; break;
    case 7: name = "ESP32-D0WDR2-V3"; break;
    default: name = "Unknown ESP32"; break;
  }
  return chip_family::with_revision(name, std::uint32_t(major), f(kMinorRev));
}

// esptool v5.3.1 get_chip_features, word for word ("Dual Core + LP Core",
// "Vref calibration in eFuse" and coding scheme 3 are v5's strings; v4
// printed "Dual Core", "Vref calibration in eFuse" and "Invalid").
std::vector<std::string> features(const FieldReader& f) {
  std::vector<std::string> out{"Wi-Fi"};
  if (!f.flag(kDisBt)) out.push_back("BT");
  out.push_back(f.flag(kDisAppCpu) ? "Single Core + LP Core" : "Dual Core + LP Core");
  if (f.flag(kCpuFreqRated)) out.push_back(f.flag(kCpuFreqLow) ? "160MHz" : "240MHz");
  std::uint32_t pkg = pkg_version(f);
  if (pkg == 2 || pkg == 4 || pkg == 5 || pkg == 6) out.push_back("Embedded Flash");
  if (pkg == 6) out.push_back("Embedded PSRAM");
  if (f(kAdcVref)) out.push_back("Vref calibration in eFuse");
  if (f.flag(kBlk3PartReserve)) out.push_back("BLK3 partially reserved");
  static const char* schemes[] = {"None", "3/4", "Repeat (UNSUPPORTED)", "None (may contain encoding data)"};
  out.push_back(std::string("Coding Scheme ") + schemes[f(kCodingScheme)]);
  return out;
}

// Words 2 and 1 big-endian, less the CRC byte above the MAC in word 2.
std::optional<Mac> mac(const FieldReader& f) { return mac_from_fields(f, kMacHigh, kMacLow); }

bool encode_mac(const Mac& m, FieldWriter& w) {
  mac_to_fields(m, w, kMacHigh, kMacLow);
  w.set(kMacCrc, efuse_mac_crc8(m));  // a real chip stores it beside the MAC
  return true;
}

}  // namespace

ChipInfo chip_info_esp32() {
  return {
      .id = ChipId::esp32,
      .name = "ESP32",
      .cli_name = "esp32",
      .magic_values = {0x00F01D83},
      .security_chip_id = std::nullopt,
      .rom_status_len = 4,
      .rom = {.spi_attach = true, .spi_set_params = true, .read_flash_slow = true, .flash_md5 = true,
              .change_baud = true, .deflate = true, .security_info = false},
      .quirks = {.rom_erase_size_bug = false, .extended_image_header = true, .rom_flash_begin_encrypt_word = false,
                 .stub_runs_user_code = false},
      .rom_baud_calibration = RomBaudCalibration{.rtc_cali_value = kRtcCaliValue, .ck8m_freq = kCk8mFreq},
      .spi = {.base = 0x3FF42000, .usr = 0x1C, .usr1 = 0x20, .usr2 = 0x24, .mosi_dlen = 0x28, .miso_dlen = 0x2C,
              .w0 = 0x80, .addr_msb_aligned = true},
      .crystal = {.fixed_mhz = std::nullopt, .uart_clkdiv_reg = 0x3FF40014, .clk_divider = 1},
      .uart_date_reg = 0x60000078,
      .efuse_base = kEfuse,
      .fields = {kFlashCryptCnt, kMacLow, kMacHigh, kMacCrc, kDisAppCpu, kDisBt, kPkgHigh, kPkgLow, kCpuFreqLow,
                 kCpuFreqRated, kBlk3PartReserve, kRev1, kCk8mFreq, kAdcVref, kRev2, kMinorRev, kCodingScheme,
                 kAbsDone0, kAbsDone1, kDisableDlEncrypt, kRev3, kRtcCaliValue},
      .bootloader_offset = 0x1000,
      .stub_name = "esp32",
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = chip_family::esp32_flash_freqs(),
      .describe = describe,
      .features = features,
      .mac = mac,
      .chip_id = chip_family::no_chip_id,
      // Fact sheet 7: EN resets report POWERON_RESET like power-on; boot:0x13
      // is a normal SPI flash boot, boot:0x3 download mode.
      .banners = {.rom_log_baud = 115200,
                  .download = "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x3 "
                              "(DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n",
                  .firmware = "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on =
                      "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // A D0WD rev 3.0 (package 1, all three revision bits), dual core, BT:
      // esptool decodes "ESP32-D0WD-V3 (revision v3.0)". CK8M 200 with
      // RTC_CALI_VALUE 512 gives a ROM crystal estimate of 512 * 15625 * 200
      // / 40 = 40 MHz exactly, so CHANGE_BAUDRATE needs no scaling.
      .sim = {.xtal_hz = 40'000'000,
              .default_mac = {0x24, 0x0A, 0xC4, 0x12, 0x34, 0x56},
              .encode_mac = encode_mac,
              .power_on_fields = {{kPkgLow, 1}, {kRev1, 1}, {kRev2, 1}, {kRev3, 1}, {kMinorRev, 0}, {kCk8mFreq, 200},
                                  {kCodingScheme, 0}, {kRtcCaliValue, 512}}},
      // esptool v5.3.1 targets/esp32.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      .image = {.chip_id = 0,
                .uf2_family_id = 0x1C5F21B0,
                .memory_map = {
                    {0x00000000, 0x00010000, "PADDING"},
                    {0x3F400000, 0x3F800000, "DROM"},
                    {0x3F800000, 0x3FC00000, "EXTRAM_DATA"},
                    {0x3FF80000, 0x3FF82000, "RTC_DRAM"},
                    {0x3FF90000, 0x40000000, "BYTE_ACCESSIBLE"},
                    {0x3FFAE000, 0x40000000, "DRAM"},
                    {0x3FFE0000, 0x3FFFFFFC, "DIRAM_DRAM"},
                    {0x40000000, 0x40070000, "IROM"},
                    {0x40070000, 0x40078000, "CACHE_PRO"},
                    {0x40078000, 0x40080000, "CACHE_APP"},
                    {0x40080000, 0x400A0000, "IRAM"},
                    {0x400A0000, 0x400BFFFC, "DIRAM_IRAM"},
                    {0x400C0000, 0x400C2000, "RTC_IRAM"},
                    {0x400D0000, 0x40400000, "IROM"},
                    {0x50000000, 0x50002000, "RTC_DATA"},
                }},
      // Security features (issue 14): get_flash_encryption_enabled
      // (FLASH_CRYPT_CNT, EFUSE_SPI_BOOT_CRYPT_CNT_MASK 0x7F << 20, odd bit
      // count), get_secure_boot_enabled, get_secure_boot_v1_enabled,
      // get_encrypted_download_disabled; no key manager.
      .security = {.flash_encryption = chip_family::odd_crypt_count<kFlashCryptCnt>,
                   .secure_boot = secure_boot,
                   .secure_boot_v1 = secure_boot_v1,
                   .encrypted_download_disabled = chip_family::field_set<kDisableDlEncrypt>,
                   .key_manager_flash_encryption = nullptr},
  };
}

}  // namespace espbak
