#pragma once
// The simulated chip: the ROM serial loader and, after a stub upload, the
// esp-flasher-stub command loop. Pure logic over virtual time: host bytes go in
// with the time they reach the chip's UART, device bytes come out with the time
// the UART starts shifting them out. No sockets, no clocks (see link.hpp for
// those), so tests drive it directly. See docs/espsim.md for the model and the
// sources of every behaviour.
#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/chips/chip.hpp"
#include "espbak/protocol/commands.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/flash_model.hpp"
#include "espbak/sim/spi_nor.hpp"
#include "espbak/util/md5.hpp"

namespace espbak::sim {

using SimTime = std::int64_t;  // nanoseconds of virtual time
constexpr SimTime kNever = std::numeric_limits<SimTime>::max();
constexpr SimTime kMs = 1'000'000;

// Durations of flash operations on the chip. All zero = instant.
struct FlashTimings {
  SimTime sector_erase = 0;        // 4 KB
  SimTime block_erase = 0;         // 64 KB, aligned
  SimTime chip_erase_per_mb = 0;   // scaled by the flash size
  SimTime page_program = 0;        // one 256-byte page
  SimTime read_per_kb = 0;         // SPI read into RAM
  SimTime rom_md5_per_mb = 0;      // SPI_FLASH_MD5 in the ROM
  SimTime stub_md5_per_mb = 0;     // SPI_FLASH_MD5 in the stub
  static FlashTimings instant() { return {}; }
  static FlashTimings realistic();  // figures and sources: docs/espsim.md
};

// Which port the ROM serves (docs/espsim.md "USB download paths"): its
// UART, its USB-Serial/JTAG peripheral, or its USB-OTG peripheral (then
// RAM and flash blocks over 0x800 bytes are refused).
enum class DownloadPath { uart, usb_jtag_serial, usb_otg };

// Whether a reset makes the chip's USB device leave the bus and enumerate
// again, so the host's port closes under it and comes back (docs/espsim.md
// "USB download paths"). Over USB-OTG every reset does: the CDC port is the
// ROM's (or the firmware's) software USB stack, which a reset stops (ESP-IDF
// docs api-guides/usb-otg-console.rst, "USB CDC is implemented in
// software"; "The port name may change"). USB-Serial/JTAG is a hardware
// peripheral that stays enumerated across the core reset its own DTR/RTS
// logic makes (ESP-IDF usb-serial-jtag-console.rst: "keep the USB CDC device
// alive during software reset"; esptool troubleshooting.rst: that peripheral
// "can only trigger a core reset"), but not across a system reset, as the
// RTC watchdog's (esptool advanced-options.rst, --after watchdog-reset "may
// cause the port to re-enumerate on Linux (e.g. /dev/ttyACM0 ->
// /dev/ttyACM1)"; targets/esp32c6.py: "can cause the port to disappear").
bool usb_reenumerates(DownloadPath path, bool system_reset);

struct DeviceConfig {
  const ChipInfo* chip = nullptr;
  DownloadPath download_path = DownloadPath::uart;
  // USB-Serial/JTAG: the RTC watchdog still runs when the ROM enters
  // download mode (esptool disable_watchdogs: "not reset and can then reset
  // the board during flashing"); it fires this long after the reset unless
  // the host disables it. 0: not armed.
  SimTime usb_jtag_rtc_wdt = 0;
  std::array<std::uint8_t, 6> mac{};
  std::uint32_t jedec_id = 0;   // as RDID leaves it in W0: mfr | type<<8 | capacity<<16
  FlashTimings timings;
  bool uart_timing = false;     // charge 10 bit times per byte the device sends
  std::uint32_t initial_baud = 115200;
  // ESP32-S2 and later: the ROM runs in Secure Download Mode (eFuse
  // ENABLE_SECURITY_DOWNLOAD): GET_SECURITY_INFO sets flag bit 2 and the ROM
  // refuses every command but flash writes (docs/espsim.md lists them).
  bool secure_download_mode = false;
  // Register fields set after the chip file's power-on values (espsim
  // --efuse NAME=VALUE): another package, revision or in-package flash of
  // the same chip, e.g. an ESP8285 or an ESP32-PICO-D4.
  std::vector<FieldValue> efuse_overrides;
  // Silicon revision (major, minor) over the chip file's default part, for
  // chips whose row can encode one (espsim --chip-revision).
  std::optional<std::pair<std::uint32_t, std::uint32_t>> chip_revision;
  // The crystal fitted (espsim --crystal), in Hz; 0: the chip file's.
  std::uint32_t xtal_hz = 0;
  // What code uploaded to RAM (MEM_END with an entry) that is no stub image
  // espsim knows does: false, it "runs as the stub" (unit tests jump to
  // made-up addresses); true (espsim --ram-code app), it runs as the user's
  // program: the loader is gone and nothing answers, as after esptool's
  // load_ram.
  bool unknown_ram_code_is_app = false;
};

// espsim --efuse NAME=VALUE: NAME one of the chip file's fields, VALUE
// decimal or 0x hex and within the field's width. On a bad setting: nullopt
// and *error says why in a few words.
std::optional<FieldValue> parse_efuse_setting(const ChipInfo& chip, std::string_view text, std::string* error);

// The default MAC espsim reports for a chip (the chip file's, an Espressif OUI).
std::array<std::uint8_t, 6> default_mac(ChipId chip);
// Whether `mac` can be expressed in the chip's eFuse (ESP8266: any OUI but 00:00:00).
bool mac_encodable(ChipId chip, const std::array<std::uint8_t, 6>& mac);

// Bytes the device puts on the wire: byte i has left the chip's UART at
// start + (i + 1) * byte_time.
struct TxChunk {
  SimTime start = 0;
  SimTime byte_time = 0;
  Bytes bytes;
  std::uint32_t baud = 0;  // the rate the chip's UART sent them at
};

class Device {
 public:
  enum class Mode { rom, stub, app };  // app: left the loader, silent

  Device(DeviceConfig config, FlashModel& flash);
  ~Device();

  // Power-on / reset into the ROM's download mode at time `now`.
  void reset(SimTime now);

  // Bytes that reach the chip's UART RX at time t (the caller passes them in
  // time order). The main loop is first run up to t, so it sees the bytes
  // exactly as a real receiver interleaves with a busy CPU.
  void rx(SimTime t, std::span<const std::uint8_t> bytes);
  // Runs the main loop for everything it can do by time t.
  void advance(SimTime t);
  // When the main loop next has work it can do without new input (kNever if
  // it is waiting for the host).
  SimTime next_event() const;
  // Device output scheduled so far (and forgets it).
  std::vector<TxChunk> take_tx();

  Mode mode() const { return mode_; }
  ChipId chip_id() const { return chip_.id; }
  std::uint32_t baud() const { return baud_; }
  SimTime byte_time() const;  // 10 bit times at the current baud (0 if not timed)
  std::uint32_t xtal_hz() const;  // the crystal fitted
  // The ROM's UART runs this much off the rate it computed its divider for
  // (fitted / assumed crystal, ChipInfo::rom_crystal; 1 when it knows its
  // crystal): its boot log and its CHANGE_BAUDRATE land scaled by it.
  double rom_uart_scale() const;
  // The ROM measured the host's rate from SYNC (its UART autobaud): right
  // after a reset it listens at whatever rate the host uses.
  void autobaud(std::uint32_t host_baud);
  std::uint32_t read_register(std::uint32_t addr) const;
  // Resets the chip did to itself into a normal boot (the RTC watchdog
  // armed over WRITE_REG, ChipInfo::rtc_watchdog), and when the last one was.
  std::uint32_t self_resets() const { return self_resets_; }
  SimTime self_reset_at() const { return self_reset_at_; }
  // Times the chip's USB device left the bus with a reset (usb_reenumerates),
  // and when it last did. The endpoint takes the host's port away then.
  std::uint32_t usb_disconnects() const { return usb_disconnects_; }
  SimTime usb_disconnect_at() const { return usb_disconnect_at_; }
  // A reset from outside the chip (a `reset` fault): into download mode at
  // `now`, and off the bus where usb_reenumerates says so (a core reset).
  void external_reset(SimTime now);
  const FlashModel& flash() const { return flash_; }
  // Host bytes the stub's single receive buffer dropped (frame already held).
  std::uint64_t stub_rx_dropped() const { return stub_rx_dropped_; }

 private:
  struct Upload {
    bool active = false;
    std::uint32_t size = 0, blocks = 0, block_size = 0, offset = 0;
    std::uint32_t next_seq = 0, written = 0;
    bool compressed = false;
  };
  struct StubFlash {
    bool in_progress = false;
    bool compressed = false;
    std::uint32_t remaining = 0;  // bytes still to write (wraps like the stub's uint32)
    std::uint32_t offset = 0;
    std::uint32_t compressed_remaining = 0;
    std::uint32_t erase_next = 0, erase_end = 0;
  };
  struct StubMem {
    bool in_progress = false;
    std::uint32_t remaining = 0;
    std::uint32_t next_addr = 0;  // where the next MEM_DATA block lands
  };
  // The stub's READ_FLASH loop (device_read_flash.cpp).
  struct ReadLoop {
    cmd::ReadFlash req;
    std::uint32_t remaining = 0;  // bytes not sent yet
    std::uint32_t sent = 0, acked = 0, acked_bytes = 0;
    Md5 md5;
  };

  // receive side
  void rx_byte(SimTime t, std::uint8_t b);
  void stub_rx_byte(SimTime t, std::uint8_t b);  // the stub's single buffer
  void rearm_stub_receiver();                    // slip_recv_reset(): drop what is held, wait for 0xC0
  bool frame_ready() const;
  // main loop
  SimTime next_loop_event() const;  // next_event() without the watchdog
  bool step();  // one main-loop action at now_; false when waiting for input
  void handle_rom(const Bytes& frame);
  void handle_stub(const Bytes& frame);
  std::uint16_t start_read_flash(const cmd::ReadFlash& req);  // deferred status code
  bool read_loop_step();
  // output
  void send_frame(std::span<const std::uint8_t> payload);
  void send_raw_frame(std::span<const std::uint8_t> payload);
  void rom_reply(std::uint8_t op, std::uint32_t value, std::span<const std::uint8_t> data, std::uint8_t error);
  void stub_reply(std::uint8_t op, std::uint32_t value, std::span<const std::uint8_t> data, std::uint16_t code);
  void set_baud_after_tx(std::uint32_t baud);
  // chip model
  void init_registers();
  cmd::SecurityInfo security_info() const;  // GET_SECURITY_INFO result (20 bytes; 12 without a chip id)
  void write_register(std::uint32_t addr, std::uint32_t value, std::uint32_t mask);
  void write_regs(const cmd::WriteReg& req);
  // MEM_DATA's bytes into the memory READ_REG reads (RAM has no side
  // effects, so no write_register hooks run).
  void write_ram(std::uint32_t addr, std::span<const std::uint8_t> bytes);
  // Powers the flash as the chip row's gate for this revision says.
  void update_flash_power();
  // Runs the SPI user command the host set up in the SPI registers; the W0 result.
  std::uint32_t run_spi_user_command();
  // The RTC watchdog: armed by its enable bit written with the key in
  // WPROTECT; fires at wdt_fire_at_.
  void watch_watchdog(std::uint32_t addr, std::uint32_t value);
  // A RAM or flash block the USB-OTG path refuses (larger than 0x800).
  bool over_usb_otg_block_limit(std::size_t length) const;
  void watchdog_fires();
  // MEM_END's jump into an uploaded stub: OHAI, and the stub loop runs.
  void start_uploaded_stub();
  // MEM_END's jump: whether the image at `entry` runs on this part.
  bool uploaded_code_runs(std::uint32_t entry) const;
  SimTime erase_range(std::uint32_t offset, std::uint32_t len);  // returns time taken
  SimTime program_time(std::uint32_t len) const;
  SimTime md5_time(std::uint32_t len, bool stub) const;
  std::uint8_t rom_flash_data(const cmd::DataBlock& block, bool compressed);
  // Starts erasing the stub's next erase unit (s_ensure_flash_erased_to).
  void stub_erase_unit();
  std::uint16_t stub_write(std::span<const std::uint8_t> data);
  std::uint16_t stub_inflate(std::span<const std::uint8_t> data, bool first);
  void stub_flash_wait();

  DeviceConfig cfg_;
  const ChipInfo& chip_;
  FlashModel& flash_;
  Mode mode_ = Mode::rom;
  std::uint32_t baud_ = 115200;
  SimTime now_ = 0;         // main loop time
  SimTime busy_until_ = 0;  // main loop blocked until then
  SimTime tx_free_ = 0;     // when the UART has shifted out everything queued
  SimTime flash_busy_until_ = 0;
  std::vector<TxChunk> tx_;
  std::optional<std::pair<SimTime, std::uint32_t>> pending_baud_;  // (when, baud)

  // ROM receiver: the ROM polls its UART; frames queue up.
  slip::Decoder rom_decoder_;
  std::deque<std::pair<SimTime, Bytes>> rom_frames_;
  // Stub receiver: one buffer (esp-flasher-stub src/slip.c): while a frame is
  // held (complete or in error), every received byte is ignored.
  enum class RxState { no_frame, in_frame, escaping } rx_state_ = RxState::no_frame;
  Bytes rx_buf_;
  bool rx_complete_ = false, rx_error_ = false;
  SimTime rx_done_at_ = 0;
  std::uint64_t stub_rx_dropped_ = 0;

  std::map<std::uint32_t, std::uint32_t> regs_;
  // The ROM's reply value and the opcode of its last reply (ChipQuirks
  // rom_reply_value_is_stale); both start at 0 after a reset (UNVERIFIED).
  std::uint32_t rom_value_ = 0;
  std::uint8_t rom_last_op_ = 0;
  const FlashPowerGate* flash_gate_ = nullptr;  // this part's, if its flash starts unpowered
  // Whether the SPI flash pins are attached (the ROM's SPI_ATTACH, the
  // ESP8266 ROM's FLASH_BEGIN, the stub at start, or the ROM at boot where
  // ChipQuirks says so). Until then a raw SPI command reaches no device.
  bool flash_attached_ = false;
  SpiNorFlash spi_nor_;  // the flash's command side: status registers, SFDP
  Upload rom_mem_, rom_flash_;
  struct Inflater;
  std::unique_ptr<Inflater> inflater_;
  StubFlash stub_flash_;
  StubMem stub_mem_;
  std::uint16_t stub_deferred_ = 0;
  std::optional<ReadLoop> read_;
  SimTime wdt_fire_at_ = kNever;
  std::uint32_t self_resets_ = 0;
  SimTime self_reset_at_ = 0;
  std::uint32_t usb_disconnects_ = 0;
  SimTime usb_disconnect_at_ = 0;
  void note_usb_reset(SimTime at, bool system_reset);
};

}  // namespace espbak::sim
