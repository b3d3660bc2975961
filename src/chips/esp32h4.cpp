// ESP32-H4: esptool v5.3.1 esptool/targets/esp32h4.py. ESP32H4ROM derives
// from ESP32C3ROM (not from the C6 or H2): what it does not override
// (UART_CLKDIV_REG, FLASH_SIZES, USES_MAGIC_VALUE = False, the unscaled
// change_baud it names explicitly) comes from targets/esp32c3.py, then
// esp32.py. It has its own eFuse base (0x600B1800), SPI base, UART base and
// a C6-style read_mac with MAC_EXT. eFuse BLOCK1 (system data) at +0x44.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x600B1800;  // EFUSE_BASE (esp32h4.py line 35)
constexpr std::uint32_t block1(int w) { return kEfuse + 0x44 + 4 * std::uint32_t(w); }

// EFUSE_SPI_BOOT_CRYPT_CNT_REG = base + 0x30, mask 0x7 << 23 (lines 57-58);
// EFUSE_SECURE_BOOT_EN_REG = base + 0x38, mask 1 << 5 (lines 60-61). The
// H4's own positions, not the C3's.
constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x30, 23, 3};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x38, 5, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32h4.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 14).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 14, 1};
// EFUSE_FORCE_USE_KEY_MANAGER_KEY_REG (EFUSE_BASE + 0x38) >> _SHIFT (19); width 5 as
// espefuse/efuse_defs/esp32h4.yaml FORCE_USE_KEY_MANAGER_KEY (esptool tests bit 1, XTS-AES).
constexpr RegField kForceUseKeyManagerKey{"FORCE_USE_KEY_MANAGER_KEY", kEfuse + 0x38, 19, 5};
// read_mac (lines 166-181): BLOCK1 word 0 and the low 16 bits of word 1 are
// the base MAC; the high 16 bits of word 1 are MAC_EXT, the middle of the
// EUI-64 (its example: "EXT_MAC: ff:fe").
constexpr RegField kMacLow{"MAC_LOW", block1(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block1(1), 0, 16};
constexpr RegField kMacExt{"MAC_EXT", block1(1), 16, 16};
// get_minor_chip_version: word 3 bits 18-21; get_major_chip_version: word 3
// bits 22-23; get_pkg_version: word 4 bits 12-14 (lines 136-146).
constexpr RegField kMinor{"WAFER_VERSION_MINOR", block1(3), 18, 4};
constexpr RegField kMajor{"WAFER_VERSION_MAJOR", block1(3), 22, 2};
constexpr RegField kPkgVersion{"PKG_VERSION", block1(4), 12, 3};

std::string describe(const FieldReader& f) {
  // get_chip_description (lines 148-154): package 0 is the only name.
  std::string name = f(kPkgVersion) == 0 ? "ESP32-H4 (QFN40)" : "Unknown ESP32-H4";
  return chip_family::with_revision(name, f(kMajor), f(kMinor));
}

// get_chip_features (line 157): a constant list, no eFuse read.
std::vector<std::string> features(const FieldReader&) { return {"BT 5 (LE)", "IEEE802.15.4", "Dual Core", "96MHz"}; }

}  // namespace

ChipInfo chip_info_esp32h4() {
  return {
      .id = ChipId::esp32h4,
      .name = "ESP32-H4",
      .cli_name = "esp32h4",
      // USES_MAGIC_VALUE = False (from ESP32C3ROM): detected by IMAGE_CHIP_ID
      // 28 only. No esptool release (v4.9.0, where the H4 target appears, to
      // v5.3.1) ever had a CHIP_DETECT_MAGIC_VALUE for it, so none here.
      .magic_values = {},
      .security_chip_id = 28,
      .rom_status_len = 4,
      .rom = chip_family::kLaterRomAbilities,
      // loader.py flash_begin: the fifth "encrypted" word goes to every ROM
      // but the ESP32's and ESP8266's. change_baud (line 163):
      // ESPLoader.change_baud, unscaled. watchdog_reset (line 243): the
      // classic ESPLoader one ("not supported on ESP32-H4"), so no
      // rtc_watchdog row: --after watchdog_reset falls back to the hard reset.
      .quirks = chip_family::later_quirks(),
      .rom_baud_calibration = std::nullopt,
      // SPI_REG_BASE 0x60099000 (line 25) with the C3's offsets (lines 26-31);
      // SPI_ADDR_REG_MSB False from ESP32C3ROM. esptool-js 0.7.0 has the same.
      .spi = chip_family::later_spi_regs(0x60099000),
      // get_crystal_freq (line 159): "ESP32H4 XTAL is fixed to 32MHz".
      // UART_CLKDIV_REG is inherited from ESP32C3ROM (0x60000014), although
      // the H4's UART0 is at 0x60012000 (UART_DATE_REG_ADDR); esptool never
      // reads it with a fixed crystal, so esptool's value stays.
      .crystal = {.fixed_mhz = 32, .uart_clkdiv_reg = 0x60000014, .clk_divider = 1},
      .uart_date_reg = 0x60012000 + 0x7C,  // UART_DATE_REG_ADDR (line 33)
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt, kForceUseKeyManagerKey,
                 kMacLow, kMacHigh, kMacExt, kMinor, kMajor, kPkgVersion},
      .bootloader_offset = 0x2000,  // BOOTLOADER_FLASH_OFFSET (line 23)
      .stub_name = "esp32h4",       // esptool-js 0.7.0 targets/stub_flasher/esp32h4.json
      // FLASH_SIZES: ESP32ROM's. FLASH_FREQUENCY is the H4's own (lines
      // 91-96), the same codes as the H2's: 48m 0xF, 24m 0x0, 16m 0x1, 12m 0x2.
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = {{"48m", 0xF}, {"24m", 0x0}, {"16m", 0x1}, {"12m", 0x2}},
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // UNVERIFIED, every line (docs/espsim.md "Board model"): no H4 ROM boot
      // log was found (no "ESP-ROM:esp32h4" line in the issue, page or code
      // corpora). Least-invented form: the newer ROMs' first line cut to the
      // chip-name prefix every one of them prints ("ESP-ROM:esp32h4", no
      // date, so no "Build:" line either); boot values from esptool's
      // docs/en/advanced-topics/boot-mode-selection.rst bit table (0x04 =
      // GPIO13, 0x08 = GPIO14 on the H4; other bits taken as 0): download =
      // GPIO14 low, GPIO13 high -> 0x4; flash boot = both high -> 0xc; the
      // download text is that page's generic "DOWNLOAD(USB/UART0)".
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp32h4\r\nrst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0))\r\n"
                              "waiting for download\r\n",
                  .firmware = "ESP-ROM:esp32h4\r\nrst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp32h4\r\nrst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // An ESP32-H4 in its only named package: package 0, major 0, minor 1;
      // MAC_EXT ff:fe as in read_mac's example. esptool v5.3.1 decodes
      // "ESP32-H4 (QFN40) (revision v0.1)" and "BT 5 (LE), IEEE802.15.4, Dual
      // Core, 96MHz". Revision v0.1 for a shipping part: UNVERIFIED (chosen so
      // the minor field's bits are exercised).
      .sim = {.xtal_hz = 32'000'000,
              // 60:55:f9: the OUI of read_mac's example "BASE MAC:
              // 60:55:f9:f7:2c:a2" (esp32h4.py line 173).
              .default_mac = {0x60, 0x55, 0xF9, 0x12, 0x34, 0x56},
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kPkgVersion, 0}, {kMajor, 0}, {kMinor, 1}, {kMacExt, 0xFFFE}}},
      // read_mac("EUI64") / ("MAC_EXT"): esp32h4.py's own read_mac.
      .mac_ext = kMacExt,
      // esptool v5.3.1 targets/esp32h4.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      .image = {.chip_id = 28,
                .uf2_family_id = 0x9E0BAA8A,
                .memory_map = {
                    {0x00000000, 0x00010000, "PADDING"},
                    {0x42000000, 0x44000000, "DROM"},
                    {0x40810000, 0x40860000, "DRAM"},
                    {0x40810000, 0x40860000, "BYTE_ACCESSIBLE"},
                    {0x40000000, 0x40050000, "DROM_MASK"},
                    {0x40000000, 0x40050000, "IROM_MASK"},
                    {0x42000000, 0x44000000, "IROM"},
                    {0x40810000, 0x40860000, "IRAM"},
                    {0x50000000, 0x50004000, "RTC_IRAM"},
                    {0x50000000, 0x50004000, "RTC_DRAM"},
                    {0x60000000, 0x60100000, "MEM_INTERNAL2"},
                }},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled,
      // uses_key_manager_for_flash_encryption over the fields above.
      .security = chip_family::later_security_with_key_manager<kSpiBootCryptCnt, kSecureBootEn,
                                                               kDisDownloadManualEncrypt, kForceUseKeyManagerKey>(),
      // USB-Serial/JTAG download path: UARTDEV_BUF_NO 0x4087F580 = 3 (esptool
      // v4.9.0 to v5.2.0 targets/esp32h4.py; the C6's address, as esptool
      // has it); disable_watchdogs (ESP32C3ROM's, v5.3.1) over esp32h4.py's
      // registers: the "RTC WDT" is TIMG0's (0x60090000: CONFIG0 +0x48,
      // WPROTECT +0x64, ESP32C3ROM's key 0x50D83AA1), the SWD LP_WDT's
      // (0x600B5400: CONFIG +0x1C, WPROTECT +0x20, key 0x50D83AA1, AUTO_FEED
      // bit 18). No OTG.
      .usb = UsbPaths{.uart_no_regs = {{0, 0x4087F580}},
                      .uart_no_usb_jtag_serial = 3,
                      .usb_jtag_serial = true,
                      .jtag_watchdogs = UsbPaths::JtagWatchdogs{0x60090048, 0x60090064, 0x50D83AA1, 0x600B541C,
                                                               0x600B5420, 0x50D83AA1, 1u << 18}},
  };
}

}  // namespace espbak
