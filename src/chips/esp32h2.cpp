// ESP32-H2: esptool v5.3.1 esptool/targets/esp32h2.py. ESP32H2ROM derives
// from ESP32C6ROM: what it does not override (eFuse base and BLOCK1 address,
// SPI registers, UART registers, read_mac with MAC_EXT, get_flash_cap's word,
// bootloader offset, FLASH_SIZES) comes from targets/esp32c6.py, then
// esp32c3.py, then esp32.py. eFuse BLOCK1 (system data) at +0x44.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x600B0800;  // EFUSE_BASE (ESP32C6ROM's)
constexpr std::uint32_t block1(int w) { return kEfuse + 0x44 + 4 * std::uint32_t(w); }

// EFUSE_SPI_BOOT_CRYPT_CNT_REG / _MASK and EFUSE_SECURE_BOOT_EN_REG / _MASK,
// inherited from ESP32C6ROM.
constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x34, 18, 3};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x38, 20, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32h2.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 20).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 20, 1};
// read_mac (ESP32C6ROM's): BLOCK1 word 0 and the low 16 bits of word 1 are
// the base MAC; the high 16 bits of word 1 are MAC_EXT.
constexpr RegField kMacLow{"MAC_LOW", block1(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block1(1), 0, 16};
constexpr RegField kMacExt{"MAC_EXT", block1(1), 16, 16};
// The H2's own: get_minor_chip_version word 3 bits 18-20 (3 bits, not the
// C6's 4), get_major_chip_version word 3 bits 21-22, get_pkg_version word 4
// bits 0-2 (where the C6 has its flash cap; the H2 decodes no flash cap).
constexpr RegField kMinor{"WAFER_VERSION_MINOR", block1(3), 18, 3};
constexpr RegField kMajor{"WAFER_VERSION_MAJOR", block1(3), 21, 2};
constexpr RegField kPkgVersion{"PKG_VERSION", block1(4), 0, 3};

std::string describe(const FieldReader& f) {
  std::string name = f(kPkgVersion) == 0 ? "ESP32-H2" : "Unknown ESP32-H2";
  return chip_family::with_revision(name, f(kMajor), f(kMinor));
}

// get_chip_features: a constant list, no eFuse read.
std::vector<std::string> features(const FieldReader&) { return {"BT 5 (LE)", "IEEE802.15.4", "Single Core", "96MHz"}; }

}  // namespace

ChipInfo chip_info_esp32h2() {
  return {
      .id = ChipId::esp32h2,
      .name = "ESP32-H2",
      .cli_name = "esp32h2",
      // USES_MAGIC_VALUE = False (from ESP32C3ROM): v5 detects the H2 by
      // IMAGE_CHIP_ID 16 only; 0xD7B73E80 is esptool v4.7.0 / v4.8.1's
      // CHIP_DETECT_MAGIC_VALUE (historic).
      .magic_values = {0xD7B73E80},
      .security_chip_id = 16,
      .rom_status_len = 4,
      .rom = chip_family::kLaterRomAbilities,
      // FLASH_BEGIN's encrypted word as every ROM after the ESP32's.
      // watchdog_reset: ESPLoader's (classic hard reset) as on the C6, so no
      // rtc_watchdog row: --after watchdog_reset falls back to the hard reset.
      .quirks = chip_family::later_quirks(),
      .rom_baud_calibration = std::nullopt,
      // SPI_REG_BASE 0x60003000 and the offsets: ESP32C6ROM's.
      .spi = chip_family::later_spi_regs(0x60003000),
      // get_crystal_freq: "ESP32H2 XTAL is fixed to 32MHz". UART_CLKDIV_REG
      // from ESP32C3ROM (0x60000014), never read by esptool.
      .crystal = {.fixed_mhz = 32, .uart_clkdiv_reg = 0x60000014, .clk_divider = 1},
      .uart_date_reg = 0x60000000 + 0x7C,  // UART_DATE_REG_ADDR (ESP32C6ROM's)
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt,
                 kMacLow, kMacHigh, kMacExt, kMinor, kMajor, kPkgVersion},
      .bootloader_offset = 0x0,  // BOOTLOADER_FLASH_OFFSET (ESP32C6ROM's)
      .stub_name = "esp32h2",    // esptool-js 0.7.0 targets/stub_flasher/esp32h2.json
      // FLASH_SIZES: ESP32ROM's. FLASH_FREQUENCY is the H2's own (its flash
      // clock derives from 48/32 MHz): 48m 0xF, 24m 0x0, 16m 0x1, 12m 0x2.
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = {{"48m", 0xF}, {"24m", 0x0}, {"16m", 0x1}, {"12m", 0x2}},
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // Newer ROM banner form. "ESP-ROM:esp32h2-eco5-20240613" / "Build:Jun
      // 13 2024" is a field log (espressif/esp-idf #18506, there with rst:0x15
      // USB_UART_HPSYS, boot:0xc SPI_FAST_FLASH_BOOT). "rst:0x1 (POWERON)"
      // with "boot:0x1c (SPI_FAST_FLASH_BOOT)" is from an ESP32-H2-MINI-1 log
      // (espressif/esp-zigbee-sdk #454). The download line "boot:0x4
      // (DOWNLOAD(USB/UART0))" / "waiting for download" and the pairing of the
      // eco5 ROM with these lines: UNVERIFIED (docs/espsim.md).
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp32h2-eco5-20240613\r\nBuild:Jun 13 2024\r\nrst:0x1 (POWERON),boot:0x4 "
                              "(DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n",
                  .firmware = "ESP-ROM:esp32h2-eco5-20240613\r\nBuild:Jun 13 2024\r\nrst:0x1 (POWERON),boot:0xc "
                              "(SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp32h2-eco5-20240613\r\nBuild:Jun 13 2024\r\nrst:0x1 "
                                       "(POWERON),boot:0x1c (SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // An ESP32-H2 (ESP32-H2-MINI-1 / DevKitM-1 class): package 0, major 0,
      // minor 1; MAC_EXT ff:fe as on the C6. esptool v5.3.1 decodes
      // "ESP32-H2 (revision v0.1)" and "BT 5 (LE), IEEE802.15.4, Single Core,
      // 96MHz". Revision v0.1 as a common shipping part: UNVERIFIED.
      .sim = {.xtal_hz = 32'000'000,
              // 60:55:f9: Espressif's OUI, as in esptool's esp32c6.py / esp32c61.py
              // read_mac examples (no H2-specific example in esptool).
              .default_mac = {0x60, 0x55, 0xF9, 0x12, 0x34, 0x56},
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kPkgVersion, 0}, {kMajor, 0}, {kMinor, 1}, {kMacExt, 0xFFFE}}},
      // read_mac("EUI64") / ("MAC_EXT"): inherited from ESP32C6ROM.
      .mac_ext = kMacExt,
      // esptool v5.3.1 targets/esp32h2.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      // MEMORY_MAP inherited from ESP32C6ROM
      .image = {.chip_id = 16,
                .uf2_family_id = 0x332726F6,
                .memory_map = chip_family::esp32c6_memory_map()},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled over the fields above.
      .security = chip_family::later_security<kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt>(),
      // USB-Serial/JTAG download path: UARTDEV_BUF_NO 0x4084FEFC = 3 (esptool
      // v5.0.0 to v5.2.0 targets/esp32h2.py, the last releases with it);
      // disable_watchdogs (ESP32C3ROM's, v5.3.1) over the H2's own LP_WDT
      // offsets at 0x600B1C00: RWDT CONFIG0 +0x0, WPROTECT +0x1C, SWD CONFIG
      // +0x20, WPROTECT +0x24, both keys 0x50D83AA1, AUTO_FEED bit 18. No OTG.
      .usb = UsbPaths{.uart_no_regs = {{0, 0x4084FEFC}},
                      .uart_no_usb_jtag_serial = 3,
                      .usb_jtag_serial = true,
                      .jtag_watchdogs = UsbPaths::JtagWatchdogs{0x600B1C00, 0x600B1C1C, 0x50D83AA1, 0x600B1C20,
                                                               0x600B1C24, 0x50D83AA1, 1u << 18}},
  };
}

}  // namespace espbak
