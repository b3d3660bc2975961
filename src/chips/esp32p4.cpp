// ESP32-P4: esptool v5.3.1 esptool/targets/esp32p4.py (ESP32P4ROM derives
// from ESP32ROM directly: FLASH_SIZES and FLASH_FREQUENCY come from
// targets/esp32.py; get_chip_revision = major * 100 + minor from loader.py).
// eFuse BLOCK1 (system data) at EFUSE_BASE + 0x44. esptool-js 0.7.0
// targets/esp32p4.js agrees on every value below but the features (see
// tests/interop/esptool-js.test.mjs).
//
// Two things depend on the silicon revision:
// - the flasher stub (ESP32P4StubLoader.stub_json_name): revisions below
//   v3.00 take esp32p4-rev1.json, the others esp32p4.json. The two images are
//   linked for different RAM (esp-flasher-stub src/ld/esp32p4-rev1.ld: iram
//   0x4FF10000, dram 0x4FF50000; src/ld/esp32p4.ld: iram 0x4FF50000, dram
//   0x4FF60000), and the wrong one does not run (esp-rs/espflash PR #992:
//   without the rev1 stub "espflash doesn't work with esp32p4 chips on
//   revisions less than 3.0");
// - the flash supply: on v3.1 / v3.2 (ECO6 / ECO7) it is off after reset,
//   and power_on_flash (called from _post_connect, before attach_flash)
//   switches it on with the register sequence below.
//
// Not modelled here (a later task covers these download paths), values kept
// for it: over USB-Serial/JTAG, disable_watchdogs writes LP_WDT
// (DR_REG_LP_WDT_BASE 0x50116000): WPROTECT (+0x18) = 0x50D83AA1,
// CONFIG0 (+0x0) = 0, WPROTECT = 0; SWD_WPROTECT (+0x20) = 0x50D83AA1,
// SWD_CONF (+0x1C) |= 1 << 18 (auto feed), SWD_WPROTECT = 0 (skipped when
// the stub is reused). Over USB-OTG, ESP_RAM_BLOCK and the stub's
// FLASH_WRITE_SIZE become USB_RAM_BLOCK 0x800, and hard_reset is
// watchdog_reset: WPROTECT = 0x50D83AA1, CONFIG1 (+0x4) = 2000, CONFIG0 =
// (1 << 31) | (5 << 28) | (1 << 8) | 2, WPROTECT = 0, then 0.5 s.

#include "espbak/chips/chip.hpp"
#include "esp32_family.hpp"

namespace espbak {

namespace {

constexpr std::uint32_t kEfuse = 0x5012D000;  // EFUSE_BASE
constexpr std::uint32_t block1(int w) { return kEfuse + 0x44 + 4 * std::uint32_t(w); }

// EFUSE_RD_REPEAT_DATA1_REG (EFUSE_BASE + 0x34): SPI_BOOT_CRYPT_CNT_MASK
// 0x7 << 18 and DOWNLOAD_MODE_XPD_ON_MASK 1 << 16; EFUSE_SECURE_BOOT_EN_REG
// (+ 0x38) bit 20. get_flash_crypt_config: None on the P4 (no field).
constexpr RegField kSpiBootCryptCnt{"SPI_BOOT_CRYPT_CNT", kEfuse + 0x34, 18, 3};
constexpr RegField kDownloadModeXpdOn{"DOWNLOAD_MODE_XPD_ON", kEfuse + 0x34, 16, 1};
constexpr RegField kSecureBootEn{"SECURE_BOOT_EN", kEfuse + 0x38, 20, 1};
// Security features (issue 14): esptool v5.3.1 targets/esp32p4.py (the class or one it inherits from):
// EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG (EFUSE_BASE + 0x30) / _ENCRYPT (1 << 20).
constexpr RegField kDisDownloadManualEncrypt{"DIS_DOWNLOAD_MANUAL_ENCRYPT", kEfuse + 0x30, 20, 1};
// EFUSE_FORCE_USE_KEY_MANAGER_KEY_REG (EFUSE_BASE + 0x34) >> _SHIFT (9); width 4 as
// espefuse/efuse_defs/esp32p4.yaml FORCE_USE_KEY_MANAGER_KEY (esptool tests bit 1, XTS-AES).
constexpr RegField kForceUseKeyManagerKey{"FORCE_USE_KEY_MANAGER_KEY", kEfuse + 0x34, 9, 4};
// read_mac: MAC_EFUSE_REG (BLOCK1 word 0) whole and the low 16 bits of the
// next word ("only bottom 16 bits are MAC"); no MAC_EXT.
constexpr RegField kMacLow{"MAC_LOW", block1(0), 0, 32};
constexpr RegField kMacHigh{"MAC_HIGH", block1(1), 0, 16};
// All in BLOCK1 word 2: get_minor_chip_version bits 0-3; get_major_chip_
// version ((word >> 23) & 1) << 2 | (word >> 4) & 3, a 3-bit major split
// over bit 23 and bits 4-5; get_pkg_version bits 20-22.
constexpr RegField kMinor{"WAFER_VERSION_MINOR", block1(2), 0, 4};
constexpr RegField kMajorLo{"WAFER_VERSION_MAJOR_LO", block1(2), 4, 2};
constexpr RegField kMajorHi{"WAFER_VERSION_MAJOR_HI", block1(2), 23, 1};
constexpr RegField kPkgVersion{"PKG_VERSION", block1(2), 20, 3};

std::uint32_t major(const FieldReader& f) { return (f(kMajorHi) << 2) | f(kMajorLo); }

std::optional<std::uint32_t> revision(const FieldReader& f) { return major(f) * 100 + f(kMinor); }

void encode_revision(std::uint32_t maj, std::uint32_t min, FieldWriter& w) {
  w.set(kMajorHi, maj >> 2);
  w.set(kMajorLo, maj & 3);
  w.set(kMinor, min);
}

std::string describe(const FieldReader& f) {
  std::string name = f(kPkgVersion) == 0 ? "ESP32-P4" : "Unknown ESP32-P4";
  return chip_family::with_revision(name, major(f), f(kMinor));
}

// get_chip_features: a constant list, no eFuse read.
std::vector<std::string> features(const FieldReader&) { return {"Dual Core + LP Core", "400MHz"}; }

// power_on_flash's registers ("Flash power-on related registers and bits
// needed for ECO6"): DR_REG_LPAON_BASE 0x50110000, DR_REG_PMU_BASE = LPAON +
// 0x5000, DR_REG_LP_SYS_BASE = LPAON + 0.
constexpr std::uint32_t kLpSysXpdPadGroup = 0x50110000 + 0x10C;   // LP_SYSTEM_REG_ANA_XPD_PAD_GROUP_REG
constexpr std::uint32_t kPmuExtLdo0p1aAna = 0x50115000 + 0x1BC;  // PMU_EXT_LDO_P0_0P1A_ANA_REG
constexpr std::uint32_t kPmuExtLdo0p1a = 0x50115000 + 0x1B8;     // PMU_EXT_LDO_P0_0P1A_REG
constexpr std::uint32_t kPmuDate = 0x50115000 + 0x3FC;           // PMU_DATE_REG
constexpr std::uint32_t kEnCurLim = 1u << 27;                    // PMU_ANA_0P1A_EN_CUR_LIM_0
constexpr std::uint32_t kTarget0 = 0xFFu << 23;                  // PMU_0P1A_TARGET0_0
constexpr std::uint32_t kForceTiehSel = 1u << 7;                 // PMU_0P1A_FORCE_TIEH_SEL_0

// power_on_flash after its revision checks, step by step ("Power up pad
// group", sleep(0.01), "Flash power up sequence", sleep(0.00005), "Update
// eFuse voltage to PMU", sleep(0.0018)). The 0x80 esptool sets is the
// FORCE_TIEH_SEL bit it clears next; kept as esptool writes it.
std::vector<RegOp> full_power_on() {
  using K = RegOp::Kind;
  return {{K::write, kLpSysXpdPadGroup, 1},
          {K::wait_us, 0, 10'000},
          {K::set_bits, kPmuExtLdo0p1aAna, kEnCurLim},
          {K::set_bits, kPmuExtLdo0p1a, kForceTiehSel},
          {K::set_bits, kPmuDate, 3},
          {K::wait_us, 0, 50},
          {K::clear_bits, kPmuExtLdo0p1aAna, kEnCurLim},
          {K::clear_bits, kPmuExtLdo0p1a, kTarget0},
          {K::set_bits, kPmuExtLdo0p1a, 0x80},
          {K::clear_bits, kPmuExtLdo0p1a, kForceTiehSel},
          {K::wait_us, 0, 1'800}};
}

}  // namespace

ChipInfo chip_info_esp32p4() {
  return {
      .id = ChipId::esp32p4,
      .name = "ESP32-P4",
      .cli_name = "esp32p4",
      // USES_MAGIC_VALUE = False: v5 detects the P4 by IMAGE_CHIP_ID 18
      // only. 0x0ADDBAD0 is esptool v4.8.1's CHIP_DETECT_MAGIC_VALUE (with
      // 0x0, left out: an unset register reads 0); historic, espsim's
      // 0x40001000.
      .magic_values = {0x0ADDBAD0},
      .security_chip_id = 18,
      .rom_status_len = 4,
      .rom = chip_family::kLaterRomAbilities,
      // loader.py flash_begin: the fifth "encrypted" word goes to every ROM
      // but the ESP32's and ESP8266's (CHIP_NAME test). change_baud is
      // ESPLoader's (unscaled), not ESP32ROM's calibrated one.
      // The ROM attaches the flash at boot: esptool test/test_esptool.py
      // test_attach_flash is skipped for esp32s2 and esp32p4 ("attaches the
      // flash even without explicit attach").
      .quirks = {.rom_erase_size_bug = false, .extended_image_header = true, .rom_flash_begin_encrypt_word = true,
                 .stub_runs_user_code = false, .rom_attaches_flash_at_boot = true},
      .rom_baud_calibration = std::nullopt,
      // SPI_REG_BASE 0x5008D000 (SPIMEM1), offsets 18/1C/20/24/28/58,
      // SPI_ADDR_REG_MSB False.
      .spi = chip_family::later_spi_regs(0x5008D000),
      // get_crystal_freq: "ESP32P4 XTAL is fixed to 40MHz". UART_CLKDIV_REG is
      // ESP32ROM's 0x3FF40014, never read by esptool on the P4.
      .crystal = {.fixed_mhz = 40, .uart_clkdiv_reg = 0x3FF40014, .clk_divider = 1},
      .uart_date_reg = 0x500CA000 + 0x8C,  // UART_DATE_REG_ADDR
      .efuse_base = kEfuse,
      .fields = {kSpiBootCryptCnt, kDownloadModeXpdOn, kSecureBootEn, kDisDownloadManualEncrypt, kForceUseKeyManagerKey,
                 kMacLow, kMacHigh, kMinor, kMajorLo, kMajorHi,
                 kPkgVersion},
      .bootloader_offset = 0x2000,  // BOOTLOADER_FLASH_OFFSET: "First 2 sectors are reserved for FE purposes"
      // Revisions v3.00 and later (stubs_by_revision picks by revision).
      .stub_name = "esp32p4",
      .flash_sizes = chip_family::esp32_flash_sizes(),
      .flash_freqs = chip_family::esp32_flash_freqs(),
      .describe = describe,
      .features = features,
      .mac = chip_family::mac_words<kMacHigh, kMacLow>,
      .chip_id = chip_family::no_chip_id,
      // Newer ROM banner form, of the v1.x (ECO2) ROM espsim's default part
      // runs. "ESP-ROM:esp32p4-eco2-20240710" / "Build:Jul 10 2024" /
      // "rst:0x1 (POWERON),boot:0x30f (SPI_FAST_FLASH_BOOT)" is a field log
      // of a v1.3 P4 (pioarduino/platform-espressif32 #521). The download
      // pair "rst:0x1 (POWERON),boot:0x307 (DOWNLOAD(USB/UART0/SPI))" /
      // "waiting for download" after that ROM line is a public capture found
      // with find_string "DOWNLOAD(USB/UART0/SPI)" (the index names no
      // repository); esp-rs/espflash #1035 shows the same download form
      // ("boot:0x4 (DOWNLOAD(USB/UART0/SPI))", "waiting for download") from
      // the ECO7 ROM. espsim prints this ECO2 banner whatever
      // --chip-revision says (docs/espsim.md).
      .banners = {.rom_log_baud = 115200,
                  .download = "ESP-ROM:esp32p4-eco2-20240710\r\nBuild:Jul 10 2024\r\nrst:0x1 (POWERON),boot:0x307 "
                              "(DOWNLOAD(USB/UART0/SPI))\r\nwaiting for download\r\n",
                  .firmware = "ESP-ROM:esp32p4-eco2-20240710\r\nBuild:Jul 10 2024\r\nrst:0x1 (POWERON),boot:0x30f "
                              "(SPI_FAST_FLASH_BOOT)\r\n",
                  .firmware_power_on = "ESP-ROM:esp32p4-eco2-20240710\r\nBuild:Jul 10 2024\r\nrst:0x1 "
                                       "(POWERON),boot:0x30f (SPI_FAST_FLASH_BOOT)\r\n",
                  .app_baud = 115200},
      // An ESP32-P4 v1.0, a revision field logs show (Jason2866/ESP_Flasher
      // #71, espressif/esp-idf #15951): package 0, major 1 (bit 23 clear,
      // bits 4-5 = 1), minor 0. esptool v5.3.1 decodes
      // "ESP32-P4 (revision v1.0)", "Dual Core + LP Core, 400MHz" and picks
      // esp32p4-rev1.json. espsim --chip-revision 3.1 makes it an ECO6 part.
      .sim = {.xtal_hz = 40'000'000,
              // 30:ed:a0: the OUI of a P4 v1.0's factory MAC in a field log
              // (Jason2866/ESP_Flasher #71: "MAC Address: 30:ED:A0:E1:68:F2").
              .default_mac = {0x30, 0xED, 0xA0, 0x12, 0x34, 0x56},
              .encode_mac = chip_family::encode_mac_words<kMacHigh, kMacLow>,
              .power_on_fields = {{kPkgVersion, 0}, {kMajorHi, 0}, {kMajorLo, 1}, {kMinor, 0}},
              .encode_revision = encode_revision,
              // The ECO6 / ECO7 flash stays off until the two settings
              // power_on_flash leaves behind hold: the pad group powered
              // (LP_SYS XPD_PAD_GROUP = 1) and PMU_DATE bits 0-1 set
              // (esptool-js 0.7.0 names them PMU_DATE_FLASH_FORCE_ON). Which
              // of the sequence's writes the real supply needs is not in
              // esptool: UNVERIFIED, espsim asks for both. (A v3.2 with
              // DOWNLOAD_MODE_XPD_ON burned, whose ROM powers the flash, is
              // not simulated: espsim burns no such eFuse.)
              .flash_power_gates = {{301, {{kLpSysXpdPadGroup, 1, 1}, {kPmuDate, 3, 3}}},
                                    {302, {{kLpSysXpdPadGroup, 1, 1}, {kPmuDate, 3, 3}}}}},
      .revision = revision,
      // ESP32P4StubLoader.stub_json_name: get_chip_revision() < 300 ->
      // esp32p4-rev1.json, else esp32p4.json (esptool-js 0.7.0
      // getStubJsonPath: the same).
      .stubs_by_revision = {{0, "esp32p4-rev1"}, {300, "esp32p4"}},
      // power_on_flash: only revisions 301 and 302 ("Flash defaults off on
      // ECO6/ECO7 after the 1.8 V -> 3.3 V default change"). On 302 with
      // DOWNLOAD_MODE_XPD_ON programmed the ROM already powers the flash and
      // esptool only writes PMU_DATE_REG = 0 (an ECO7 ROM bug work-around).
      // esptool-js 0.7.0 clears only bits 0-1 there; esptool wins.
      .flash_power_on = {{302, kDownloadModeXpdOn, {{RegOp::Kind::write, kPmuDate, 0}}},
                         {302, std::nullopt, full_power_on()},
                         {301, std::nullopt, full_power_on()}},
      // --after watchdog_reset: esptool v5.3.1 targets/esp32p4.py
      // LP_WDT_CONFIG0/1_REG, LP_WDT_WPROTECT_REG (DR_REG_LP_WDT_BASE 0x50116000)
      // and watchdog_reset.
      .rtc_watchdog = RtcWatchdog{.config0 = 0x50116000 + 0x0,
                                  .config1 = 0x50116000 + 0x4,
                                  .wprotect = 0x50116000 + 0x18},
      // esptool v5.3.1 targets/esp32p4.py IMAGE_CHIP_ID, UF2_FAMILY_ID, MEMORY_MAP.
      .image = {.chip_id = 18,
                .uf2_family_id = 0x3D308E94,
                .memory_map = {
                    {0x00000000, 0x00010000, "PADDING"},
                    {0x40000000, 0x4C000000, "DROM"},
                    {0x4FF00000, 0x4FFA0000, "DRAM"},
                    {0x4FF00000, 0x4FFA0000, "BYTE_ACCESSIBLE"},
                    {0x4FC00000, 0x4FC20000, "DROM_MASK"},
                    {0x4FC00000, 0x4FC20000, "IROM_MASK"},
                    {0x40000000, 0x4C000000, "IROM"},
                    {0x4FF00000, 0x4FFA0000, "IRAM"},
                    {0x50108000, 0x50110000, "RTC_IRAM"},
                    {0x50108000, 0x50110000, "RTC_DRAM"},
                    {0x600FE000, 0x60100000, "MEM_INTERNAL2"},
                }},
      // Security features (issue 14): get_flash_encryption_enabled,
      // get_secure_boot_enabled, get_encrypted_download_disabled,
      // uses_key_manager_for_flash_encryption over the fields above.
      .security = chip_family::later_security_with_key_manager<kSpiBootCryptCnt, kSecureBootEn,
                                                               kDisDownloadManualEncrypt, kForceUseKeyManagerKey>(),
      // USB download paths: UARTDEV_BUF_NO = UartDev .bss (0x4FF3FEB0 below
      // revision v3.00, 0x4FFBFEB0 from it) + 24, 5 over OTG, 6 over
      // USB-Serial/JTAG (esptool v5.1.0 targets/esp32p4.py); OTG port PID =
      // IMAGE_CHIP_ID 18; disable_watchdogs over LP_WDT (0x50116000: CONFIG0
      // +0x0, WPROTECT +0x18, SWD CONFIG +0x1C, WPROTECT +0x20, keys
      // 0x50D83AA1, AUTO_FEED bit 18); hard_reset over OTG is always the
      // watchdog reset, no strap check (v5.3.1).
      .usb = UsbPaths{.uart_no_regs = {{0, 0x4FF3FEB0 + 24}, {300, 0x4FFBFEB0 + 24}},
                      .uart_no_usb_otg = 5,
                      .uart_no_usb_jtag_serial = 6,
                      .otg_pid = 18,
                      .usb_jtag_serial = true,
                      .jtag_watchdogs = UsbPaths::JtagWatchdogs{0x50116000, 0x50116018, 0x50D83AA1, 0x5011601C,
                                                               0x50116020, 0x50D83AA1, 1u << 18}},
  };
}

}  // namespace espbak
