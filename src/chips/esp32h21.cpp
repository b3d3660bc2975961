// ESP32-H21: esptool v5.3.1 esptool/targets/esp32h21.py. ESP32H21ROM
// derives from ESP32H2ROM: what it does not override (get_chip_features'
// form, FLASH_FREQUENCY) comes from targets/esp32h2.py, then esp32c6.py
// (SPI registers, UART registers, read_mac with MAC_EXT, bootloader offset),
// esp32c3.py and esp32.py. eFuse BLOCK1 (system data) at +0x44.
//
// No flasher stub: esptool v5.3.1 disables it for the H21 ("Stub flasher is
// not yet supported on ESP32-H21", cmds.py run_stub, TODO IDF-11509; its
// stub_flasher folders have no esp32h21.json) and esptool-js 0.7.0
// publishes none either (lib/stubFlasher.js: "No stub is published in
// esptool stub_flasher/2 yet"). An empty stub_name says so: espbak works
// on the ROM loader, as esptool does.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x600B4000;  // EFUSE_BASE (the H21's own)
constexpr std::uint32_t block1(int w) { return kEfuse + 0x44 + 4 * std::uint32_t(w); }

// EFUSE_SPI_BOOT_CRYPT_CNT_REG / _MASK (base + 0x34, 7 << 18) and
// EFUSE_SECURE_BOOT_EN_REG / _MASK (base + 0x38, bit 20).
constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x34, 18, 3};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x38, 20, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32h21.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 20).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 20, 1};
// read_mac (ESP32C6ROM's, MAC_EFUSE_REG = BLOCK1 word 0): word 0 and the low
// 16 bits of word 1 are the base MAC; the high 16 bits of word 1 are MAC_EXT.
constexpr RegField kMacLow{"MAC_LOW", block1(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block1(1), 0, 16};
constexpr RegField kMacExt{"MAC_EXT", block1(1), 16, 16};
// All in BLOCK1 word 5: get_minor_chip_version bits 4-7,
// get_major_chip_version bits 8-9, get_pkg_version bits 11-13.
constexpr RegField kMinor{"WAFER_VERSION_MINOR", block1(5), 4, 4};
constexpr RegField kMajor{"WAFER_VERSION_MAJOR", block1(5), 8, 2};
constexpr RegField kPkgVersion{"PKG_VERSION", block1(5), 11, 3};

std::string describe(const FieldReader& f) {
  std::string name = f(kPkgVersion) == 0 ? "ESP32-H21" : "Unknown ESP32-H21";
  return chip_family::with_revision(name, f(kMajor), f(kMinor));
}

// get_chip_features: a constant list, no eFuse read (the H2's text).
std::vector<std::string> features(const FieldReader&) { return {"BT 5 (LE)", "IEEE802.15.4", "Single Core", "96MHz"}; }

}  // namespace

ChipInfo chip_info_esp32h21() {
  return {
      .id = ChipId::esp32h21,
      .name = "ESP32-H21",
      .cli_name = "esp32h21",
      // USES_MAGIC_VALUE = False (from ESP32C3ROM) and no esptool release
      // ever gave the H21 a CHIP_DETECT_MAGIC_VALUE: IMAGE_CHIP_ID 25 only.
      .magic_values = {},
      .security_chip_id = 25,
      .rom_status_len = 4,
      // The ROM loader is all espbak has on this chip; esptool's classes
      // mark nothing of it missing (no NotImplementedInROMError override in
      // esp32h21.py / esp32h2.py / esp32c6.py): READ_FLASH_SLOW, SPI_FLASH_MD5,
      // FLASH_DEFL_*, CHANGE_BAUDRATE stay the ROM commands ESP32ROM /
      // ESPLoader send.
      .rom = chip_family::kLaterRomAbilities,
      // FLASH_BEGIN's encrypted word as every ROM after the ESP32's.
      // watchdog_reset: the H2's (ESPLoader's), so no rtc_watchdog row.
      .quirks = chip_family::later_quirks(),
      .rom_baud_calibration = std::nullopt,
      // SPI_REG_BASE 0x60003000 and the offsets: ESP32C6ROM's.
      .spi = chip_family::later_spi_regs(0x60003000),
      // get_crystal_freq: "ESP32H21 XTAL is fixed to 32MHz". UART_CLKDIV_REG
      // from ESP32C3ROM (0x60000014), never read by esptool.
      .crystal = {.fixed_mhz = 32, .uart_clkdiv_reg = 0x60000014, .clk_divider = 1},
      .uart_date_reg = 0x60000000 + 0x7C,  // UART_DATE_REG_ADDR (ESP32C6ROM's)
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt,
                 kMacLow, kMacHigh, kMacExt, kMinor, kMajor, kPkgVersion},
      .bootloader_offset = 0x0,  // BOOTLOADER_FLASH_OFFSET (ESP32C6ROM's)
      .stub_name = "",           // no stub (see the header)
      // FLASH_SIZES: ESP32ROM's. FLASH_FREQUENCY: ESP32H2ROM's (48m 0xF,
      // 24m 0x0, 16m 0x1, 12m 0x2), not overridden by the H21.
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = {{"48m", 0xF}, {"24m", 0x0}, {"16m", 0x1}, {"12m", 0x2}},
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // UNVERIFIED, every line (docs/espsim.md): no H21 boot log was found
      // in any public source. The form is the newer ROMs' (H2, C6); the ROM
      // line names the chip only, without a build date, rather than invent
      // one; the boot values are the H2's.
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp32h21\r\nrst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0))\r\n"
                              "waiting for download\r\n",
                  .firmware = "ESP-ROM:esp32h21\r\nrst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp32h21\r\nrst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // An ESP32-H21: package 0, major 0, minor 1; MAC_EXT ff:fe as on the
      // C6 and H2. esptool v5.3.1 decodes "ESP32-H21 (revision v0.1)" and
      // "BT 5 (LE), IEEE802.15.4, Single Core, 96MHz". Which revisions ship:
      // UNVERIFIED.
      .sim = {.xtal_hz = 32'000'000,
              // 60:55:f9: Espressif's OUI as in esptool's esp32c6.py /
              // esp32c61.py read_mac examples (no H21 example in esptool).
              .default_mac = {0x60, 0x55, 0xF9, 0x12, 0x34, 0x56},
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kPkgVersion, 0}, {kMajor, 0}, {kMinor, 1}, {kMacExt, 0xFFFE}}},
      // read_mac("EUI64") / ("MAC_EXT"): inherited from ESP32C6ROM via ESP32H2ROM.
      .mac_ext = kMacExt,
      // esptool v5.3.1 targets/esp32h21.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      // MEMORY_MAP inherited from ESP32C6ROM via ESP32H2ROM
      .image = {.chip_id = 25,
                .uf2_family_id = 0xB6DD00AF,
                .memory_map = chip_family::esp32c6_memory_map()},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled over the fields above.
      .security = chip_family::later_security<kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt>(),
      // USB-Serial/JTAG download path ("GPIO pins 26 and 27 are used by
      // USB-Serial/JTAG", v5.3.1 check_spi_connection). UARTDEV_BUF_NO: the
      // H2's 0x4084FEFC = 3, which ESP32H21ROM inherited unchanged in esptool
      // v5.2.0 (whether the H21 ROM keeps it there: UNVERIFIED);
      // disable_watchdogs over the H21's LP_WDT (v5.3.1 esp32h21.py, the H2's
      // offsets): RWDT CONFIG0 0x600B1C00, WPROTECT 0x600B1C1C, SWD CONFIG
      // 0x600B1C20, WPROTECT 0x600B1C24, keys 0x50D83AA1, AUTO_FEED bit 18.
      .usb = UsbPaths{.uart_no_regs = {{0, 0x4084FEFC}},
                      .uart_no_usb_jtag_serial = 3,
                      .usb_jtag_serial = true,
                      .jtag_watchdogs = UsbPaths::JtagWatchdogs{0x600B1C00, 0x600B1C1C, 0x50D83AA1, 0x600B1C20,
                                                               0x600B1C24, 0x50D83AA1, 1u << 18}},
  };
}

}  // namespace espbak
