#pragma once
// Chip facts as data: one ChipInfo per chip, built by src/chips/<chip>.cpp,
// for espbak (detection, registers, decoders, quirks) and espsim (the
// register image, boot banners, default MAC) alike. Code outside src/chips
// asks the row, never which chip it is. Sources: ../shared/docs/
// protocol-facts.md sections 2, 4, 7, 9 and esptool v5.3.1 targets/*.py,
// cited in each chip file.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "espbak/chips/chip_list.hpp"
#include "espbak/chips/fields.hpp"

namespace espbak {

enum class ChipId {
#define ESPBAK_CHIP_ENUM(name) name,
  ESPBAK_FOR_EACH_CHIP(ESPBAK_CHIP_ENUM)
#undef ESPBAK_CHIP_ENUM
};

// Registers of the SPI controller used to run a raw flash command (RDID) the
// way esptool does (loader.py run_spiflash_command).
struct SpiRegs {
  std::uint32_t base;
  std::uint32_t usr, usr1, usr2;    // offsets from base
  std::uint32_t mosi_dlen;          // 0: the chip packs bit lengths into USR1
  std::uint32_t miso_dlen;
  std::uint32_t w0;
  bool addr_msb_aligned;
  std::uint32_t cmd() const { return base; }
  std::uint32_t addr() const { return base + 4; }
};
constexpr std::uint32_t kSpiCmdUsr = 1u << 18;  // CMD register: start user command

// What the chip's ROM loader implements (the stub implements all of these).
struct RomAbilities {
  bool spi_attach;
  bool spi_set_params;
  bool read_flash_slow;
  bool flash_md5;
  bool change_baud;
  bool deflate;
  bool security_info;
};

struct FlashCode {
  std::string_view name;  // "4MB", "40m", "dio"
  std::uint8_t code;
};

// How the host learns the crystal frequency (esptool get_crystal_freq).
struct Crystal {
  // Chips whose esptool class returns a constant (ESP32-S3: 40).
  std::optional<std::uint32_t> fixed_mhz;
  // Otherwise estimated as baud * (CLKDIV & 0xFFFFF) / 1e6 / divider.
  std::uint32_t uart_clkdiv_reg;
  std::uint32_t clk_divider;  // ESP8266: 2 (the UART runs at twice the crystal)
};

// ESP32: the ROM clocks its UART from the drifting 8 MHz oscillator, so
// CHANGE_BAUDRATE to the ROM is scaled by the ROM's own crystal estimate
// (esptool targets/esp32.py get_rom_cal_crystal_freq / change_baud).
struct RomBaudCalibration {
  RegField rtc_cali_value;  // TIMERS_RTC_CALI_VALUE
  RegField ck8m_freq;       // EFUSE_RD_CK8M_FREQ
};

// A ROM that computes its UART divider from the crystal it assumes, not the
// one fitted: CHANGE_BAUDRATE(b) to that ROM runs its UART at b * fitted /
// assumed. esptool sends b * assumed / fitted instead (ROM only; the stub
// knows the real crystal): targets/esp32c2.py change_baud (assumes 40, a
// 26 MHz part is scaled) and targets/esp32c5.py change_baud (the ROM's
// expectation read from PCR_SYSCLK_CONF, 40 and 48 scaled both ways). The
// boot log runs at the same wrong rate (a 26 MHz ESP32-C2 logs at 74880).
// espsim's ROM sets its divider from this too.
struct RomCrystalAssumption {
  // What the ROM assumes, in MHz: a constant, or a field the ROM leaves it in.
  std::variant<std::uint32_t, RegField> assumed_mhz;
  // The crystals esptool scales between; a pair outside them goes unscaled
  // (esptool's C5 scales only 40 <-> 48, its C2 only a detected 26).
  std::vector<std::uint32_t> scaled_mhz;
  // esptool prints "ROM expects crystal freq: X MHz, detected Y MHz." (C5).
  bool report = false;

  std::uint32_t assumed(const FieldReader& f) const {
    if (const auto* mhz = std::get_if<std::uint32_t>(&assumed_mhz)) return *mhz;
    return f(std::get<RegField>(assumed_mhz));
  }
  // The rate to put in CHANGE_BAUDRATE so the ROM's UART lands on `baud`.
  std::uint32_t rom_baud_for(std::uint32_t baud, std::uint32_t assumed_crystal, std::uint32_t fitted) const {
    auto listed = [&](std::uint32_t mhz) {
      for (auto m : scaled_mhz)
        if (m == mhz) return true;
      return false;
    };
    if (assumed_crystal == fitted || !listed(assumed_crystal) || !listed(fitted)) return baud;
    return std::uint32_t(std::uint64_t(baud) * assumed_crystal / fitted);  // esptool: baud * 40 // 26
  }
};

// An area firmware without a partition table keeps at a fixed distance
// from the end of the flash (the ESP8266 SDKs' RF calibration, PHY init
// data, system parameters), for naming what differs between two backups.
struct EndOfFlashArea {
  std::uint32_t from_end;        // the area starts this many bytes before the end of the flash
  std::uint32_t size;
  std::string_view name;         // "system_param"
  std::string_view description;  // what is kept there, and by which SDK
  // The firmware rewrites it by itself (Wi-Fi settings, calibration), so a
  // difference there says nothing about the firmware having changed.
  bool rewritten_by_firmware;
};

// What firmware for the chip keeps where, for naming the contents of a
// backup (issue 15).
struct BackupFacts {
  // Appended to a "no partition table" error (empty: nothing to add).
  std::string_view no_partition_table_note = {};
  // Used when a backup has no partition table; the flash size is the one
  // the firmware was built for (the image header's), as the SDKs use it.
  std::vector<EndOfFlashArea> end_of_flash_areas = {};
};

// Behaviours that differ between chips, each named for what it changes.
struct ChipQuirks {
  // The ROM's SPIEraseArea erases the wrong amount; FLASH_BEGIN's erase size
  // is corrected (esptool targets/esp8266.py get_erase_size, esptool #33).
  bool rom_erase_size_bug = false;
  // Application images carry the 16-byte extended header after the 8-byte
  // one (esptool bin_image.py: every chip but the ESP8266).
  bool extended_image_header = true;
  // The ROM's FLASH_BEGIN / FLASH_DEFL_BEGIN take a fifth "encrypted" word
  // (esptool SUPPORTS_ENCRYPTED_FLASH; not ESP8266 / ESP32).
  bool rom_flash_begin_encrypt_word = true;
  // The flasher stub's RUN_USER_CODE starts the application, which is what
  // --after soft_reset does with the stub (esptool: ESP8266 only).
  bool stub_runs_user_code = false;
  // The ROM's reply value is a register it only sets for SYNC and READ_REG:
  // every other reply carries whatever it held (e.g. the last READ_REG
  // result), and an "unsupported" reply repeats the opcode and value of the
  // reply before it. Observed on the ESP32 ROM (revision 3) in Espressif's
  // QEMU (issue 13); assumed for the later chips' ROMs, which share its
  // loader (UNVERIFIED, docs/espsim.md). espsim models it; espbak must never
  // read a value other than READ_REG's.
  bool rom_reply_value_is_stale = true;
  // The ROM attaches the SPI flash when it boots into download mode, so a
  // raw SPI command (RDID) reaches the flash before any SPI_ATTACH. esptool
  // v5.3.1 test/test_esptool.py test_attach_flash skips exactly the
  // ESP32-S2 and ESP32-P4 ("attaches the flash even without explicit
  // attach"); on every other chip RDID before the attach finds no device.
  bool rom_attaches_flash_at_boot = false;
  // The ROM's FLASH_BEGIN attaches the flash (the ESP8266 ROM, which has no
  // SPI_ATTACH: esptool targets/esp8266.py flash_spi_attach sends
  // FLASH_BEGIN(0, 0) instead).
  bool rom_flash_begin_attaches_flash = false;
};

// Text the ROM prints on the console after a reset (fact sheet 7).
struct BootBanners {
  std::uint32_t rom_log_baud;          // the ROM prints its boot log at this rate
  std::string_view download;           // reset with the boot strap (GPIO0) low
  std::string_view firmware;           // any other reset (EN)
  std::string_view firmware_power_on;  // power-on
  std::uint32_t app_baud;              // the application's console rate
  // A normal boot whose bootloader region holds no image (first byte not
  // 0xE9): the ROM prints this line, with the first word it read, over and
  // over (ESP32-family ROM logs, docs/espsim.md "Boot from flash"); empty:
  // not modelled, the app text comes whatever the flash holds.
  std::string_view invalid_header = "invalid header: 0x{:08x}\r\n";
};

// A flasher stub image for the chip revisions from `min_revision` up
// (esptool's stub_json_name; revision as get_chip_revision: major * 100 +
// minor).
struct StubByRevision {
  std::uint32_t min_revision;
  std::string_view stub_name;  // esptool-js JSON stem, as ChipInfo::stub_name; empty: no stub for these parts
  std::string_view no_stub_reason = {};  // why not, for the one line the host prints (empty stub_name only)
};

// One step of a register sequence the host runs through READ_REG and
// WRITE_REG, as esptool writes it: a plain write, a read-modify-write that
// sets or clears bits, or a pause on the host.
struct RegOp {
  enum class Kind { write, set_bits, clear_bits, wait_us };
  Kind kind;
  std::uint32_t addr = 0;   // unused for wait_us
  std::uint32_t value = 0;  // write: the word; set/clear_bits: the bits; wait_us: microseconds
};

// A sequence that powers the SPI flash on before the host attaches it, for
// one chip revision. `only_if_set`: the entry applies only when that eFuse
// field is non-zero (entries are tried in order, the first that applies wins).
struct FlashPowerOn {
  std::uint32_t revision;  // get_chip_revision(): major * 100 + minor
  std::optional<RegField> only_if_set;
  std::vector<RegOp> ops;
};

// The RTC watchdog as esptool's --after watchdog_reset arms it to reset the
// chip (targets/esp32s3.py, esp32c3.py, esp32p4.py ... watchdog_reset, cited
// per chip): unlock the write protection with the key, set the stage-0
// timeout, enable, lock, then wait 0.5 s on the host. espsim resets the chip
// when CONFIG0's enable bit is written while the key is in WPROTECT.
struct RtcWatchdog {
  std::uint32_t config0, config1, wprotect;  // RTC_CNTL_WDTCONFIG0/1, WDTWPROTECT
  std::uint32_t key = 0x50D83AA1;            // RTC_CNTL_WDT_WKEY (every chip that has one)
  // The values esptool writes: stage-0 timeout 2000 slow-clock cycles; enable
  // (bit 31), stage 0 action 5 (bits 28-30), bit 8 and 2, as esptool writes them.
  static constexpr std::uint32_t kTimeout = 2000;
  static constexpr std::uint32_t kEnableBit = 1u << 31;
  static constexpr std::uint32_t kConfig0 = kEnableBit | (5u << 28) | (1u << 8) | 2u;
  static constexpr std::uint32_t kHostWaitUs = 500'000;  // esptool: sleep(0.5) "for reset to take effect"
  // The host's steps in esptool's order.
  std::vector<RegOp> reset_ops() const {
    return {{RegOp::Kind::write, wprotect, key},
            {RegOp::Kind::write, config1, kTimeout},
            {RegOp::Kind::write, config0, kConfig0},
            {RegOp::Kind::write, wprotect, 0},
            {RegOp::Kind::wait_us, 0, kHostWaitUs}};
  }
};

// The chip's own USB download paths (esptool v5.3.1 targets/<chip>.py;
// v4.8.1 to v5.2.0 for UARTDEV_BUF_NO, which esptool v5.3.0 dropped for the
// port's VID/PID, commit 0a5fe5c), cited per chip file. Which path a session
// runs over is decided by the local port's USB id where the host sees one,
// else by the ROM's UARTDEV_BUF_NO variable (docs/connecting.md "USB
// download paths"); a chip esptool never gave that variable (ESP32-S31) is
// then taken to be on a UART.
struct UsbPaths {
  // ROM .bss variable naming the console in use (esptool v4 get_uart_no),
  // by silicon revision: the last entry whose min_revision <= revision.
  // `usb_jtag_serial`: the value over USB-Serial/JTAG on these parts where
  // it differs from the row's (ESP32-C61 above v0.2: 4, not 3).
  struct UartNoReg {
    std::uint32_t min_revision;
    std::uint32_t addr;
    std::optional<std::uint32_t> usb_jtag_serial = std::nullopt;
  };
  std::vector<UartNoReg> uart_no_regs = {};  // empty: esptool has no such variable for the chip
  std::optional<std::uint32_t> uart_no_usb_otg = std::nullopt;          // UARTDEV_BUF_NO_USB_OTG
  std::optional<std::uint32_t> uart_no_usb_jtag_serial = std::nullopt;  // UARTDEV_BUF_NO_USB_JTAG_SERIAL
  // Which paths the chip has: OTG when otg_pid is set (esptool uses_usb_otg:
  // VID 0x303A, PID = IMAGE_CHIP_ID); USB-Serial/JTAG (PID 0x1001) when
  // usb_jtag_serial is set.
  std::uint16_t otg_pid = 0;
  bool usb_jtag_serial = false;
  // esptool disable_watchdogs over USB-Serial/JTAG: the RTC WDT and the
  // super watchdog survive the USB reset and would reset the chip during a
  // long operation. The RTC WDT's CONFIG0/WPROTECT, the SWD's CONF/WPROTECT.
  struct JtagWatchdogs {
    std::uint32_t wdt_config0, wdt_wprotect, wdt_key;
    std::uint32_t swd_conf, swd_wprotect, swd_key, swd_auto_feed;
    std::vector<RegOp> disable_ops() const {
      return {{RegOp::Kind::write, wdt_wprotect, wdt_key}, {RegOp::Kind::write, wdt_config0, 0},
              {RegOp::Kind::write, wdt_wprotect, 0},       {RegOp::Kind::write, swd_wprotect, swd_key},
              {RegOp::Kind::set_bits, swd_conf, swd_auto_feed}, {RegOp::Kind::write, swd_wprotect, 0}};
    }
  };
  std::optional<JtagWatchdogs> jtag_watchdogs = std::nullopt;
  // esptool hard_reset over OTG: a watchdog reset when the strapping
  // register says GPIO0 is not holding download mode and force-download is
  // clear (an RTS reset would make the USB device vanish); nullopt: always
  // the watchdog (ESP32-P4).
  struct OtgStrapCheck {
    std::uint32_t strap_reg, strap_spi_boot_mask;  // GPIO_STRAP_REG, GPIO_STRAP_SPI_BOOT_MASK
    std::uint32_t option1_reg, force_download_mask;  // RTC_CNTL_OPTION1_REG, FORCE_DOWNLOAD_BOOT_MASK
  };
  std::optional<OtgStrapCheck> otg_strap_check = std::nullopt;
  // Clear force-download-boot before any hard reset (ESP32-S3:
  // arduino-esp32 #6762), errors ignored.
  bool clear_force_download_on_hard_reset = false;

  bool has_otg() const { return otg_pid != 0; }
  const UartNoReg* uart_no_entry(std::optional<std::uint32_t> revision) const {
    const UartNoReg* entry = nullptr;
    for (const auto& r : uart_no_regs)
      if (!entry || r.min_revision <= revision.value_or(0)) entry = &r;
    return entry;
  }
  std::optional<std::uint32_t> uart_no_reg(std::optional<std::uint32_t> revision) const {
    const UartNoReg* entry = uart_no_entry(revision);
    return entry ? std::optional<std::uint32_t>(entry->addr) : std::nullopt;
  }
  // UARTDEV_BUF_NO's value over USB-Serial/JTAG on a part of `revision`.
  std::optional<std::uint32_t> uart_no_jtag_value(std::optional<std::uint32_t> revision) const {
    const UartNoReg* entry = uart_no_entry(revision);
    if (entry && entry->usb_jtag_serial) return entry->usb_jtag_serial;
    return uart_no_usb_jtag_serial;
  }
};

// espsim: register bits that must hold (reg & mask) == value.
struct RegBits {
  std::uint32_t addr, mask, value;
};

// espsim: on a part of `revision`, the SPI flash is unpowered (RDID reads
// all ones, reads 0xFF, writes lost) until every one of `needs` holds.
struct FlashPowerGate {
  std::uint32_t revision;
  std::vector<RegBits> needs;
};

// What espsim needs beyond what the host reads: the chip it pretends to be.
struct SimFacts {
  std::uint32_t xtal_hz;  // drives the UART CLKDIV the host measures
  Mac default_mac;        // an Espressif OUI
  // Puts `mac` into the register image; false when the chip's eFuses cannot
  // express it.
  bool (*encode_mac)(const Mac& mac, FieldWriter& regs);
  // Field values at power-on: package, revision, calibration, ...
  std::vector<FieldValue> power_on_fields;
  // Puts a chip revision into the register image over power_on_fields
  // (espsim --chip-revision); nullptr: the revision is fixed.
  void (*encode_revision)(std::uint32_t major, std::uint32_t minor, FieldWriter& regs) = nullptr;
  // Parts whose flash stays off until the host powers it (by revision).
  std::vector<FlashPowerGate> flash_power_gates = {};
  // Crystals espsim --crystal may fit, in MHz (empty: only xtal_hz's).
  std::vector<std::uint32_t> crystal_options_mhz = {};
};

// A range of the chip's address space as esptool names it (MEMORY_MAP of
// targets/<chip>.py): image_info lists, for each segment, the names of every
// range its load address falls in, in the table's order.
struct MemoryRegion {
  std::uint32_t start;  // first address
  std::uint32_t end;    // one past the last
  std::string_view name;
};

// What firmware images say about the chip and how tools describe them
// (esptool targets/<chip>.py; bin_image.py, uf2_writer.py).
struct ImageFacts {
  // The extended header's chip id (IMAGE_CHIP_ID); nullopt: the chip's
  // images have no extended header (ESP8266).
  std::optional<std::uint16_t> chip_id;
  // The UF2 family id merge_bin --format uf2 writes (UF2_FAMILY_ID).
  std::uint32_t uf2_family_id;
  std::vector<MemoryRegion> memory_map;
  // The extended header's min_rev byte is the minor revision, not the major
  // (esptool v5.3.1 cmds.py write_flash: "For C3 chip, image.min_rev is the
  // Minor revision while for the rest chips it is the Major revision").
  bool min_rev_is_minor = false;
};
// ---- Security features (issue 14) -----------------------------------------
// What esptool v5.3.1 reads before it erases or writes (cmds.py erase_flash,
// erase_region, write_flash; targets/<chip>.py for the registers, cited in
// each chip file). Decoders over the row's `fields`; nullptr is esptool's
// ESPLoader default, False (the ESP8266 has none of these).
struct SecurityDecoders {
  // get_flash_encryption_enabled: SPI_BOOT_CRYPT_CNT (FLASH_CRYPT_CNT on the
  // ESP32) has an odd number of bits set.
  bool (*flash_encryption)(const FieldReader&) = nullptr;
  // get_secure_boot_enabled: SECURE_BOOT_EN (ESP32: ABS_DONE_0, or
  // ABS_DONE_1 from revision v3.0).
  bool (*secure_boot)(const FieldReader&) = nullptr;
  // get_secure_boot_v1_enabled: ABS_DONE_0 (ESP32 only).
  bool (*secure_boot_v1)(const FieldReader&) = nullptr;
  // get_encrypted_download_disabled: DIS_DOWNLOAD_MANUAL_ENCRYPT
  // (DISABLE_DL_ENCRYPT on the ESP32), flash encryption's release mode.
  bool (*encrypted_download_disabled)(const FieldReader&) = nullptr;
  // uses_key_manager_for_flash_encryption: FORCE_USE_KEY_MANAGER_KEY's
  // XTS-AES bit (ESP32-C5, -H4, -P4, -S31).
  bool (*key_manager_flash_encryption)(const FieldReader&) = nullptr;
};

// What the decoders above read on one part.
struct SecurityState {
  bool flash_encryption = false;
  bool secure_boot = false;
  bool secure_boot_v1 = false;
  bool encrypted_download_disabled = false;
  bool key_manager_flash_encryption = false;
};
// ---- end of security features -----------------------------------------------

struct ChipInfo {
  ChipId id;
  std::string_view name;      // "ESP8266", as esptool's CHIP_NAME
  std::string_view cli_name;  // "esp8266", as --chip takes it
  // Detection (fact sheet 4.1).
  std::vector<std::uint32_t> magic_values;        // READ_REG 0x40001000
  // GET_SECURITY_INFO chip id. None with rom.security_info: the ROM answers
  // the 12-byte form without one (ESP32-S2), and the magic value decides.
  std::optional<std::uint32_t> security_chip_id;
  // ROM loader.
  std::uint32_t rom_status_len;  // status bytes after a ROM response's data
  RomAbilities rom;
  ChipQuirks quirks;
  std::optional<RomBaudCalibration> rom_baud_calibration;
  // Registers.
  SpiRegs spi;
  Crystal crystal;
  std::uint32_t uart_date_reg;  // harmless register for WRITE_REG delays
  std::uint32_t efuse_base;     // first eFuse word esptool reads
  // Every register field of the chip that espbak decodes or espsim encodes
  // (MAC, package, revisions, calibration, flash encryption), by name.
  std::vector<RegField> fields;
  // Images.
  std::uint32_t bootloader_offset;  // where a bootloader image gets header patching
  std::string_view stub_name;       // stub image name (esptool-js JSON stem); empty: no stub exists
  std::vector<FlashCode> flash_sizes;  // image header byte 3, high nibble
  std::vector<FlashCode> flash_freqs;  // image header byte 3, low nibble

  // Decoders over the fields above.
  std::string (*describe)(const FieldReader&);  // "ESP8266EX", "ESP32-D0WD-V3 (revision v3.1)"
  std::vector<std::string> (*features)(const FieldReader&);
  std::optional<Mac> (*mac)(const FieldReader&);  // nullopt: unknown OUI
  std::optional<std::uint32_t> (*chip_id)(const FieldReader&);  // nullopt: not supported

  // Simulator side.
  BootBanners banners;
  SimFacts sim;

  // The 16 bits that make the base MAC an EUI-64 (esptool read_mac
  // "MAC_EXT": inserted after the OUI), on the 802.15.4 chips whose
  // read_mac has an "EUI64" form; nullopt elsewhere.
  std::optional<RegField> mac_ext = std::nullopt;

  // Revision-dependent behaviour (after `sim` so that rows which have none
  // leave these out).
  // esptool get_chip_revision(): major * 100 + minor; nullptr: not decoded.
  std::optional<std::uint32_t> (*revision)(const FieldReader&) = nullptr;
  // Stub images by revision, ascending min_revision; empty: stub_name always.
  std::vector<StubByRevision> stubs_by_revision = {};
  // Flash power-on sequences the host runs after connecting, before anything
  // touches the flash (not in Secure Download Mode); empty: none.
  std::vector<FlashPowerOn> flash_power_on = {};
  // The ROM's crystal assumption where CHANGE_BAUDRATE to the ROM must be
  // scaled for the crystal fitted (nullopt: the ROM knows its crystal).
  std::optional<RomCrystalAssumption> rom_crystal = std::nullopt;
  // The RTC watchdog esptool's --after watchdog_reset uses; nullopt: esptool
  // has no watchdog_reset for the chip (loader.py's base method: a note and
  // a classic hard reset).
  std::optional<RtcWatchdog> rtc_watchdog = std::nullopt;
  // Image facts (last, so every row ends with them).
  ImageFacts image = {};
  // Security features (issue 14): esptool's eFuse reads for its checks
  // before erasing or writing; all nullptr: none (ESP8266).
  SecurityDecoders security = {};
  // The chip's USB-OTG / USB-Serial/JTAG download paths; nullopt: UART only.
  std::optional<UsbPaths> usb = std::nullopt;
  // Backup contents: partition-table notes, SDK areas (issue 15).
  BackupFacts backup = {};

  // The field called `name` (nullopt when the chip has none).
  std::optional<RegField> field(std::string_view name) const;
  // The stub image for a part of `revision` (nullopt: unknown revision, the
  // newest entry; esptool cannot have no revision).
  std::string_view stub_for_revision(std::optional<std::uint32_t> revision) const;
  // The stub for the part `regs` reads; reads no register when the chip has
  // one stub only.
  std::string_view stub_for(const FieldReader& regs) const;
  // Why the part `regs` reads gets no stub (empty: it gets stub_for's).
  std::string no_stub_reason(const FieldReader& regs) const;
  // esptool's get_chip_revision() (major * 100 + minor) of the part `regs`
  // reads: the row's `revision` where it has one, else the "(revision
  // vMAJOR.MINOR)" that `describe` ends with, as esptool's
  // get_chip_description builds it from the same major and minor versions.
  // nullopt: the chip has no revision (ESP8266).
  std::optional<std::uint32_t> chip_revision(const FieldReader& regs) const;
  // The flash power-on steps for the part `regs` reads (empty: none needed);
  // reads no register when the chip has no sequence.
  std::vector<RegOp> flash_power_on_ops(const FieldReader& regs) const;
  // The security features of the part `regs` reads (issue 14); reads no
  // register for a decoder the row lacks.
  SecurityState security_state(const FieldReader& regs) const;
};

// All known chips, in detection order.
std::span<const ChipInfo> all_chips();
const ChipInfo* find_chip(std::string_view cli_name);
const ChipInfo* chip_by_magic(std::uint32_t magic);
const ChipInfo* chip_by_security_id(std::uint32_t id);
const ChipInfo& chip(ChipId id);
// Every chip's --chip name, in table order, joined by `separator`.
std::string chip_cli_names(std::string_view separator = ", ");

// Flash commands and their encodings.
constexpr std::uint32_t kChipDetectMagicReg = 0x40001000;
constexpr std::uint8_t kSpiFlashRdid = 0x9F;

// RDID result (W0): manufacturer in bits 0-7, type 8-15, capacity 16-23.
// Flash size in bytes from the capacity byte (esptool DETECTED_FLASH_SIZES),
// nullopt when unknown.
std::optional<std::uint32_t> flash_size_from_id(std::uint32_t flash_id);
// A JEDEC capacity byte for a flash size (inverse of the above, 0x12..0x1C).
std::optional<std::uint8_t> capacity_code_for_size(std::uint32_t bytes);

// ESP8266 ROM erase-size workaround (esptool targets/esp8266.py get_erase_size).
std::uint32_t esp8266_rom_erase_size(std::uint32_t offset, std::uint32_t size);

std::string format_mac(const Mac& mac);
std::optional<Mac> parse_mac(std::string_view text);

}  // namespace espbak
