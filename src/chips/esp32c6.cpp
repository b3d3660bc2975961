// ESP32-C6: esptool v5.3.1 esptool/targets/esp32c6.py (ESP32C6ROM derives
// from ESP32C3ROM, which derives from ESP32ROM: what it does not override
// comes from targets/esp32c3.py, then targets/esp32.py); fact sheet sections
// 4, 7 and 9. eFuse BLOCK1 (system data) at +0x44.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x600B0800;  // EFUSE_BASE
constexpr std::uint32_t block1(int w) { return kEfuse + 0x44 + 4 * std::uint32_t(w); }

// EFUSE_SPI_BOOT_CRYPT_CNT_REG / _MASK and EFUSE_SECURE_BOOT_EN_REG / _MASK.
constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x34, 18, 3};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x38, 20, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32c6.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 20).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 20, 1};
// read_mac: BLOCK1 word 0 whole and the low 16 bits of word 1 are the base
// MAC; the high 16 bits of word 1 are MAC_EXT, the middle of the EUI-64.
constexpr RegField kMacLow{"MAC_LOW", block1(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block1(1), 0, 16};
constexpr RegField kMacExt{"MAC_EXT", block1(1), 16, 16};
// All in BLOCK1 word 3 (unlike the C3): get_minor_chip_version bits 18-21,
// get_major_chip_version bits 22-23, get_pkg_version bits 24-26; and
// get_flash_cap in word 4 bits 0-2.
constexpr RegField kMinor{"WAFER_VERSION_MINOR", block1(3), 18, 4};
constexpr RegField kMajor{"WAFER_VERSION_MAJOR", block1(3), 22, 2};
constexpr RegField kPkgVersion{"PKG_VERSION", block1(3), 24, 3};
constexpr RegField kFlashCap{"FLASH_CAP", block1(4), 0, 3};

std::string describe(const FieldReader& f) {
  std::string name = "Unknown ESP32-C6";
  if (f(kPkgVersion) == 0) {
    name = "ESP32-C6 (QFN40)";
  } else if (f(kPkgVersion) == 1) {
    // Both the C6FH4 and the C6FH8 are package 1: the flash cap tells them apart.
    if (f(kFlashCap) == 1) name = "ESP32-C6FH4 (QFN32)";
    else if (f(kFlashCap) == 2) name = "ESP32-C6FH8 (QFN32)";
  }
  return chip_family::with_revision(name, f(kMajor), f(kMinor));
}

std::vector<std::string> features(const FieldReader& f) {
  // get_chip_features always appends the flash entry: a flash cap of 0 (no
  // in-package flash) is not in esptool's table, so esptool v5.3.1 prints
  // "Unknown Embedded Flash" for it. Reproduced as esptool prints it.
  const char* flash = f(kFlashCap) == 1 ? "Embedded Flash 4MB" : f(kFlashCap) == 2 ? "Embedded Flash 8MB"
                                                                                  : "Unknown Embedded Flash";
  return {"Wi-Fi 6", "BT 5 (LE)", "IEEE802.15.4", "Single Core + LP Core", "160MHz", flash};
}

}  // namespace

ChipInfo chip_info_esp32c6() {
  return {
      .id = ChipId::esp32c6,
      .name = "ESP32-C6",
      .cli_name = "esp32c6",
      // USES_MAGIC_VALUE = False (inherited from ESP32C3ROM): v5 detects the
      // C6 by IMAGE_CHIP_ID 13 only; 0x2CE0806F is esptool v4.7.0's
      // CHIP_DETECT_MAGIC_VALUE (fact sheet 4.1, "historic").
      .magic_values = {0x2CE0806F},
      .security_chip_id = 13,
      .rom_status_len = 4,  // every ROM after the ESP8266's (fact sheet 1.4)
      .rom = chip_family::kLaterRomAbilities,
      // loader.py flash_begin: the fifth "encrypted" word goes to every ROM
      // but the ESP32's and ESP8266's. change_baud: ESP32C3ROM's, unscaled.
      .quirks = chip_family::later_quirks(),
      .rom_baud_calibration = std::nullopt,
      // SPI_REG_BASE 0x60003000 (esptool; esptool-js had 0x60002000 before its
      // PR #253, 0.7.0 has 0x60003000). Offsets as on the C3.
      .spi = chip_family::later_spi_regs(0x60003000),
      // get_crystal_freq: "ESP32C6 XTAL is fixed to 40MHz". UART_CLKDIV_REG is
      // inherited from ESP32C3ROM (0x60000014) and never read by esptool.
      .crystal = {.fixed_mhz = 40, .uart_clkdiv_reg = 0x60000014, .clk_divider = 1},
      .uart_date_reg = 0x60000000 + 0x7C,  // UART_DATE_REG_ADDR
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt,
                 kMacLow, kMacHigh, kMacExt, kMinor, kMajor, kPkgVersion, kFlashCap},
      .bootloader_offset = 0x0,  // BOOTLOADER_FLASH_OFFSET
      .stub_name = "esp32c6",    // esptool-js 0.7.0 targets/stub_flasher/esp32c6.json
      // FLASH_SIZES: ESP32ROM's. FLASH_FREQUENCY is the C6's own: 80m is
      // coded 0x0 like 40m ("workaround for wrong mspi HS div value in ROM"),
      // and there is no 26m.
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = {{"80m", 0x0}, {"40m", 0x0}, {"20m", 0x2}},
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // Newer ROM banner form (fact sheet 7). The first two lines and
      // "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)" are a field log
      // (adafruit/circuitpython #10994); "boot:0x4 (DOWNLOAD(USB/UART0/
      // SDIO_FEI_FEO))" / "waiting for download" is from esp-rs/espflash #556
      // via the fact sheet (there with rst:0x15 USB_UART_HPSYS). rst:0x1 with
      // boot:0x4: UNVERIFIED (docs/espsim.md).
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp32c6-20220919\r\nBuild:Sep 19 2022\r\nrst:0x1 (POWERON),boot:0x4 "
                              "(DOWNLOAD(USB/UART0/SDIO_FEI_FEO))\r\nwaiting for download\r\n",
                  .firmware = "ESP-ROM:esp32c6-20220919\r\nBuild:Sep 19 2022\r\nrst:0x1 (POWERON),boot:0x8 "
                              "(SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp32c6-20220919\r\nBuild:Sep 19 2022\r\nrst:0x1 (POWERON),boot:0x8 "
                                       "(SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // An ESP32-C6FH4 (ESP32-C6-MINI-1 / XIAO ESP32-C6 class): package 1,
      // flash cap 1 (4 MB in package), major 0, minor 2; MAC_EXT ff:fe as
      // real chips report it. esptool v5.3.1 decodes "ESP32-C6FH4 (QFN32)
      // (revision v0.2)" and "Wi-Fi 6, BT 5 (LE), IEEE802.15.4, Single Core +
      // LP Core, 160MHz, Embedded Flash 4MB", the lines esptool v5.2.0 field
      // logs show for that part.
      .sim = {.xtal_hz = 40'000'000,
              // 60:55:f9: the example BASE MAC in esptool's esp32c6.py read_mac.
              .default_mac = {0x60, 0x55, 0xF9, 0x12, 0x34, 0x56},
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kPkgVersion, 1}, {kFlashCap, 1}, {kMajor, 0}, {kMinor, 2}, {kMacExt, 0xFFFE}}},
      // read_mac("EUI64") / ("MAC_EXT"): inherited from ESP32C6ROM.
      .mac_ext = kMacExt,
      // esptool v5.3.1 targets/esp32c6.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      .image = {.chip_id = 13,
                .uf2_family_id = 0x540DDF62,
                .memory_map = chip_family::esp32c6_memory_map()},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled over the fields above.
      .security = chip_family::later_security<kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt>(),
      // USB-Serial/JTAG download path: UARTDEV_BUF_NO 0x4087F580 = 3
      // (esptool v4.8.1 targets/esp32c6.py); disable_watchdogs (inherited
      // from ESP32C3ROM, v5.3.1) over the LP_WDT registers at 0x600B1C00:
      // RWDT CONFIG0 +0x0, WPROTECT +0x18, SWD CONFIG +0x1C, WPROTECT +0x20,
      // both keys 0x50D83AA1, AUTO_FEED bit 18. No USB-OTG.
      .usb = UsbPaths{.uart_no_regs = {{0, 0x4087F580}},
                      .uart_no_usb_jtag_serial = 3,
                      .usb_jtag_serial = true,
                      .jtag_watchdogs = UsbPaths::JtagWatchdogs{0x600B1C00, 0x600B1C18, 0x50D83AA1, 0x600B1C1C,
                                                               0x600B1C20, 0x50D83AA1, 1u << 18}},
  };
}

}  // namespace espbak
