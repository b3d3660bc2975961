#pragma once
// The ESP serial loader, host side: one method per bootloader command, knowing
// the differences between the ROM and the flasher stub (status bytes, block
// sizes, MD5 form, which commands exist). No files, no CLI: ops/ builds on it.
// Protocol facts: ../shared/docs/protocol-facts.md.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "espbak/chips/chip.hpp"
#include "espbak/link/reset/modes.hpp"
#include "espbak/link/reset/after.hpp"
#include "espbak/link/reset/sequences.hpp"
#include "espbak/link/transport.hpp"
#include "espbak/loader/tuning.hpp"
#include "espbak/protocol/commands.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/util/md5.hpp"

namespace espbak {

struct ResetStrategy;  // link/reset/cycle.hpp

struct ConnectOptions {
  BeforeReset before = BeforeReset::default_reset;
  int attempts = 7;                        // --connect-attempts; <= 0: forever
  const ChipInfo* expected_chip = nullptr;  // --chip (nullptr = auto)
  // esptool's custom_reset_sequence: replaces the strategy cycle
  // (reset_strategy_cycle, link/reset/cycle.hpp).
  std::optional<ResetSequence> custom_reset;
};

// Called with (bytes done, bytes total) during long transfers.
using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// What the loader reports instead of printing (the CLI decides how to show it).
enum class LoaderEvent {
  sync_failed,  // one SYNC try failed (esptool prints '.')
  note,         // informational: no modem lines, stub already running, ...
  warning,      // something odd that does not stop the operation
  info,         // a line esptool prints on the console (shown as such)
};
using LoaderLog = std::function<void(LoaderEvent, const std::string& text)>;

// GET_SECURITY_INFO flag bits (fact sheet 2.1; esptool loader.py
// get_security_info), in bit order; "" for bits with no name.
inline constexpr std::uint32_t kSecureDownloadEnableFlag = cmd::SecurityInfo::kSecureDownloadEnable;
inline constexpr const char* kSecurityFlagNames[] = {
    "SECURE_BOOT_EN",      "SECURE_BOOT_AGGRESSIVE_REVOKE", "SECURE_DOWNLOAD_ENABLE", "SECURE_BOOT_KEY_REVOKE0",
    "SECURE_BOOT_KEY_REVOKE1", "SECURE_BOOT_KEY_REVOKE2",   "SOFT_DIS_JTAG",          "HARD_DIS_JTAG",
    "DIS_USB",             "DIS_DOWNLOAD_DCACHE",           "DIS_DOWNLOAD_ICACHE"};

// The download path the session runs over (docs/connecting.md "USB download
// paths"): a UART (any USB bridge, or a remote port), the chip's
// USB-Serial/JTAG peripheral, or its USB-OTG peripheral.
enum class UsbPath { uart, usb_jtag_serial, usb_otg };

class Loader {
 public:
  explicit Loader(Transport& link);

  // Packet trace: every packet written/read as a hex dump on stderr (or to
  // `sink`, one line per call, when given).
  void set_trace(bool on) { trace_ = on; }
  void set_trace(bool on, std::function<void(const std::string& line)> sink) {
    trace_ = on;
    trace_sink_ = std::move(sink);
  }
  // Stub READ_FLASH flow control. The stub sends a packet only when every
  // packet it sent has been acknowledged, and counts acknowledgement frames
  // (fact sheet section 8). With early acknowledgement (the default) the
  // host acknowledges packet N as soon as packet N starts to arrive, so the
  // stub starts packet N+1 right after N instead of a round trip later; the
  // final MD5 still covers every byte. Off: acknowledge after receipt, as
  // esptool does.
  void set_early_read_ack(bool on) { early_read_ack_ = on; }
  // Progress and notes (sync dots, "no modem lines", ...). Default: silent.
  void set_log(LoaderLog log) { log_ = std::move(log); }
  // How the loader waits (reset pulses, drains, baud switch). Tests replace
  // it to run without real delays.
  void set_sleeper(Sleeper sleep) { sleep_ = std::move(sleep); }
  // Timeouts, block attempts, reset delay (esptool's config file); also
  // sets the link's write timeout. Default: esptool's values.
  void set_tuning(const LoaderTuning& tuning);
  const LoaderTuning& tuning() const { return tuning_; }

  // Reset into the bootloader (per opts.before), SYNC with esptool's retry
  // behaviour, detect the chip (GET_SECURITY_INFO then magic register), and
  // check it against opts.expected_chip. Throws Error(connect) with what was
  // tried and what to do, or Error(usage) naming both chips on a mismatch.
  void connect(const ConnectOptions& opts);

  const ChipInfo& chip() const;
  bool stub_running() const { return stub_; }
  bool secure_download_mode() const { return sdm_; }
  // The last SYNC was answered with value 0: a flasher stub, not the ROM.
  bool sync_stub_detected() const { return sync_stub_detected_; }
  // FLASH_DATA block size in use: 0x400 ROM, 0x4000 stub (0x800 over USB-OTG).
  std::uint32_t flash_write_size() const;
  // MEM_DATA block size: 0x1800, 0x800 over USB-OTG (esptool USB_RAM_BLOCK).
  std::uint32_t ram_block_size() const;
  // Decided in connect(): by the port's USB id where the transport knows
  // one (esptool v5 uses_usb_otg / uses_usb_jtag_serial), else by the ROM's
  // UARTDEV_BUF_NO (esptool v4 get_uart_no), so remote ports get it too.
  UsbPath usb_path() const { return usb_path_; }

  // Raw commands. command() sends one packet and returns the matching
  // response (esptool's matching rules); check() also verifies the status
  // (`result_len` bytes of result before the two status bytes) and throws
  // Error(device) / Error(unsupported) naming the command on failure. No
  // timeout given: the tuning's standard one (DEFAULT_TIMEOUT).
  Response command(Op op, std::span<const std::uint8_t> data, std::uint32_t chk = 0,
                   std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  Bytes check(Op op, std::span<const std::uint8_t> data, std::size_t result_len = 0, std::uint32_t chk = 0,
              std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Typed requests (protocol/commands.hpp): the request gives the frame, its
  // checksum and, unless one is passed, the timeout rule for the loader
  // answering (ROM or stub).
  template <cmd::Request R>
  Response command(const R& req) {
    return command(req, req.timeout(tuning_.timeouts, kind()));
  }
  template <cmd::Request R>
  Response command(const R& req, std::chrono::milliseconds timeout) {
    return command(R::op, req.encode(), cmd::header_checksum(req), timeout);
  }
  template <cmd::Request R>
  Bytes check(const R& req, std::size_t result_len = 0) {
    return check(req, result_len, req.timeout(tuning_.timeouts, kind()));
  }
  template <cmd::Request R>
  Bytes check(const R& req, std::size_t result_len, std::chrono::milliseconds timeout) {
    return check(R::op, req.encode(), result_len, cmd::header_checksum(req), timeout);
  }

  std::uint32_t read_reg(std::uint32_t addr);
  void write_reg(std::uint32_t addr, std::uint32_t value, std::uint32_t mask = 0xFFFFFFFF,
                 std::uint32_t delay_us = 0);
  RegReader reg_reader();

  // Chip information (decoded through the chip row).
  std::string chip_description();
  std::vector<std::string> chip_features();
  std::array<std::uint8_t, 6> mac();
  std::uint32_t crystal_mhz();
  // Raw GET_SECURITY_INFO (ESP32-S2 and later; ESP8266/ESP32 ROMs refuse it
  // with Error(unsupported)).
  using SecurityInfo = cmd::SecurityInfo;  // chip_id / api_version absent in the ESP32-S2 12-byte form
  SecurityInfo security_info();
  // Decodes a GET_SECURITY_INFO result: 20 bytes (S3 and later) or 12 bytes
  // (ESP32-S2, no chip id / API version). Error(device) on any other length.
  static SecurityInfo parse_security_info(std::span<const std::uint8_t> result);
  // What GET_SECURITY_INFO answered during connect() (nullopt: the ROM or
  // stub has no such command, as on ESP8266 and ESP32).
  const std::optional<SecurityInfo>& connect_security_info() const { return connect_si_; }

  // Flash access setup, as esptool does it after connecting.
  // The chip row's flash power-on sequence for this revision (esptool
  // power_on_flash); connect() runs it. Nothing on chips without one.
  void power_on_flash();
  // Runs register steps (RegOp) over READ_REG / WRITE_REG, waits on the host.
  void run_reg_ops(const std::vector<RegOp>& ops);
  void spi_attach();                        // ROM: SPI_ATTACH or ESP8266's FLASH_BEGIN(0,0)
  void spi_set_params(std::uint32_t flash_size);
  std::uint32_t flash_id();                 // RDID through the SPI user-command registers
  // One raw flash command through the SPI user-command registers, as esptool
  // loader.py run_spiflash_command runs it: the command byte, an optional
  // address and dummy phase, `data` on MOSI (at most 64 bytes), then
  // `read_bits` (at most 32) read back from W0. Works with ROM and stub.
  struct SpiFlashCommand {
    std::uint8_t command = 0;
    std::vector<std::uint8_t> data = {};
    unsigned read_bits = 0;
    std::uint32_t addr = 0;
    unsigned addr_len = 0;   // address bits; 0: no address phase
    unsigned dummy_len = 0;  // dummy cycles; 0: none
  };
  std::uint32_t run_spiflash_command(const SpiFlashCommand& command);
  // The flash's status registers 1..num_bytes (RDSR, RDSR2, RDSR3), SR1 in
  // bits 0-7 (loader.py read_status).
  std::uint32_t read_flash_status(unsigned num_bytes);
  // esptool's write_status sequence (loader_spi.cpp): volatile bits only
  // unless `non_volatile`.
  void write_flash_status(std::uint32_t value, unsigned num_bytes, bool non_volatile);
  // The flash's software reset (66h, 99h) esptool v5.3.1 sends at the end
  // of attach_flash: the flash leaves any state the application left it in,
  // and its volatile status bits return to the non-volatile values.
  void reset_flash_chip();
  // `read_bits` of the SFDP area from `addr` (RDSFDP 5Ah), first byte in bits 0-7.
  std::uint32_t read_flash_sfdp(std::uint32_t addr, unsigned read_bits);

  // RAM download (loader.py mem_begin / mem_block / mem_finish). With the
  // stub running, mem_begin refuses a range over the stub's own memory
  // (Error(usage), esptool's message).
  void mem_begin(std::uint32_t size, std::uint32_t blocks, std::uint32_t block_size, std::uint32_t offset);
  void mem_block(std::span<const std::uint8_t> data, std::uint32_t seq);
  // MEM_END jumping to `entry` (0: stay). To the ROM the reply may not
  // come (the code may retune the UART): a missing one is not an error.
  void mem_finish(std::uint32_t entry);
  // esptool's run(): FLASH_BEGIN(0, 0) then FLASH_END(run user code). The
  // ROM leaves the loader for the application; the stub stays (its reboot
  // flag is not implemented).
  void run_user_code();
  std::optional<std::uint32_t> detect_flash_size();  // from flash_id()

  // Upload and start the flasher stub (no-op if one already answers).
  void run_stub();
  // Switch the link speed (CHANGE_BAUDRATE with ROM or stub semantics).
  // Throws Error(unsupported) where the ROM cannot.
  void change_baud(std::uint32_t baud);

  // Flash operations. Each picks the ROM or stub form.
  void erase_flash();                                             // stub only
  // Stub: ERASE_REGION. ROM (not ESP8266): FLASH_BEGIN, which erases the
  // region it announces (esptool cmds.py erase_region; works in Secure
  // Download Mode too).
  void erase_region(std::uint32_t offset, std::uint32_t size);
  Md5::Digest flash_md5(std::uint32_t offset, std::uint32_t size);
  // Reads [offset, offset+size) into `out` (resized). Stub: streaming
  // READ_FLASH with flow control and final MD5 check; ESP32 ROM:
  // READ_FLASH_SLOW; ESP8266 ROM: Error(unsupported).
  void read_flash(std::uint32_t offset, std::uint32_t size, Bytes& out, const Progress& progress = {});
  // Writes `data` at `offset`. compress: FLASH_DEFL_* (stub or ESP32 ROM)
  // unless the zlib stream is not smaller than the data (esptool v5 sends
  // such data plainly), else FLASH_*. Returns the bytes of data sent: the
  // zlib stream's size when compressed, data.size() when not. Does not
  // verify; callers compare flash_md5 afterwards.
  std::uint64_t write_flash(std::uint32_t offset, std::span<const std::uint8_t> data, bool compress,
                            const Progress& progress = {});

  // Leave the chip as --after asks: carries out plan_after_reset()
  // (link/reset/after.hpp). `hard_reset_sequence` replaces the RTS pulse
  // (esptool's custom_hard_reset_sequence). Returns the plan carried out.
  AfterResetPlan finish(AfterReset after, const std::optional<ResetSequence>& hard_reset_sequence = std::nullopt);

 private:
  struct AttemptResult;
  AttemptResult connect_attempt(BeforeReset mode, const ResetStrategy& strategy);
  void sync();
  void detect_chip(const ChipInfo* expected);
  UsbPath detect_usb_path();
  // esptool _post_connect over USB: block sizes, disable_watchdogs.
  void post_connect_usb();
  // --after hard_reset over USB-OTG (esptool targets hard_reset): true when
  // the watchdog did it, false when the RTS pulse (USB timing) is still due.
  bool otg_watchdog_hard_reset();
  // The chip row's RTC watchdog reset (esptool watchdog_reset).
  void run_watchdog_reset();
  std::optional<Bytes> read_frame(std::chrono::milliseconds timeout);
  // One transport read fed to the SLIP decoder; false on timeout.
  bool read_more(std::chrono::milliseconds timeout);
  // Pops the oldest decoded frame (there must be one).
  Bytes take_frame();
  Response wait_response(std::optional<std::uint8_t> op, std::chrono::milliseconds timeout);
  void send_frame(std::span<const std::uint8_t> payload, std::string_view label);
  // A command no reply follows (RUN_USER_CODE).
  void send_unanswered(Op op, std::span<const std::uint8_t> data);
  template <cmd::Request R>
  void send_unanswered(const R& req) {
    send_unanswered(R::op, req.encode());
  }
  void flush_input();
  void drain_after_unsupported();
  // After a ROM's "invalid message" refusal: drain its repeats now, or, in
  // detect_chip, leave them for the next command to skip.
  void after_unsupported();
  static constexpr int kInvalidReplyRepeats = 8;
  // A SPI user-command register write, batched for the stub (loader_spi.cpp).
  void write_regs(const std::vector<cmd::WriteReg::Entry>& entries);
  void flash_begin(std::uint32_t size, std::uint32_t offset);
  // FLASH_DATA / FLASH_DEFL_DATA with esptool's retries.
  template <class DataCommand>
  void send_block(const DataCommand& block, std::chrono::milliseconds timeout);
  cmd::LoaderKind kind() const { return stub_ ? cmd::LoaderKind::stub : cmd::LoaderKind::rom; }
  void trace_line(std::string_view what, std::span<const std::uint8_t> bytes);
  void log(LoaderEvent e, const std::string& text) const {
    if (log_) log_(e, text);
  }
  std::string chip_name_for_messages() const;

  Transport& link_;
  slip::Decoder decoder_;
  std::vector<Bytes> pending_frames_;
  const ChipInfo* chip_ = nullptr;
  const ChipInfo* expected_chip_ = nullptr;
  bool stub_ = false;
  bool sdm_ = false;
  std::optional<SecurityInfo> connect_si_;
  bool trace_ = false;
  bool early_read_ack_ = true;
  bool sync_stub_detected_ = false;
  UsbPath usb_path_ = UsbPath::uart;
  std::optional<std::uint32_t> flash_id_cache_;
  // eFuse, revision and calibration words read through reg_reader() since
  // connect(): fixed while the chip runs, so each is read once, not once
  // per decoder (a description, the features and the MAC share words).
  std::map<std::uint32_t, std::uint32_t> field_regs_;
  // The ROM's "invalid message" replies still to come after an unsupported
  // command whose drain was not waited for (detect_chip): skipped by the
  // next command's wait_response.
  int stale_invalid_replies_ = 0;
  bool defer_unsupported_drain_ = false;
  std::uint64_t rx_bytes_ = 0;  // every byte read, for "no serial data" diagnostics
  std::string last_noise_;      // non-SLIP bytes seen during the last failed SYNC (app chatter?)
  std::function<void(const std::string&)> trace_sink_;
  LoaderLog log_;
  Sleeper sleep_;
  LoaderTuning tuning_;
  std::optional<Clock::Duration> last_trace_;  // on the link's clock
};

}  // namespace espbak
