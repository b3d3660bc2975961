// ESP32-C5: esptool v5.3.1 esptool/targets/esp32c5.py. ESP32C5ROM derives
// from ESP32C6ROM: what it does not override (SPI registers, UART_DATE_REG,
// read_mac with MAC_EXT, FLASH_SIZES) comes from targets/esp32c6.py, then
// esp32c3.py (UART_CLKDIV_REG), then esp32.py. eFuse BLOCK1 (system data)
// at EFUSE_BASE + 0x44.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x600B4800;  // EFUSE_BASE
constexpr std::uint32_t block1(int w) { return kEfuse + 0x44 + 4 * std::uint32_t(w); }

// EFUSE_SPI_BOOT_CRYPT_CNT_REG / _MASK (0x7 << 16) and
// EFUSE_SECURE_BOOT_EN_REG / _MASK (1 << 25): the C5's own bit positions.
constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x34, 16, 3};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x38, 25, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32c5.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 20).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 20, 1};
// EFUSE_FORCE_USE_KEY_MANAGER_KEY_REG (EFUSE_BASE + 0x34) >> _SHIFT (10); width 4 as
// espefuse/efuse_defs/esp32c5.yaml FORCE_USE_KEY_MANAGER_KEY (esptool tests bit 1, XTS-AES).
constexpr RegField kForceUseKeyManagerKey{"FORCE_USE_KEY_MANAGER_KEY", kEfuse + 0x34, 10, 4};
// read_mac (ESP32C6ROM's): BLOCK1 word 0 and the low 16 bits of word 1 are
// the base MAC; the high 16 bits of word 1 are MAC_EXT.
constexpr RegField kMacLow{"MAC_LOW", block1(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block1(1), 0, 16};
constexpr RegField kMacExt{"MAC_EXT", block1(1), 16, 16};
// All in BLOCK1 word 2: get_minor_chip_version bits 0-3,
// get_major_chip_version bits 4-5, get_pkg_version bits 26-28.
constexpr RegField kMinor{"WAFER_VERSION_MINOR", block1(2), 0, 4};
constexpr RegField kMajor{"WAFER_VERSION_MAJOR", block1(2), 4, 2};
constexpr RegField kPkgVersion{"PKG_VERSION", block1(2), 26, 3};
// get_crystal_freq_rom_expect: PCR_SYSCLK_CONF_REG 0x60096110,
// PCR_SYSCLK_XTAL_FREQ_V 0x7F << 24: the crystal the ROM expects, in MHz.
constexpr RegField kRomXtalFreq{"PCR_SYSCLK_XTAL_FREQ", 0x60096110, 24, 7};

std::string describe(const FieldReader& f) {
  std::string name = f(kPkgVersion) == 0 ? "ESP32-C5" : "Unknown ESP32-C5";
  return chip_family::with_revision(name, f(kMajor), f(kMinor));
}

// get_chip_features: a constant list, no eFuse read.
std::vector<std::string> features(const FieldReader&) {
  return {"Wi-Fi 6 (dual-band)", "BT 5 (LE)", "IEEE802.15.4", "Single Core + LP Core", "240MHz"};
}

}  // namespace

ChipInfo chip_info_esp32c5() {
  return {
      .id = ChipId::esp32c5,
      .name = "ESP32-C5",
      .cli_name = "esp32c5",
      // USES_MAGIC_VALUE = False (from ESP32C3ROM): v5 detects the C5 by
      // IMAGE_CHIP_ID 23 only; 0x1101406F is esptool v4.8.1's
      // CHIP_DETECT_MAGIC_VALUE (historic; esptool-js 0.7.0 lists it first).
      .magic_values = {0x1101406F},
      .security_chip_id = 23,
      .rom_status_len = 4,
      .rom = chip_family::kLaterRomAbilities,
      // FLASH_BEGIN's encrypted word as every ROM after the ESP32's.
      .quirks = chip_family::later_quirks(),
      .rom_baud_calibration = std::nullopt,
      .spi = chip_family::later_spi_regs(0x60003000),  // SPI_REG_BASE (ESP32C6ROM's)
      // get_crystal_freq: "The crystal detection algorithm of ESP32/ESP8266
      // works for ESP32-C5 as well" -> ESPLoader.get_crystal_freq (> 45 MHz
      // normalises to 48) over UART_CLKDIV_REG 0x60000014 (ESP32C3ROM's).
      .crystal = {.fixed_mhz = std::nullopt, .uart_clkdiv_reg = 0x60000014, .clk_divider = 1},
      .uart_date_reg = 0x60000000 + 0x7C,  // UART_DATE_REG_ADDR (ESP32C6ROM's)
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt, kForceUseKeyManagerKey,
                 kMacLow, kMacHigh, kMacExt, kMinor, kMajor, kPkgVersion,
                 kRomXtalFreq},
      .bootloader_offset = 0x2000,  // BOOTLOADER_FLASH_OFFSET: the C5's own
      .stub_name = "esp32c5",       // esptool-js 0.7.0 targets/stub_flasher/esp32c5.json
      // FLASH_SIZES: ESP32ROM's. FLASH_FREQUENCY is the C5's own: 80m 0xF
      // (not the C6's 0x0 workaround), 40m 0x0, 20m 0x2; no 26m.
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = {{"80m", 0xF}, {"40m", 0x0}, {"20m", 0x2}},
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // Newer ROM banner form. "ESP-ROM:esp32c5-eco2-20250121" / "Build:Jan
      // 21 2025" is a field log (martin-ger/esp32_nat_router #225, there with
      // rst:0x7 TG0_WDT_HPSYS, boot:0x18 SPI_FAST_FLASH_BOOT); "rst:0x1
      // (POWERON),boot:0x18 (SPI_FAST_FLASH_BOOT)" is a C5 power-on log
      // (espressif/esp-idf #15402, with the eco1 ROM). The download line
      // "boot:0x4 (DOWNLOAD(USB/UART0))" / "waiting for download" and its
      // pairing with the eco2 ROM: UNVERIFIED (docs/espsim.md).
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp32c5-eco2-20250121\r\nBuild:Jan 21 2025\r\nrst:0x1 (POWERON),boot:0x4 "
                              "(DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n",
                  .firmware = "ESP-ROM:esp32c5-eco2-20250121\r\nBuild:Jan 21 2025\r\nrst:0x1 (POWERON),boot:0x18 "
                              "(SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp32c5-eco2-20250121\r\nBuild:Jan 21 2025\r\nrst:0x1 "
                                       "(POWERON),boot:0x18 (SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // An ESP32-C5 v1.0 (ESP32-C5-DevKitC-1 class; espressif/esp-idf #17780
      // logs "Chip rev: v1.0"): package 0, major 1, minor 0; MAC_EXT ff:fe as
      // on the C6. esptool v5.3.1 decodes "ESP32-C5 (revision v1.0)" and the
      // constant feature list. The ROM's expected crystal in
      // PCR_SYSCLK_CONF is 40 MHz whatever crystal is fitted: which value a
      // real ROM leaves there is UNVERIFIED; with it, a 48 MHz part makes
      // esptool print "ROM expects crystal freq: 40 MHz, detected 48 MHz."
      // and scale.
      .sim = {.xtal_hz = 40'000'000,
              // 60:55:f9: the example BASE MAC of read_mac in esptool's
              // esp32c6.py, which the C5 inherits.
              .default_mac = {0x60, 0x55, 0xF9, 0x12, 0x34, 0x56},
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kPkgVersion, 0}, {kMajor, 1}, {kMinor, 0}, {kMacExt, 0xFFFE}, {kRomXtalFreq, 40}},
              // change_baud handles 40 and 48 MHz crystals.
              .crystal_options_mhz = {40, 48}},
      // read_mac("EUI64") / ("MAC_EXT"): inherited from ESP32C6ROM.
      .mac_ext = kMacExt,
      // change_baud (ROM only): prints the line, then scales baud * 40 // 48
      // or baud * 48 // 40 when the detected crystal and the ROM's differ.
      .rom_crystal = RomCrystalAssumption{.assumed_mhz = kRomXtalFreq, .scaled_mhz = {40, 48}, .report = true},
      // --after watchdog_reset: esptool v5.3.1 targets/esp32c5.py watchdog_reset
      // (re-enables ESP32C3ROM's, which the C6 class disables) over the LP_WDT
      // registers of targets/esp32c6.py (DR_REG_LP_WDT_BASE 0x600B1C00).
      .rtc_watchdog = RtcWatchdog{.config0 = 0x600B1C00 + 0x0,
                                  .config1 = 0x600B1C00 + 0x4,
                                  .wprotect = 0x600B1C00 + 0x18},
      // esptool v5.3.1 targets/esp32c5.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      .image = {.chip_id = 23,
                .uf2_family_id = 0xF71C0343,
                .memory_map = {
                    {0x00000000, 0x00010000, "PADDING"},
                    {0x42000000, 0x44000000, "DROM"},
                    {0x40800000, 0x40860000, "DRAM"},
                    {0x40800000, 0x40860000, "BYTE_ACCESSIBLE"},
                    {0x4003A000, 0x40040000, "DROM_MASK"},
                    {0x40000000, 0x4003A000, "IROM_MASK"},
                    {0x42000000, 0x44000000, "IROM"},
                    {0x40800000, 0x40860000, "IRAM"},
                    {0x50000000, 0x50004000, "RTC_IRAM"},
                    {0x50000000, 0x50004000, "RTC_DRAM"},
                    {0x600FE000, 0x60100000, "MEM_INTERNAL2"},
                }},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled,
      // uses_key_manager_for_flash_encryption over the fields above.
      .security = chip_family::later_security_with_key_manager<kSpiBootCryptCnt, kSecureBootEn,
                                                               kDisDownloadManualEncrypt, kForceUseKeyManagerKey>(),
      // USB-Serial/JTAG download path: UARTDEV_BUF_NO 0x4085F514 (esptool
      // v5.2.0 targets/esp32c5.py, commit 81bdb76 "Fix USB mode detection on
      // ESP32-C5 and ESP32-C61"; v4.8.1 to v5.1.0 had 0x4085F51C) = 3
      // (ESP32C6ROM's UARTDEV_BUF_NO_USB_JTAG_SERIAL,
      // inherited); disable_watchdogs (ESP32C3ROM's, v5.3.1) over the C6's
      // LP_WDT registers (inherited): RWDT CONFIG0 0x600B1C00, WPROTECT
      // 0x600B1C18, SWD CONFIG 0x600B1C1C, WPROTECT 0x600B1C20, keys
      // 0x50D83AA1, AUTO_FEED bit 18. No OTG.
      .usb = UsbPaths{.uart_no_regs = {{0, 0x4085F514}},
                      .uart_no_usb_jtag_serial = 3,
                      .usb_jtag_serial = true,
                      .jtag_watchdogs = UsbPaths::JtagWatchdogs{0x600B1C00, 0x600B1C18, 0x50D83AA1, 0x600B1C1C,
                                                               0x600B1C20, 0x50D83AA1, 1u << 18}},
  };
}

}  // namespace espbak
