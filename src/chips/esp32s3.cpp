// ESP32-S3: esptool v5.3.1 esptool/targets/esp32s3.py (esptool-js 0.7.0
// targets/esp32s3.js agrees on what is used here); fact sheet sections 4, 7.
// eFuse BLOCK1 (system data) at +0x44, BLOCK2 at +0x5C.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x60007000;
constexpr std::uint32_t block1(int w) { return kEfuse + 0x44 + 4 * std::uint32_t(w); }
constexpr std::uint32_t block2(int w) { return kEfuse + 0x5C + 4 * std::uint32_t(w); }

constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x34, 18, 3};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x38, 20, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32s3.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 20).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 20, 1};
constexpr RegField kMacLow{"MAC_LOW", block1(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block1(1), 0, 16};
constexpr RegField kMinorLow{"WAFER_VERSION_MINOR_LO", block1(3), 18, 3};
constexpr RegField kPkgVersion{"PKG_VERSION", block1(3), 21, 3};
constexpr RegField kBlkMinor{"BLK_VERSION_MINOR", block1(3), 24, 3};
constexpr RegField kFlashCap{"FLASH_CAP", block1(3), 27, 3};
constexpr RegField kFlashVendor{"FLASH_VENDOR", block1(4), 0, 3};
constexpr RegField kPsramCap{"PSRAM_CAP", block1(4), 3, 2};
constexpr RegField kPsramVendor{"PSRAM_VENDOR", block1(4), 7, 2};
constexpr RegField kPsramCapHigh{"PSRAM_CAP_HI", block1(5), 19, 1};
constexpr RegField kMinorHigh{"WAFER_VERSION_MINOR_HI", block1(5), 23, 1};
constexpr RegField kMajor{"WAFER_VERSION_MAJOR", block1(5), 24, 2};
constexpr RegField kBlkMajor{"BLK_VERSION_MAJOR", block2(4), 0, 2};

std::uint32_t raw_minor(const FieldReader& f) { return (f(kMinorHigh) << 3) | f(kMinorLow); }

// Chips v0.0 reused the major-revision field: esptool's is_eco0() reports
// v0.0 when the minor's low bits are 0 and the block version is v1.1.
bool is_eco0(const FieldReader& f) {
  return (raw_minor(f) & 7) == 0 && f(kBlkMajor) == 1 && f(kBlkMinor) == 1;
}

std::string describe(const FieldReader& f) {
  std::uint32_t minor = raw_minor(f), major = f(kMajor);
  if (is_eco0(f)) major = minor = 0;
  std::uint32_t pkg = f(kPkgVersion);
  std::string name = pkg == 0 ? "ESP32-S3 (QFN56)" : pkg == 1 ? "ESP32-S3-PICO-1 (LGA56)" : "Unknown ESP32-S3";
  return chip_family::with_revision(name, major, minor);
}

std::vector<std::string> features(const FieldReader& f) {
  // get_chip_features: the constant list, then the in-package flash and
  // PSRAM, each followed by its vendor in parentheses. esptool appends
  // " (vendor)" even when the vendor code has no name, so an unnamed vendor
  // prints "()"; reproduced as esptool prints it.
  std::vector<std::string> out{"Wi-Fi", "BT 5 (LE)", "Dual Core + LP Core", "240MHz"};
  static const char* flash_vendors[] = {"", "XMC", "GD", "FM", "TT", "BY", "", ""};
  static const char* psram_vendors[] = {"", "AP_3v3", "AP_1v8", ""};
  auto with_vendor = [](std::string what, const char* vendor) { return what + " (" + vendor + ")"; };
  const char* flash_vendor = flash_vendors[f(kFlashVendor)];
  switch (f(kFlashCap)) {
    case 0: break;
    case 1: out.push_back(with_vendor("Embedded Flash 8MB", flash_vendor)); break;
    case 2: out.push_back(with_vendor("Embedded Flash 4MB", flash_vendor)); break;
    default: out.push_back(with_vendor("Unknown Embedded Flash", flash_vendor)); break;
  }
  // get_psram_cap: BLOCK1 word 5 bit 19 is the cap's third bit.
  const std::uint32_t psram_cap = (f(kPsramCapHigh) << 2) | f(kPsramCap);
  const char* psram_vendor = psram_vendors[f(kPsramVendor)];
  switch (psram_cap) {
    case 0: break;
    case 1: out.push_back(with_vendor("Embedded PSRAM 8MB", psram_vendor)); break;
    case 2: out.push_back(with_vendor("Embedded PSRAM 2MB", psram_vendor)); break;
    case 3: out.push_back(with_vendor("Embedded PSRAM 16MB", psram_vendor)); break;
    case 4: out.push_back(with_vendor("Embedded PSRAM 4MB", psram_vendor)); break;
    default: out.push_back(with_vendor("Unknown Embedded PSRAM", psram_vendor)); break;
  }
  return out;
}

}  // namespace

ChipInfo chip_info_esp32s3() {
  return {
      .id = ChipId::esp32s3,
      .name = "ESP32-S3",
      .cli_name = "esp32s3",
      // esptool <= v4.7 matched 0x9 at the magic register; v5 detects the
      // S3 by its GET_SECURITY_INFO chip id only (fact sheet 4.1).
      .magic_values = {0x00000009},
      .security_chip_id = 9,
      .rom_status_len = 4,
      .rom = chip_family::kLaterRomAbilities,
      .quirks = chip_family::later_quirks(),
      .rom_baud_calibration = std::nullopt,
      .spi = chip_family::later_spi_regs(0x60002000),
      // get_crystal_freq: "ESP32S3 XTAL is fixed to 40MHz".
      .crystal = {.fixed_mhz = 40, .uart_clkdiv_reg = 0x60000014, .clk_divider = 1},
      .uart_date_reg = 0x60000080,
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt,
                 kMacLow, kMacHigh, kMinorLow, kPkgVersion, kBlkMinor, kFlashCap,
                 kFlashVendor, kPsramCap, kPsramVendor, kPsramCapHigh, kMinorHigh, kMajor, kBlkMajor},
      .bootloader_offset = 0x0,
      .stub_name = "esp32s3",
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = chip_family::esp32_flash_freqs(),
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // ESP32-S3 field logs (newer ROM banner form, fact sheet 7): boot:0x8
      // is an SPI flash boot, boot:0x0 UART/USB download.
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\nrst:0x1 (POWERON),boot:0x0 "
                              "(DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n",
                  .firmware = "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\nrst:0x1 (POWERON),boot:0x8 "
                              "(SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\nrst:0x1 (POWERON),boot:0x8 "
                                       "(SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // Package 0 (QFN56), minor revision 2, block version v1.1 (so not
      // eco0), 8 MB PSRAM from AP_3v3 and no in-package flash: esptool
      // decodes "ESP32-S3 (QFN56) (revision v0.2)" and "Embedded PSRAM 8MB
      // (AP_3v3)", as on a common module (ESP32-S3-WROOM-1-N8R8 class).
      .sim = {.xtal_hz = 40'000'000,
              .default_mac = {0x7C, 0xDF, 0xA1, 0x12, 0x34, 0x56},  // an Espressif OUI of S2/S3 parts
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kPkgVersion, 0}, {kMinorLow, 2}, {kBlkMinor, 1}, {kPsramCap, 1}, {kPsramVendor, 1},
                                  {kMajor, 0}, {kMinorHigh, 0}, {kBlkMajor, 1}}},
      // --after watchdog_reset: esptool v5.3.1 targets/esp32s3.py
      // RTC_CNTL_WDTCONFIG0/1_REG, RTC_CNTL_WDTWPROTECT_REG (RTCCNTL_BASE_REG
      // 0x60008000) and watchdog_reset.
      .rtc_watchdog = RtcWatchdog{.config0 = 0x60008000 + 0x98,
                                  .config1 = 0x60008000 + 0x9C,
                                  .wprotect = 0x60008000 + 0xB0},
      // esptool v5.3.1 targets/esp32s3.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      .image = {.chip_id = 9,
                .uf2_family_id = 0xC47E5767,
                .memory_map = {
                    {0x00000000, 0x00010000, "PADDING"},
                    {0x3C000000, 0x3D000000, "DROM"},
                    {0x3D000000, 0x3E000000, "EXTRAM_DATA"},
                    {0x600FE000, 0x60100000, "RTC_DRAM"},
                    {0x3FC88000, 0x3FD00000, "BYTE_ACCESSIBLE"},
                    {0x3FC88000, 0x403E2000, "MEM_INTERNAL"},
                    {0x3FC88000, 0x3FD00000, "DRAM"},
                    {0x40000000, 0x4001A100, "IROM_MASK"},
                    {0x40370000, 0x403E0000, "IRAM"},
                    {0x600FE000, 0x60100000, "RTC_IRAM"},
                    {0x42000000, 0x42800000, "IROM"},
                    {0x50000000, 0x50002000, "RTC_DATA"},
                }},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled over the fields above.
      .security = chip_family::later_security<kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt>(),
      // USB download paths: UARTDEV_BUF_NO 0x3FCEF14C = 3 over OTG, 4 over
      // USB-Serial/JTAG (esptool v4.8.1 targets/esp32s3.py); OTG port PID =
      // IMAGE_CHIP_ID 9; disable_watchdogs: RTC WDT as above, SWD CONF
      // 0x600080B4 / WPROTECT 0x600080B8, key 0x8F1D312A, AUTO_FEED bit 31;
      // hard_reset: OPTION1 0x6000812C bit 0 cleared first, strap check
      // GPIO_STRAP_REG 0x60004038 bit 3 (all v5.3.1).
      .usb = UsbPaths{.uart_no_regs = {{0, 0x3FCEF14C}},
                      .uart_no_usb_otg = 3,
                      .uart_no_usb_jtag_serial = 4,
                      .otg_pid = 9,
                      .usb_jtag_serial = true,
                      .jtag_watchdogs = UsbPaths::JtagWatchdogs{0x60008098, 0x600080B0, 0x50D83AA1, 0x600080B4,
                                                               0x600080B8, 0x8F1D312A, 1u << 31},
                      .otg_strap_check = UsbPaths::OtgStrapCheck{0x60004038, 1u << 3, 0x6000812C, 0x1},
                      .clear_force_download_on_hard_reset = true},
  };
}

}  // namespace espbak
