// ESP32-C2 (ESP8684): esptool v5.3.1 esptool/targets/esp32c2.py. ESP32C2ROM
// derives from ESP32C3ROM, which derives from ESP32ROM: what it does not
// override (SPI registers, UART registers, read_mac, bootloader offset,
// FLASH_SIZES) comes from targets/esp32c3.py, then esp32.py. Its system
// eFuses are BLOCK2 at EFUSE_BASE + 0x40 (not the C3's BLOCK1 at +0x44),
// and the MAC is there too (MAC_EFUSE_REG = EFUSE_BASE + 0x040).

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x60008800;  // EFUSE_BASE
constexpr std::uint32_t block2(int w) { return kEfuse + 0x40 + 4 * std::uint32_t(w); }  // EFUSE_BLOCK2_ADDR

// EFUSE_SPI_BOOT_CRYPT_CNT_REG / _MASK (0x7 << 7) and EFUSE_SECURE_BOOT_EN_REG
// / _MASK (1 << 21): both in the word at +0x30, unlike the C3.
constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x30, 7, 3};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x30, 21, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32c2.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 6).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 6, 1};
// read_mac (ESP32C3ROM's) over MAC_EFUSE_REG: BLOCK2 word 0 whole, the low 16
// bits of word 1.
constexpr RegField kMacLow{"MAC_LOW", block2(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block2(1), 0, 16};
// BLOCK2 word 1 above the MAC: get_minor_chip_version bits 16-19,
// get_major_chip_version bits 20-21, get_pkg_version bits 22-24. Word 7:
// get_flash_vendor bits 24-26, get_flash_cap bits 29-31.
constexpr RegField kMinor{"WAFER_VERSION_MINOR", block2(1), 16, 4};
constexpr RegField kMajor{"WAFER_VERSION_MAJOR", block2(1), 20, 2};
constexpr RegField kPkgVersion{"PKG_VERSION", block2(1), 22, 3};
constexpr RegField kFlashVendor{"FLASH_VENDOR", block2(7), 24, 3};
constexpr RegField kFlashCap{"FLASH_CAP", block2(7), 29, 3};

std::string describe(const FieldReader& f) {
  std::string name;
  switch (f(kPkgVersion)) {
    case 0: name = "ESP32-C2"; break;
    case 1: name = "ESP8684H"; break;
    default: name = "Unknown ESP32-C2"; break;
  }
  return chip_family::with_revision(name, f(kMajor), f(kMinor));
}

// loader.py get_chip_revision: major * 100 + minor.
std::optional<std::uint32_t> revision(const FieldReader& f) { return f(kMajor) * 100 + f(kMinor); }

std::vector<std::string> features(const FieldReader& f) {
  std::vector<std::string> out{"Wi-Fi", "BT 5 (LE)", "Single Core", "120MHz"};
  // As on the C3, " (<vendor>)" follows any in-package flash, "" when the
  // vendor is not in esptool's table. No 8MB entry on the C2.
  static const char* flash_vendors[] = {"", "XMC", "GD", "FM", "TT", "ZBIT", "", ""};
  std::string flash;
  switch (f(kFlashCap)) {
    case 0: return out;
    case 1: flash = "Embedded Flash 4MB"; break;
    case 2: flash = "Embedded Flash 2MB"; break;
    case 3: flash = "Embedded Flash 1MB"; break;
    default: flash = "Unknown Embedded Flash"; break;
  }
  out.push_back(flash + " (" + flash_vendors[f(kFlashVendor)] + ")");
  return out;
}

}  // namespace

ChipInfo chip_info_esp32c2() {
  return {
      .id = ChipId::esp32c2,
      .name = "ESP32-C2",
      .cli_name = "esp32c2",
      // USES_MAGIC_VALUE = False (from ESP32C3ROM): v5 detects the C2 by
      // IMAGE_CHIP_ID 12 only; the magic values are esptool v4.8.1's
      // CHIP_DETECT_MAGIC_VALUE (historic; v4.7.0 had the first two).
      .magic_values = {0x6F51306F, 0x7C41A06F, 0x0C21E06F},
      .security_chip_id = 12,
      .rom_status_len = 4,
      .rom = chip_family::kLaterRomAbilities,
      // FLASH_BEGIN's encrypted word as every ROM after the ESP32's.
      .quirks = chip_family::later_quirks(),
      .rom_baud_calibration = std::nullopt,
      .spi = chip_family::later_spi_regs(0x60002000),  // SPI_REG_BASE (ESP32C3ROM's)
      // get_crystal_freq: "The crystal detection algorithm of ESP32/ESP8266
      // works for ESP32-C2 as well" -> ESPLoader.get_crystal_freq over
      // UART_CLKDIV_REG 0x60000014 (ESP32C3ROM's), XTAL_CLK_DIVIDER 1.
      .crystal = {.fixed_mhz = std::nullopt, .uart_clkdiv_reg = 0x60000014, .clk_divider = 1},
      .uart_date_reg = 0x60000000 + 0x7C,  // UART_DATE_REG_ADDR (ESP32C3ROM's)
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt,
                 kMacLow, kMacHigh, kMinor, kMajor, kPkgVersion, kFlashVendor,
                 kFlashCap},
      .bootloader_offset = 0x0,  // BOOTLOADER_FLASH_OFFSET (ESP32C3ROM's)
      .stub_name = "esp32c2",    // esptool-js 0.7.0 targets/stub_flasher/esp32c2.json
      // FLASH_SIZES: ESP32ROM's. FLASH_FREQUENCY is the C2's own (flash clock
      // from its 60 MHz SPI source): 60m 0xF, 30m 0x0, 20m 0x1, 15m 0x2.
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = {{"60m", 0xF}, {"30m", 0x0}, {"20m", 0x1}, {"15m", 0x2}},
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // Newer ROM banner form. "ESP-ROM:esp8684-api2-20220127" / "Build:Jan
      // 27 2022" with boot:0xc (SPI_FAST_FLASH_BOOT) is a field log of an
      // ESP8684-WROOM module, revision v1.0 (wildekek/rdtech-esphome #10,
      // there after rst:0xc RTC_SW_CPU_RST). "boot:0x4 (DOWNLOAD(UART0))" then
      // "waiting for download" is what C2 field notes show for the eco4 ROM
      // (esp32c2-eco4-20240515; found by text search, no thread to cite).
      // rst:0x1 (POWERON) with these boot values and the download lines on
      // the api2 ROM: UNVERIFIED (docs/espsim.md). rom_log_baud is the rate
      // at the assumed 40 MHz; with 26 MHz fitted espsim sends it at 74880
      // (rom_crystal; thelastoutpostworkshop/ESPConnect #15: "74880 BAUD
      // needed since bootloader BAUD is fixed" on a 26 MHz C2).
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp8684-api2-20220127\r\nBuild:Jan 27 2022\r\nrst:0x1 (POWERON),boot:0x4 "
                              "(DOWNLOAD(UART0))\r\nwaiting for download\r\n",
                  .firmware = "ESP-ROM:esp8684-api2-20220127\r\nBuild:Jan 27 2022\r\nrst:0x1 (POWERON),boot:0xc "
                              "(SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp8684-api2-20220127\r\nBuild:Jan 27 2022\r\nrst:0x1 "
                                       "(POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // An ESP8684H4 v1.0 (ESP8684-WROOM class, the rdtech-esphome #10 part):
      // package 1, major 1, minor 0, in-package 4 MB flash (cap 1) from GD
      // (vendor 2; that module's RDID reads manufacturer c8, GigaDevice).
      // esptool v5.3.1 decodes "ESP8684H (revision v1.0)" and "Wi-Fi, BT 5
      // (LE), Single Core, 120MHz, Embedded Flash 4MB (GD)". Revision v1.0
      // also keeps esptool's stub (ESP32C2ROM._post_connect disables it on
      // revision 0). The vendor code of that module: UNVERIFIED.
      .sim = {.xtal_hz = 40'000'000,
              // 08:3a:8d: the OUI of the ESP32-C2 in that thread's esptool log.
              .default_mac = {0x08, 0x3A, 0x8D, 0x12, 0x34, 0x56},
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kPkgVersion, 1}, {kMajor, 1}, {kMinor, 0}, {kFlashCap, 1}, {kFlashVendor, 2}},
              // 40 MHz, or 26 MHz: change_baud's rom_with_26M_XTAL case, and
              // the rdtech-esphome #10 part prints "Crystal is 26MHz".
              .crystal_options_mhz = {26, 40}},
      .revision = revision,
      // ESP32C2ROM._post_connect: "ESP32C2 ECO0 is no longer supported by the
      // flasher stub": on revision 0 (v0.0) esptool disables the stub
      // (stub_is_disabled; cmds.py run_stub warns "Stub flasher has been
      // disabled for compatibility") and works on the ROM loader.
      .stubs_by_revision = {{0, "", "the flasher stub does not support the ESP32-C2 v0.0 (ECO0; esptool disables it "
                                    "too)"},
                            {1, "esp32c2"}},
      // change_baud: the ROM "thinks it uses a 40 MHz XTAL"; with 26 MHz
      // detected (ROM only) esptool sends baud * 40 // 26.
      .rom_crystal = RomCrystalAssumption{.assumed_mhz = std::uint32_t{40}, .scaled_mhz = {26, 40}, .report = false},
      // --after watchdog_reset: esptool v5.3.1 targets/esp32c2.py
      // RTC_CNTL_WDTCONFIG0/1_REG, RTC_CNTL_WDTWPROTECT_REG; watchdog_reset is
      // ESP32C3ROM's (inherited).
      .rtc_watchdog = RtcWatchdog{.config0 = 0x60008000 + 0x84,
                                  .config1 = 0x60008000 + 0x88,
                                  .wprotect = 0x60008000 + 0x9C},
      // esptool v5.3.1 targets/esp32c2.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      .image = {.chip_id = 12,
                .uf2_family_id = 0x2B88D29C,
                .memory_map = {
                    {0x00000000, 0x00010000, "PADDING"},
                    {0x3C000000, 0x3C400000, "DROM"},
                    {0x3FCA0000, 0x3FCE0000, "DRAM"},
                    {0x3FC88000, 0x3FD00000, "BYTE_ACCESSIBLE"},
                    {0x3FF00000, 0x3FF50000, "DROM_MASK"},
                    {0x40000000, 0x40090000, "IROM_MASK"},
                    {0x42000000, 0x42400000, "IROM"},
                    {0x4037C000, 0x403C0000, "IRAM"},
                }},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled over the fields above.
      .security = chip_family::later_security<kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt>(),
  };
}

}  // namespace espbak
