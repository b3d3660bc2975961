// ESP32-S31: esptool v5.3.1 esptool/targets/esp32s31.py. ESP32S31ROM
// derives from ESP32C5ROM, which derives from ESP32C6ROM, then ESP32C3ROM:
// what it does not override (FLASH_FREQUENCY from esp32c5.py;
// UART_CLKDIV_REG, USES_MAGIC_VALUE = False from esp32c3.py; FLASH_SIZES
// from esp32.py) comes from there. It overrides the C5's change_baud with
// the plain, unscaled ESPLoader one and the C5's crystal detection with a
// constant. eFuse BLOCK1 (system data) at +0x50, not +0x44.
//
// USB-OTG: the S31 ROM also downloads over its USB-OTG port, where esptool
// uses USB_RAM_BLOCK = 0x800 as the block size (line 95; _post_connect and
// the stub loader's __init__). Not modelled here: espsim is a UART chip.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x20715000;  // EFUSE_BASE (esp32s31.py line 27)
constexpr std::uint32_t block1(int w) { return kEfuse + 0x50 + 4 * std::uint32_t(w); }  // EFUSE_BLOCK1_ADDR

// EFUSE_SPI_BOOT_CRYPT_CNT_REG = base + 0x34, mask 0x7 << 21 (lines 64-65);
// EFUSE_SECURE_BOOT_EN_REG = base + 0x3C, mask 1 << 2 (lines 67-68).
constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x34, 21, 3};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x3C, 2, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32s31.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 20).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 20, 1};
// EFUSE_FORCE_USE_KEY_MANAGER_KEY_REG (EFUSE_BASE + 0x34) >> _SHIFT (12); width 5 as
// espefuse/efuse_defs/esp32s31.yaml FORCE_USE_KEY_MANAGER_KEY (esptool tests bit 1, XTS-AES).
constexpr RegField kForceUseKeyManagerKey{"FORCE_USE_KEY_MANAGER_KEY", kEfuse + 0x34, 12, 5};
// read_mac (lines 162-169): BASE_MAC only, from MAC_EFUSE_REG (= BLOCK1)
// word 0 and the low 16 bits of word 1, as on the C3 (no MAC_EXT).
constexpr RegField kMacLow{"MAC_LOW", block1(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block1(1), 0, 16};
// get_pkg_version: word 4 bits 6-7; get_minor_chip_version: word 3 bits
// 18-21; get_major_chip_version: word 3 bits 22-23 (lines 121-131).
constexpr RegField kMinor{"WAFER_VERSION_MINOR", block1(3), 18, 4};
constexpr RegField kMajor{"WAFER_VERSION_MAJOR", block1(3), 22, 2};
constexpr RegField kPkgVersion{"PKG_VERSION", block1(4), 6, 2};

std::string describe(const FieldReader& f) {
  // get_chip_description (lines 133-139): lower-case "unknown", as esptool
  // prints it for any package but 0.
  std::string name = f(kPkgVersion) == 0 ? "ESP32-S31" : "unknown ESP32-S31";
  return chip_family::with_revision(name, f(kMajor), f(kMinor));
}

// get_chip_features (lines 141-148): a constant list, no eFuse read.
std::vector<std::string> features(const FieldReader&) {
  return {"Wi-Fi 6", "BT 5.4 (LE)", "IEEE802.15.4", "Dual Core + LP Core", "300MHz"};
}

}  // namespace

ChipInfo chip_info_esp32s31() {
  return {
      .id = ChipId::esp32s31,
      .name = "ESP32-S31",
      .cli_name = "esp32s31",
      // USES_MAGIC_VALUE = False (from ESP32C3ROM): detected by IMAGE_CHIP_ID
      // 32 only. The S31 never had a CHIP_DETECT_MAGIC_VALUE of its own in
      // esptool (first in v5.3.0), so none here.
      .magic_values = {},
      .security_chip_id = 32,
      .rom_status_len = 4,
      .rom = chip_family::kLaterRomAbilities,
      // loader.py flash_begin: the fifth "encrypted" word as every ROM after
      // the ESP32's. change_baud (line 220): ESPLoader.change_baud, so none of
      // the C5's 40/48 MHz crystal scaling. hard_reset (line 236) uses the
      // watchdog only over USB-OTG: not modelled.
      .quirks = chip_family::later_quirks(),
      .rom_baud_calibration = std::nullopt,
      // SPI_REG_BASE 0x20501000 (line 31) with the C3's offsets (lines 32-37),
      // SPI_ADDR_REG_MSB False (line 39). esptool-js 0.7.0 has the same.
      .spi = chip_family::later_spi_regs(0x20501000),
      // get_crystal_freq (line 150): "ESP32-S31 XTAL is fixed to 40MHz".
      // UART_CLKDIV_REG is not overridden, so esptool's S31 class carries the
      // C3's 0x60000014 (esp32c3.py line 40); esptool-js 0.7.0 has
      // 0x2038A000 + 0x14, beside the S31's UART_DATE_REG. Neither tool reads
      // it with a fixed crystal; esptool's value stays.
      .crystal = {.fixed_mhz = 40, .uart_clkdiv_reg = 0x60000014, .clk_divider = 1},
      .uart_date_reg = 0x2038A000 + 0x8C,  // UART_DATE_REG_ADDR (line 25)
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt, kForceUseKeyManagerKey,
                 kMacLow, kMacHigh, kMinor, kMajor, kPkgVersion},
      .bootloader_offset = 0x2000,  // BOOTLOADER_FLASH_OFFSET (line 23): "first 2 sectors are reserved"
      .stub_name = "esp32s31",      // esptool-js 0.7.0 targets/stub_flasher/esp32s31.json
      // FLASH_SIZES: ESP32ROM's. FLASH_FREQUENCY: ESP32C5ROM's (esp32c5.py
      // lines 63-67): 80m 0xF, 40m 0x0, 20m 0x2 (no 26m).
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = {{"80m", 0xF}, {"40m", 0x0}, {"20m", 0x2}},
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // "ESP-ROM:esp32s31-20251218" / "Build:Dec 18 2025" and "boot:0x7e
      // (SPI_FAST_FLASH_BOOT)" are a real board's log (ESP32-S31-WROOM-3,
      // minichao9901/esp32s31_msc_bootloader README.md section 4.1, there
      // with rst:0x17 CHIP_USB_UART_RESET). UNVERIFIED (docs/espsim.md): rst:0x1
      // with these boot values; the whole download line: no S31 download
      // log was found. Its text is the generic "DOWNLOAD(USB/UART0)" of
      // esptool's docs/en/advanced-topics/boot-mode-selection.rst, its value
      // 0x76 the logged 0x7e with the boot strap bit 0x08 cleared (the same
      // page and fact sheet 7: on the newer chips 0x08 is the boot GPIO).
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp32s31-20251218\r\nBuild:Dec 18 2025\r\nrst:0x1 (POWERON),boot:0x76 "
                              "(DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n",
                  .firmware = "ESP-ROM:esp32s31-20251218\r\nBuild:Dec 18 2025\r\nrst:0x1 (POWERON),boot:0x7e "
                              "(SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp32s31-20251218\r\nBuild:Dec 18 2025\r\nrst:0x1 "
                                       "(POWERON),boot:0x7e (SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // An ESP32-S31 in its only named package: package 0, major 0, minor 0.
      // esptool v5.3.1 decodes "ESP32-S31 (revision v0.0)" and "Wi-Fi 6, BT
      // 5.4 (LE), IEEE802.15.4, Dual Core + LP Core, 300MHz". Revision v0.0
      // for the parts in the field: UNVERIFIED.
      .sim = {.xtal_hz = 40'000'000,
              // 60:55:f9: Espressif's OUI of the read_mac examples in esptool's
              // esp32c6.py / esp32h4.py; esp32s31.py has none: UNVERIFIED for
              // shipped S31s.
              .default_mac = {0x60, 0x55, 0xF9, 0x12, 0x34, 0x56},
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kPkgVersion, 0}, {kMajor, 0}, {kMinor, 0}}},
      // --after watchdog_reset: esptool v5.3.1 targets/esp32s31.py
      // RTC_CNTL_WDTCONFIG0/1_REG, RTC_CNTL_WDTWPROTECT_REG (DR_REG_LP_WDT_BASE
      // 0x20801000); watchdog_reset is ESP32C5ROM's (inherited).
      .rtc_watchdog = RtcWatchdog{.config0 = 0x20801000 + 0x0,
                                  .config1 = 0x20801000 + 0x4,
                                  .wprotect = 0x20801000 + 0x18},
      // esptool v5.3.1 targets/esp32s31.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      .image = {.chip_id = 32,
                .uf2_family_id = 0x3101F7C1,
                .memory_map = {
                    {0x00000000, 0x00010000, "PADDING"},
                    {0x40000000, 0x54000000, "DROM"},
                    {0x2F000000, 0x2F080000, "DRAM"},
                    {0x2F000000, 0x2F080000, "BYTE_ACCESSIBLE"},
                    {0x2F800000, 0x2F850000, "DROM_MASK"},
                    {0x2F800000, 0x2F850000, "IROM_MASK"},
                    {0x40000000, 0x54000000, "IROM"},
                    {0x2F000000, 0x2F080000, "IRAM"},
                    {0x2E000000, 0x2E008000, "RTC_IRAM"},
                    {0x2E000000, 0x2E008000, "RTC_DRAM"},
                }},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled,
      // uses_key_manager_for_flash_encryption over the fields above.
      .security = chip_family::later_security_with_key_manager<kSpiBootCryptCnt, kSecureBootEn,
                                                               kDisDownloadManualEncrypt, kForceUseKeyManagerKey>(),
      // USB download paths (esptool v5.3.1 targets/esp32s31.py): USB-OTG,
      // port PID = IMAGE_CHIP_ID 32 (uses_usb_otg), 0x800-byte RAM and flash
      // blocks (USB_RAM_BLOCK, _post_connect, ESP32S31StubLoader), hard_reset
      // over OTG always the watchdog reset (no strap check, as the P4);
      // USB-Serial/JTAG ("GPIO pins 33 and 34 are used by USB-Serial/JTAG").
      // No UARTDEV_BUF_NO: the S31 arrived in v5.3.0, after esptool dropped
      // it, so over a port without a USB id (socket://, rfc2217://) espbak
      // cannot tell and takes a UART, as esptool does. No disable_watchdogs:
      // esp32s31.py's _post_connect replaces ESP32C3ROM's (v5.2.0: "TODO:
      // Disable watchdogs when USB modes are supported in the stub").
      .usb = UsbPaths{.otg_pid = 32, .usb_jtag_serial = true},
  };
}

}  // namespace espbak
