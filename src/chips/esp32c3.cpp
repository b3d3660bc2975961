// ESP32-C3: esptool v5.3.1 esptool/targets/esp32c3.py (ESP32C3ROM derives
// from ESP32ROM, so what it does not override comes from targets/esp32.py);
// fact sheet sections 4, 7 and 9. eFuse BLOCK1 (system data) at +0x44.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x60008800;  // EFUSE_BASE
constexpr std::uint32_t block1(int w) { return kEfuse + 0x44 + 4 * std::uint32_t(w); }

// EFUSE_SPI_BOOT_CRYPT_CNT_REG / _MASK and EFUSE_SECURE_BOOT_EN_REG / _MASK.
constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x34, 18, 3};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x38, 20, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32c3.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 20).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 20, 1};
// read_mac: MAC_EFUSE_REG (BLOCK1 word 0) whole, the low 16 bits of word 1.
constexpr RegField kMacLow{"MAC_LOW", block1(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block1(1), 0, 16};
// get_minor_chip_version (word 3 bits 18-20, word 5 bit 23), get_pkg_version
// (word 3 bits 21-23), get_flash_cap (word 3 bits 27-29), get_flash_vendor
// (word 4 bits 0-2), get_major_chip_version (word 5 bits 24-25).
constexpr RegField kMinorLow{"WAFER_VERSION_MINOR_LO", block1(3), 18, 3};
constexpr RegField kPkgVersion{"PKG_VERSION", block1(3), 21, 3};
constexpr RegField kFlashCap{"FLASH_CAP", block1(3), 27, 3};
constexpr RegField kFlashVendor{"FLASH_VENDOR", block1(4), 0, 3};
constexpr RegField kMinorHigh{"WAFER_VERSION_MINOR_HI", block1(5), 23, 1};
constexpr RegField kMajor{"WAFER_VERSION_MAJOR", block1(5), 24, 2};

// espsim --chip-revision: the inverse of the two reads above (the minor's
// bit 3 in word 5, bits 0-2 in word 3; major 0-3).
void encode_revision(std::uint32_t maj, std::uint32_t min, FieldWriter& w) {
  w.set(kMajor, maj);
  w.set(kMinorHigh, min >> 3);
  w.set(kMinorLow, min & 7);
}

// Unlike the S3 there is no eco0 special case: the revision is read as is.
std::string describe(const FieldReader& f) {
  std::string name;
  switch (f(kPkgVersion)) {
    case 0: name = "ESP32-C3 (QFN32)"; break;
    case 1: name = "ESP8685 (QFN28)"; break;
    case 2: name = "ESP32-C3 AZ (QFN32)"; break;
    case 3: name = "ESP8686 (QFN24)"; break;
    default: name = "Unknown ESP32-C3"; break;
  }
  return chip_family::with_revision(name, f(kMajor), (f(kMinorHigh) << 3) | f(kMinorLow));
}

std::vector<std::string> features(const FieldReader& f) {
  std::vector<std::string> out{"Wi-Fi", "BT 5 (LE)", "Single Core", "160MHz"};
  // esptool appends " (<vendor>)" whenever there is in-package flash, even
  // when the vendor is unknown: "Embedded Flash 4MB ()".
  static const char* flash_vendors[] = {"", "XMC", "GD", "FM", "TT", "ZBIT", "", ""};
  std::string flash;
  switch (f(kFlashCap)) {
    case 0: return out;
    case 1: flash = "Embedded Flash 4MB"; break;
    case 2: flash = "Embedded Flash 2MB"; break;
    case 3: flash = "Embedded Flash 1MB"; break;
    case 4: flash = "Embedded Flash 8MB"; break;
    default: flash = "Unknown Embedded Flash"; break;
  }
  out.push_back(flash + " (" + flash_vendors[f(kFlashVendor)] + ")");
  return out;
}

}  // namespace

ChipInfo chip_info_esp32c3() {
  return {
      .id = ChipId::esp32c3,
      .name = "ESP32-C3",
      .cli_name = "esp32c3",
      // USES_MAGIC_VALUE = False: v5 detects the C3 by IMAGE_CHIP_ID 5 from
      // GET_SECURITY_INFO; the magic values are esptool v4.7.0's
      // CHIP_DETECT_MAGIC_VALUE (fact sheet 4.1, "historic").
      .magic_values = {0x6921506F, 0x1B31506F, 0x4881606F, 0x4361606F},
      .security_chip_id = 5,
      .rom_status_len = 4,  // every ROM after the ESP8266's (fact sheet 1.4)
      .rom = chip_family::kLaterRomAbilities,
      // loader.py flash_begin / flash_defl_begin: the fifth "encrypted" word
      // goes to every ROM but the ESP32's and ESP8266's. change_baud is
      // ESPLoader's, unscaled (no ROM crystal calibration).
      .quirks = chip_family::later_quirks(),
      .rom_baud_calibration = std::nullopt,
      .spi = chip_family::later_spi_regs(0x60002000),
      // get_crystal_freq: "ESP32C3 XTAL is fixed to 40MHz"; UART_CLKDIV_REG
      // 0x60000014 is still what espsim fills for hosts that measure.
      .crystal = {.fixed_mhz = 40, .uart_clkdiv_reg = 0x60000014, .clk_divider = 1},
      .uart_date_reg = 0x60000000 + 0x7C,  // UART_DATE_REG_ADDR
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt,
                 kMacLow, kMacHigh, kMinorLow, kPkgVersion, kFlashCap, kFlashVendor,
                 kMinorHigh, kMajor},
      .bootloader_offset = 0x0,  // BOOTLOADER_FLASH_OFFSET
      .stub_name = "esp32c3",    // esptool-js 0.7.0 targets/stub_flasher/esp32c3.json
      // No FLASH_SIZES / FLASH_FREQUENCY of its own: ESP32ROM's.
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = chip_family::esp32_flash_freqs(),
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // ROM banner form of the newer ROMs (fact sheet 7). The first two lines
      // and "boot:0xc (SPI_FAST_FLASH_BOOT)" are field logs (platformio-home
      // #2926, esp-idf #8926); "boot:0x5 (DOWNLOAD(USB/UART0/1))" followed by
      // "waiting for download" is esp-web-tools #465 (there after a USB
      // reset, rst:0x15). rst:0x1 (POWERON) with those boot values:
      // UNVERIFIED (docs/espsim.md).
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\nrst:0x1 (POWERON),boot:0x5 "
                              "(DOWNLOAD(USB/UART0/1))\r\nwaiting for download\r\n",
                  .firmware = "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\nrst:0x1 (POWERON),boot:0xc "
                              "(SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\nrst:0x1 "
                                       "(POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // An ESP32-C3FH4 (ESP32-C3 SuperMini class boards): package 0, major 0,
      // minor 4, in-package 4 MB flash (cap 1) from XMC (vendor 1). esptool
      // v5.3.1 decodes "ESP32-C3 (QFN32) (revision v0.4)" and "Wi-Fi, BT 5
      // (LE), Single Core, 160MHz, Embedded Flash 4MB (XMC)"; esptool v4.7
      // field logs show the same part as "(revision v0.4)" / "Embedded Flash
      // 4MB (XMC)".
      .sim = {.xtal_hz = 40'000'000,
              // 84:fc:e6: the OUI of an ESP32-C3 in an esptool v4.7.0 field log.
              .default_mac = {0x84, 0xFC, 0xE6, 0x12, 0x34, 0x56},
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kPkgVersion, 0}, {kMajor, 0}, {kMinorLow, 4}, {kMinorHigh, 0}, {kFlashCap, 1},
                                  {kFlashVendor, 1}},
              .encode_revision = encode_revision},
      // --after watchdog_reset: esptool v5.3.1 targets/esp32c3.py
      // RTC_CNTL_WDTCONFIG0/1_REG, RTC_CNTL_WDTWPROTECT_REG (RTCCNTL_BASE_REG
      // 0x60008000) and watchdog_reset.
      .rtc_watchdog = RtcWatchdog{.config0 = 0x60008000 + 0x90,
                                  .config1 = 0x60008000 + 0x94,
                                  .wprotect = 0x60008000 + 0xA8},
      // esptool v5.3.1 targets/esp32c3.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      .image = {.chip_id = 5,
                .uf2_family_id = 0xD42BA06C,
                .memory_map = {
                    {0x00000000, 0x00010000, "PADDING"},
                    {0x3C000000, 0x3C800000, "DROM"},
                    {0x3FC80000, 0x3FCE0000, "DRAM"},
                    {0x3FC88000, 0x3FD00000, "BYTE_ACCESSIBLE"},
                    {0x3FF00000, 0x3FF20000, "DROM_MASK"},
                    {0x40000000, 0x40060000, "IROM_MASK"},
                    {0x42000000, 0x42800000, "IROM"},
                    {0x4037C000, 0x403E0000, "IRAM"},
                    {0x50000000, 0x50002000, "RTC_IRAM"},
                    {0x50000000, 0x50002000, "RTC_DRAM"},
                    {0x600FE000, 0x60100000, "MEM_INTERNAL2"},
                },
                // esptool v5.3.1 cmds.py write_flash compares the C3's min_rev with the minor revision.
                .min_rev_is_minor = true},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled over the fields above.
      .security = chip_family::later_security<kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt>(),
      // USB-Serial/JTAG download path: UARTDEV_BUF_NO = UartDev .bss + 24,
      // 0x3FCDF064 below revision v1.1, 0x3FCDF060 from it, = 3 (esptool
      // v5.2.0 targets/esp32c3.py, commit 8bc2c50 "fix usb-serial detection
      // for rev1.1"; v4.8.1 had 0x3FCDF07C for all); disable_watchdogs: RTC
      // WDT as above, SWD CONF 0x600080AC / WPROTECT 0x600080B0, key
      // 0x8F1D312A, AUTO_FEED bit 31 (v5.3.1). No USB-OTG.
      .usb = UsbPaths{.uart_no_regs = {{0, 0x3FCDF064 + 24}, {101, 0x3FCDF060 + 24}},
                      .uart_no_usb_jtag_serial = 3,
                      .usb_jtag_serial = true,
                      .jtag_watchdogs = UsbPaths::JtagWatchdogs{0x60008090, 0x600080A8, 0x50D83AA1, 0x600080AC,
                                                               0x600080B0, 0x8F1D312A, 1u << 31}},
  };
}

}  // namespace espbak
