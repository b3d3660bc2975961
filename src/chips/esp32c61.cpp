// ESP32-C61: esptool v5.3.1 esptool/targets/esp32c61.py. ESP32C61ROM
// derives from ESP32C6ROM: what it does not override (SPI registers,
// get_crystal_freq, BOOTLOADER_FLASH_OFFSET, FLASH_SIZES) comes from
// targets/esp32c6.py, then esp32c3.py, then esp32.py. eFuse BLOCK1 (system
// data) at +0x44.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x600B4800;  // EFUSE_BASE (not the C6's 0x600B0800)
constexpr std::uint32_t block1(int w) { return kEfuse + 0x44 + 4 * std::uint32_t(w); }

// EFUSE_SPI_BOOT_CRYPT_CNT_REG (base + 0x30, mask 7 << 23) and
// EFUSE_SECURE_BOOT_EN_REG (base + 0x34, bit 26): the C61's own positions.
constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x30, 23, 3};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x34, 26, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32c61.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 14).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 14, 1};
// read_mac: MAC_EFUSE_REG (BLOCK1 word 0) whole and the low 16 bits of word
// 1. Unlike the C6, esptool's C61 read_mac knows no MAC_EXT, so espsim
// leaves word 1's high half 0.
constexpr RegField kMacLow{"MAC_LOW", block1(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block1(1), 0, 16};
// All in BLOCK1 word 2: get_minor_chip_version bits 0-3,
// get_major_chip_version bits 4-5, get_pkg_version bits 26-28.
constexpr RegField kMinor{"WAFER_VERSION_MINOR", block1(2), 0, 4};
constexpr RegField kMajor{"WAFER_VERSION_MAJOR", block1(2), 4, 2};
constexpr RegField kPkgVersion{"PKG_VERSION", block1(2), 26, 3};

std::string describe(const FieldReader& f) {
  std::string name = f(kPkgVersion) == 0 ? "ESP32-C61" : "Unknown ESP32-C61";
  return chip_family::with_revision(name, f(kMajor), f(kMinor));
}

// get_chip_features: a constant list, no eFuse read.
std::vector<std::string> features(const FieldReader&) { return {"Wi-Fi 6", "BT 5 (LE)", "Single Core", "160MHz"}; }

}  // namespace

ChipInfo chip_info_esp32c61() {
  return {
      .id = ChipId::esp32c61,
      .name = "ESP32-C61",
      .cli_name = "esp32c61",
      // USES_MAGIC_VALUE = False (from ESP32C3ROM): v5 detects the C61 by
      // IMAGE_CHIP_ID 20 only; 0x33F0206F and 0x2421606F are esptool
      // v4.8.1's CHIP_DETECT_MAGIC_VALUE (historic; esptool-js 0.7.0 still
      // lists them).
      .magic_values = {0x33F0206F, 0x2421606F},
      .security_chip_id = 20,
      .rom_status_len = 4,
      .rom = chip_family::kLaterRomAbilities,
      // FLASH_BEGIN's encrypted word as every ROM after the ESP32's.
      .quirks = chip_family::later_quirks(),
      .rom_baud_calibration = std::nullopt,
      // SPI_REG_BASE 0x60003000 and the offsets: ESP32C6ROM's (esptool-js
      // had 0x60002000 before its PR #253; 0.7.0 inherits the C6's 0x60003000).
      .spi = chip_family::later_spi_regs(0x60003000),
      // get_crystal_freq: ESP32C6ROM's, "fixed to 40MHz". UART_CLKDIV_REG from
      // ESP32C3ROM (0x60000014), never read by esptool.
      .crystal = {.fixed_mhz = 40, .uart_clkdiv_reg = 0x60000014, .clk_divider = 1},
      .uart_date_reg = 0x60000000 + 0x7C,  // UART_DATE_REG_ADDR
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt,
                 kMacLow, kMacHigh, kMinor, kMajor, kPkgVersion},
      // BOOTLOADER_FLASH_OFFSET: ESP32C6ROM's 0x0 (ESP-AT's C61 download.config
      // also puts bootloader.bin at 0x0).
      .bootloader_offset = 0x0,
      .stub_name = "esp32c61",  // esptool-js 0.7.0 targets/stub_flasher/esp32c61.json
      // FLASH_SIZES: ESP32ROM's. FLASH_FREQUENCY is the C61's own: 80m 0xF,
      // 40m 0x0, 20m 0x2 (no 26m, and not the C6's 80m-as-0x0 workaround).
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = {{"80m", 0xF}, {"40m", 0x0}, {"20m", 0x2}},
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // Newer ROM banner form. "ESP-ROM:esp32c61-eco3-20250228" / "Build:Feb
      // 28 2025" and "boot:0xc (SPI_FAST_FLASH_BOOT)" are ESP-AT's C61
      // startup log (espressif/esp-at docs/en/Get_Started/
      // Downloading_guide.rst, there after "rst:0xc (SW_CPU)"). rst:0x1
      // (POWERON) with that boot value, and the whole download line "boot:0x4
      // (DOWNLOAD(USB/UART0))" / "waiting for download": UNVERIFIED
      // (docs/espsim.md; no C61 download-mode log found).
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp32c61-eco3-20250228\r\nBuild:Feb 28 2025\r\nrst:0x1 (POWERON),boot:0x4 "
                              "(DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n",
                  .firmware = "ESP-ROM:esp32c61-eco3-20250228\r\nBuild:Feb 28 2025\r\nrst:0x1 (POWERON),boot:0xc "
                              "(SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp32c61-eco3-20250228\r\nBuild:Feb 28 2025\r\nrst:0x1 "
                                       "(POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // An ESP32-C61 v1.0 (the ESP32-C61-WROOM-1 of the ESP-AT log above,
      // whose bootloader prints "chip revision: v1.0"): package 0, major 1,
      // minor 0. esptool v5.3.1 decodes "ESP32-C61 (revision v1.0)" and
      // "Wi-Fi 6, BT 5 (LE), Single Core, 160MHz".
      .sim = {.xtal_hz = 40'000'000,
              // 60:55:f9: the example BASE MAC in esptool's esp32c61.py read_mac.
              .default_mac = {0x60, 0x55, 0xF9, 0x12, 0x34, 0x56},
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kPkgVersion, 0}, {kMajor, 1}, {kMinor, 0}}},
      // --after watchdog_reset: esptool v5.3.1 targets/esp32c61.py watchdog_reset
      // (ESP32C3ROM's, re-enabled) over the LP_WDT registers of
      // targets/esp32c6.py (DR_REG_LP_WDT_BASE 0x600B1C00).
      .rtc_watchdog = RtcWatchdog{.config0 = 0x600B1C00 + 0x0,
                                  .config1 = 0x600B1C00 + 0x4,
                                  .wprotect = 0x600B1C00 + 0x18},
      // esptool v5.3.1 targets/esp32c61.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      .image = {.chip_id = 20,
                .uf2_family_id = 0x77D850C4,
                .memory_map = {
                    {0x00000000, 0x00010000, "PADDING"},
                    {0x42000000, 0x44000000, "DROM"},
                    {0x40800000, 0x40860000, "DRAM"},
                    {0x40800000, 0x40860000, "BYTE_ACCESSIBLE"},
                    {0x4004AC00, 0x40050000, "DROM_MASK"},
                    {0x40000000, 0x4004AC00, "IROM_MASK"},
                    {0x42000000, 0x44000000, "IROM"},
                    {0x40800000, 0x40860000, "IRAM"},
                    {0x50000000, 0x50004000, "RTC_IRAM"},
                    {0x50000000, 0x50004000, "RTC_DRAM"},
                    {0x600FE000, 0x60100000, "MEM_INTERNAL2"},
                }},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled over the fields above.
      .security = chip_family::later_security<kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt>(),
      // USB-Serial/JTAG download path: UARTDEV_BUF_NO by revision (esptool
      // v5.2.0 targets/esp32c61.py, commit 81bdb76): 0x4084F5EC = 3 up to v0.2
      // (get_chip_revision() <= 2), 0x4084F5E4 = 4 after; disable_watchdogs
      // (ESP32C3ROM's, v5.3.1) over the C6's LP_WDT registers (inherited):
      // RWDT CONFIG0 0x600B1C00, WPROTECT 0x600B1C18, SWD CONFIG 0x600B1C1C,
      // WPROTECT 0x600B1C20, keys 0x50D83AA1, AUTO_FEED bit 18. No OTG.
      .usb = UsbPaths{.uart_no_regs = {{0, 0x4084F5EC}, {3, 0x4084F5E4, 4}},
                      .uart_no_usb_jtag_serial = 3,
                      .usb_jtag_serial = true,
                      .jtag_watchdogs = UsbPaths::JtagWatchdogs{0x600B1C00, 0x600B1C18, 0x50D83AA1, 0x600B1C1C,
                                                               0x600B1C20, 0x50D83AA1, 1u << 18}},
  };
}

}  // namespace espbak
