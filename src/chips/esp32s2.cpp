// ESP32-S2: esptool v5.3.1 esptool/targets/esp32s2.py (ESP32S2ROM derives
// from ESP32ROM: what it does not override, FLASH_SIZES, FLASH_FREQUENCY,
// BOOTLOADER_FLASH_OFFSET, UART_DATE_REG_ADDR, comes from targets/esp32.py);
// loader.py get_security_info for its 12-byte GET_SECURITY_INFO; fact sheet
// sections 2.1, 4 and 9. eFuse BLOCK1 (system data) at +0x44, BLOCK2 at +0x5C.
//
// Not modelled here: the S2's ROM USB-OTG download path (USB_RAM_BLOCK =
// 0x800, the largest MEM_DATA / FLASH_DATA block over USB-OTG, esp32s2.py
// _post_connect and ESP32S2StubLoader), which another change covers.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x3F41A000;  // EFUSE_BASE
constexpr std::uint32_t block1(int w) { return kEfuse + 0x44 + 4 * std::uint32_t(w); }  // EFUSE_BLOCK1_ADDR
constexpr std::uint32_t block2(int w) { return kEfuse + 0x5C + 4 * std::uint32_t(w); }  // EFUSE_BLOCK2_ADDR

// EFUSE_SPI_BOOT_CRYPT_CNT_REG / _MASK and EFUSE_SECURE_BOOT_EN_REG / _MASK.
constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x34, 18, 3};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x38, 20, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32s2.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 19).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 19, 1};
// read_mac: MAC_EFUSE_REG 0x3F41A044 (BLOCK1 word 0) whole, then the low 16
// bits of the next word.
constexpr RegField kMacLow{"MAC_LOW", block1(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block1(1), 0, 16};
// get_major_chip_version: word 3 bits 18-19. get_minor_chip_version: word 3
// bit 20 as bit 3, word 4 bits 4-6 as bits 0-2. get_flash_version (the
// flash cap): word 3 bits 21-24; get_psram_version: word 3 bits 28-31.
// get_pkg_version: word 4 bits 0-3 (esptool names no part by it).
// get_block2_version: BLOCK2 word 4 bits 4-6.
constexpr RegField kMajor{"WAFER_VERSION_MAJOR", block1(3), 18, 2};
constexpr RegField kMinorHigh{"WAFER_VERSION_MINOR_HI", block1(3), 20, 1};
constexpr RegField kFlashCap{"FLASH_VERSION", block1(3), 21, 4};
constexpr RegField kPsramCap{"PSRAM_VERSION", block1(3), 28, 4};
constexpr RegField kPkgVersion{"PKG_VERSION", block1(4), 0, 4};
constexpr RegField kMinorLow{"WAFER_VERSION_MINOR_LO", block1(4), 4, 3};
constexpr RegField kBlk2Version{"BLK_VERSION_MINOR", block2(4), 4, 3};

std::string describe(const FieldReader& f) {
  // get_chip_description: the name is keyed by flash cap + 100 * PSRAM cap.
  std::string name = "Unknown ESP32-S2";
  switch (f(kFlashCap) + 100 * f(kPsramCap)) {
    case 0: name = "ESP32-S2"; break;
    case 1: name = "ESP32-S2FH2"; break;
    case 2: name = "ESP32-S2FH4"; break;
    case 102: name = "ESP32-S2FNR2"; break;
    case 100: name = "ESP32-S2R2"; break;
    default: break;
  }
  return chip_family::with_revision(name, f(kMajor), (f(kMinorHigh) << 3) | f(kMinorLow));
}

std::vector<std::string> features(const FieldReader& f) {
  // get_chip_features: three constants, then flash, PSRAM and BLOCK2
  // calibration, each from its table or its "Unknown" text.
  std::vector<std::string> out{"Wi-Fi", "Single Core", "240MHz"};
  const std::uint32_t flash = f(kFlashCap), psram = f(kPsramCap), blk2 = f(kBlk2Version);
  out.push_back(flash == 0   ? "No Embedded Flash"
                : flash == 1 ? "Embedded Flash 2MB"
                : flash == 2 ? "Embedded Flash 4MB"
                             : "Unknown Embedded Flash");
  out.push_back(psram == 0   ? "No Embedded PSRAM"
                : psram == 1 ? "Embedded PSRAM 2MB"
                : psram == 2 ? "Embedded PSRAM 4MB"
                             : "Unknown Embedded PSRAM");
  out.push_back(blk2 == 0   ? "No calibration in BLK2 of efuse"
                : blk2 == 1 ? "ADC and temperature sensor calibration in BLK2 of eFuse V1"
                : blk2 == 2 ? "ADC and temperature sensor calibration in BLK2 of eFuse V2"
                            : "Unknown calibration in BLK2");
  return out;
}

}  // namespace

ChipInfo chip_info_esp32s2() {
  return {
      .id = ChipId::esp32s2,
      .name = "ESP32-S2",
      .cli_name = "esp32s2",
      // MAGIC_VALUE 0x000007C6 with USES_MAGIC_VALUE (ESP32ROM's True): the
      // S2 is found by the magic register, because its GET_SECURITY_INFO
      // reply has no chip id (IMAGE_CHIP_ID 2 only marks images).
      .magic_values = {0x000007C6},
      .security_chip_id = std::nullopt,  // and espsim answers the 12-byte form
      .rom_status_len = 4,
      // The S2 ROM is the first with GET_SECURITY_INFO (loader.py: "fall back
      // to 12 bytes (ESP32-S2)"); the rest as the ESP32 ROM's.
      .rom = chip_family::kLaterRomAbilities,
      // FLASH_BEGIN's fifth "encrypted" word: every ROM but the ESP8266's and
      // ESP32's (loader.py flash_begin, SUPPORTS_ENCRYPTED_FLASH).
      // change_baud: ESPLoader's, unscaled (the ESP32's calibration is not
      // inherited: ESP32S2ROM.change_baud calls ESPLoader.change_baud).
      // The ROM attaches the flash at boot: esptool test/test_esptool.py
      // test_attach_flash is skipped for esp32s2 and esp32p4 ("attaches the
      // flash even without explicit attach").
      .quirks = {.rom_erase_size_bug = false, .extended_image_header = true, .rom_flash_begin_encrypt_word = true,
                 .stub_runs_user_code = false, .rom_attaches_flash_at_boot = true},
      .rom_baud_calibration = std::nullopt,
      // SPI_REG_BASE 0x3F402000, offsets 18/1C/20/24/28/58, SPI_ADDR_REG_MSB False.
      .spi = chip_family::later_spi_regs(0x3F402000),
      // get_crystal_freq: "ESP32-S2 XTAL is fixed to 40MHz". UART_CLKDIV_REG
      // 0x3F400014, never read by esptool for the S2.
      .crystal = {.fixed_mhz = 40, .uart_clkdiv_reg = 0x3F400014, .clk_divider = 1},
      .uart_date_reg = 0x60000078,  // UART_DATE_REG_ADDR, ESPLoader's (loader.py; esptool-js 0.7.0 agrees)
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt,
                 kMacLow, kMacHigh, kMajor, kMinorHigh, kFlashCap, kPsramCap,
                 kPkgVersion, kMinorLow, kBlk2Version},
      .bootloader_offset = 0x1000,  // BOOTLOADER_FLASH_OFFSET, ESP32ROM's
      .stub_name = "esp32s2",       // esptool-js 0.7.0 targets/stub_flasher/esp32s2.json
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = chip_family::esp32_flash_freqs(),
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // Newer ROM banner form, field log of an ESP32-S2-SOLO reset with GPIO0
      // low and then without (http://esp32.io/viewtopic.php?p=86134):
      // "ESP-ROM:esp32s2-rc4-20191025" / "Build:Oct 25 2019" / "rst:0x1
      // (POWERON),boot:0x0 (DOWNLOAD(USB/UART0/1/SPI))" / "waiting for
      // download", and "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)" (the
      // same firmware line in espressif/esp-at docs/en/Get_Started/
      // Downloading_guide.rst, S2 startup log). That an EN reset also prints
      // rst:0x1 on the S2: as the log shows for a reset by hand.
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp32s2-rc4-20191025\r\nBuild:Oct 25 2019\r\nrst:0x1 (POWERON),boot:0x0 "
                              "(DOWNLOAD(USB/UART0/1/SPI))\r\nwaiting for download\r\n",
                  .firmware = "ESP-ROM:esp32s2-rc4-20191025\r\nBuild:Oct 25 2019\r\nrst:0x1 (POWERON),boot:0x8 "
                              "(SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp32s2-rc4-20191025\r\nBuild:Oct 25 2019\r\nrst:0x1 "
                                       "(POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // An ESP32-S2FNR2 v1.0 (LOLIN S2 mini class): flash cap 2, PSRAM cap 1,
      // major 1, minor 0, BLOCK2 calibration V2. esptool v5.3.1 decodes
      // "ESP32-S2FNR2 (revision v1.0)" and "Wi-Fi, Single Core, 240MHz,
      // Embedded Flash 4MB, Embedded PSRAM 2MB, ADC and temperature sensor
      // calibration in BLK2 of eFuse V2"; esptool-js prints the same part and
      // revision for such a board (espressif/esptool-js #135).
      .sim = {.xtal_hz = 40'000'000,
              // 80:65:99: the OUI of that S2FNR2 (espressif/esptool-js #135).
              .default_mac = {0x80, 0x65, 0x99, 0x12, 0x34, 0x56},
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kFlashCap, 2}, {kPsramCap, 1}, {kMajor, 1}, {kMinorHigh, 0}, {kMinorLow, 0},
                                  {kBlk2Version, 2}}},
      // --after watchdog_reset: esptool v5.3.1 targets/esp32s2.py
      // RTC_CNTL_WDTCONFIG0/1_REG, RTC_CNTL_WDTWPROTECT_REG (RTCCNTL_BASE_REG
      // 0x3F408000) and watchdog_reset.
      .rtc_watchdog = RtcWatchdog{.config0 = 0x3F408000 + 0x94,
                                  .config1 = 0x3F408000 + 0x98,
                                  .wprotect = 0x3F408000 + 0xAC},
      // esptool v5.3.1 targets/esp32s2.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      .image = {.chip_id = 2,
                .uf2_family_id = 0xBFDD4EEE,
                .memory_map = {
                    {0x00000000, 0x00010000, "PADDING"},
                    {0x3F000000, 0x3FF80000, "DROM"},
                    {0x3F500000, 0x3FF80000, "EXTRAM_DATA"},
                    {0x3FF9E000, 0x3FFA0000, "RTC_DRAM"},
                    {0x3FF9E000, 0x40000000, "BYTE_ACCESSIBLE"},
                    {0x3FF9E000, 0x40072000, "MEM_INTERNAL"},
                    {0x3FFB0000, 0x40000000, "DRAM"},
                    {0x40000000, 0x4001A100, "IROM_MASK"},
                    {0x40020000, 0x40070000, "IRAM"},
                    {0x40070000, 0x40072000, "RTC_IRAM"},
                    {0x40080000, 0x40800000, "IROM"},
                    {0x50000000, 0x50002000, "RTC_DATA"},
                }},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled over the fields above.
      .security = chip_family::later_security<kSpiBootCryptCnt, kSecureBootEn, kDisDownloadManualEncrypt>(),
      // USB-OTG download path: UARTDEV_BUF_NO 0x3FFFFD14 = 2 over OTG
      // (esptool v4.8.1 targets/esp32s2.py); port PID = IMAGE_CHIP_ID 2
      // (v5.3.1 uses_usb_otg); hard_reset's strap check: GPIO_STRAP_REG
      // 0x3F404038 bit 3, RTC_CNTL_OPTION1_REG 0x3F408128 bit 0 (v5.3.1).
      .usb = UsbPaths{.uart_no_regs = {{0, 0x3FFFFD14}},
                      .uart_no_usb_otg = 2,
                      .otg_pid = 2,
                      .otg_strap_check = UsbPaths::OtgStrapCheck{0x3F404038, 1u << 3, 0x3F408128, 0x1}},
  };
}

}  // namespace espbak
