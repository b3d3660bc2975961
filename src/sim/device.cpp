// espsim device model: the main loop over virtual time, the receive side
// (the ROM's queue of frames; the stub's single buffer is in
// device_stub.cpp), the UART output and flash timings. The command handling
// is in device_rom.cpp and device_stub.cpp, the stub's READ_FLASH loop in
// device_read_flash.cpp, the register image in device_chip.cpp.
// Behaviour sources (docs/espsim.md has the full list):
//  - protocol fact sheet (../shared/docs/protocol-facts.md) sections 1, 2, 4, 8;
//  - esp-flasher-stub src/command_handler.c, src/slip.c, src/main.c, src/commands.h;
//  - esptool loader.py / targets/esp8266.py / targets/esp32.py (what the host
//    decodes from the registers).
#include <algorithm>

#include "device_internal.hpp"

namespace espbak::sim {

FlashTimings FlashTimings::realistic() {
  FlashTimings t;
  // Winbond W25Q32FV datasheet, AC characteristics, typical values.
  t.sector_erase = 45 * kMs;           // tSE
  t.block_erase = 150 * kMs;           // tBE2 (64 KB)
  t.chip_erase_per_mb = 2500 * kMs;    // tCE 10 s for the 4 MB part
  t.page_program = 700'000;            // tPP 0.7 ms
  // Estimates (no datasheet figure): SPI read at 40 MHz DIO ~10 MB/s; MD5 of
  // flash ~1 MB/s in the ROM (CPU at XTAL speed), ~3 MB/s in the stub.
  t.read_per_kb = 100'000;
  t.rom_md5_per_mb = 1000 * kMs;
  t.stub_md5_per_mb = 330 * kMs;
  return t;
}

Device::Device(DeviceConfig config, FlashModel& flash)
    : cfg_(config), chip_(*config.chip), flash_(flash), rom_decoder_(0x10000 + 64, 0),
      inflater_(std::make_unique<Inflater>()) {
  reset(0);
}

Device::~Device() = default;

void Device::reset(SimTime now) {
  mode_ = Mode::rom;
  baud_ = cfg_.initial_baud;
  now_ = busy_until_ = tx_free_ = flash_busy_until_ = now;
  tx_.clear();
  rom_decoder_.reset();
  rom_frames_.clear();
  rx_state_ = RxState::no_frame;
  rx_buf_.clear();
  rx_complete_ = rx_error_ = false;
  stub_rx_dropped_ = 0;
  rom_mem_ = rom_flash_ = Upload{};
  rom_value_ = 0;
  rom_last_op_ = 0;
  stub_flash_ = StubFlash{};
  stub_mem_ = StubMem{};
  stub_deferred_ = 0;
  read_.reset();
  wdt_fire_at_ = kNever;
  inflater_->restart();
  flash_attached_ = chip_.quirks.rom_attaches_flash_at_boot;
  init_registers();
  // USB-Serial/JTAG: the RTC watchdog survives the USB reset (esptool
  // disable_watchdogs); it fires unless the host disables it. Only on chips
  // esptool disables it on (the row's jtag_watchdogs): what a chip esptool
  // leaves alone (ESP32-S31) does is not known, so nothing fires there.
  if (cfg_.download_path == DownloadPath::usb_jtag_serial && cfg_.usb_jtag_rtc_wdt > 0 && chip_.usb &&
      chip_.usb->jtag_watchdogs)
    wdt_fire_at_ = now + cfg_.usb_jtag_rtc_wdt;
}

bool usb_reenumerates(DownloadPath path, bool system_reset) {
  if (path == DownloadPath::usb_otg) return true;
  return path == DownloadPath::usb_jtag_serial && system_reset;
}

void Device::note_usb_reset(SimTime at, bool system_reset) {
  if (!usb_reenumerates(cfg_.download_path, system_reset)) return;
  ++usb_disconnects_;
  usb_disconnect_at_ = at;
}

void Device::external_reset(SimTime now) {
  reset(now);
  note_usb_reset(now, false);
}

bool Device::over_usb_otg_block_limit(std::size_t length) const {
  // The ROM's USB-OTG buffer (esptool USB_RAM_BLOCK 0x800, "Max block size
  // USB-OTG is used"); what the real ROM does with a larger block is
  // UNVERIFIED: espsim fails the block with an error status.
  return cfg_.download_path == DownloadPath::usb_otg && length > kUsbOtgBlockSize;
}

void Device::autobaud(std::uint32_t host_baud) {
  if (mode_ == Mode::rom && host_baud > 0) baud_ = host_baud;
}

SimTime Device::byte_time() const { return cfg_.uart_timing ? SimTime(10'000'000'000LL / baud_) : 0; }

// ---- flash -------------------------------------------------------------------

SimTime Device::erase_range(std::uint32_t offset, std::uint32_t len) {
  SimTime t = 0;
  std::uint64_t addr = offset, end = std::uint64_t(offset) + len;
  while (addr < end) {
    if (addr % kBlock == 0 && end - addr >= kBlock) {
      flash_.erase(std::uint32_t(addr), kBlock);
      addr += kBlock;
      t += cfg_.timings.block_erase;
    } else {
      flash_.erase(std::uint32_t(addr), kSector);
      addr += kSector;
      t += cfg_.timings.sector_erase;
    }
  }
  return t;
}

SimTime Device::program_time(std::uint32_t len) const {
  return SimTime((len + kPage - 1) / kPage) * cfg_.timings.page_program;
}

SimTime Device::md5_time(std::uint32_t len, bool stub) const {
  SimTime per_mb = stub ? cfg_.timings.stub_md5_per_mb : cfg_.timings.rom_md5_per_mb;
  return SimTime(double(per_mb) * len / double(1 << 20));
}

// ---- receive -----------------------------------------------------------------

void Device::rx(SimTime t, std::span<const std::uint8_t> bytes) {
  for (auto b : bytes) {
    advance(t);
    rx_byte(t, b);
  }
  advance(t);
}

void Device::rx_byte(SimTime t, std::uint8_t b) {
  if (mode_ == Mode::app) return;
  if (mode_ == Mode::rom) {
    std::vector<Bytes> frames;
    rom_decoder_.feed(std::span<const std::uint8_t>(&b, 1), frames);
    for (auto& f : frames) rom_frames_.emplace_back(t, std::move(f));
    return;
  }
  stub_rx_byte(t, b);
}

bool Device::frame_ready() const {
  if (mode_ == Mode::rom) return !rom_frames_.empty();
  if (mode_ == Mode::stub) return rx_complete_;
  return false;
}

// ---- main loop -----------------------------------------------------------------

void Device::advance(SimTime t) {
  for (;;) {
    SimTime at = std::max(now_, busy_until_);
    if (at <= t && at < wdt_fire_at_) {
      now_ = at;
      if (step()) continue;
    }
    // The watchdog does not wait for the CPU (nor for input).
    if (wdt_fire_at_ <= t) {
      now_ = std::max(now_, wdt_fire_at_);
      watchdog_fires();
      continue;
    }
    break;
  }
}

SimTime Device::next_event() const { return std::min(wdt_fire_at_, next_loop_event()); }

SimTime Device::next_loop_event() const {
  if (mode_ == Mode::app) return kNever;
  SimTime at = std::max(now_, busy_until_);
  if (read_) {
    const ReadLoop& r = *read_;
    bool can_send = r.remaining > 0 && r.sent - r.acked < 1;
    bool done = !(r.remaining > 0 || r.acked_bytes < r.req.length);
    if (rx_complete_) return std::max(at, rx_done_at_);
    return (can_send || done) ? at : kNever;
  }
  if (mode_ == Mode::rom) return rom_frames_.empty() ? kNever : std::max(at, rom_frames_.front().first);
  if (rx_error_) return at;
  if (rx_complete_) return std::max(at, rx_done_at_);
  return kNever;
}

bool Device::step() {
  if (mode_ == Mode::app) return false;
  if (read_) return read_loop_step();
  if (mode_ == Mode::rom) {
    if (rom_frames_.empty()) return false;
    auto [t, frame] = std::move(rom_frames_.front());
    rom_frames_.pop_front();
    now_ = std::max(now_, t);
    handle_rom(frame);
    return true;
  }
  if (rx_error_) {  // src/main.c: a frame error is simply cleared
    rearm_stub_receiver();
    return true;
  }
  if (!rx_complete_) return false;
  now_ = std::max(now_, rx_done_at_);
  Bytes frame = std::move(rx_buf_);
  // Re-armed when the main loop takes the frame, so the next command can
  // arrive while this one (and its post-ACK flash write) runs. See
  // docs/espsim.md "stub receive buffer" for why this point was chosen.
  rearm_stub_receiver();
  handle_stub(frame);
  return true;
}

std::vector<TxChunk> Device::take_tx() {
  std::vector<TxChunk> out;
  out.swap(tx_);
  return out;
}

// ---- output --------------------------------------------------------------------

void Device::send_raw_frame(std::span<const std::uint8_t> payload) {
  TxChunk c;
  c.bytes = slip::encode(payload);
  c.byte_time = byte_time();
  c.baud = baud_;
  c.start = std::max(now_, tx_free_);
  tx_free_ = c.start + SimTime(c.bytes.size()) * c.byte_time;
  // The CPU blocks in tx_one_char until the rest fits in the FIFO.
  busy_until_ = std::max({busy_until_, now_, tx_free_ - kTxFifoBytes * c.byte_time});
  tx_.push_back(std::move(c));
}

void Device::send_frame(std::span<const std::uint8_t> payload) { send_raw_frame(payload); }

void Device::rom_reply(std::uint8_t op, std::uint32_t value, std::span<const std::uint8_t> data,
                       std::uint8_t error) {
  cmd::RomReply reply{op, value, Bytes(data.begin(), data.end()), cmd::RomStatus::from_code(error)};
  send_frame(reply.encode(chip_.rom_status_len));
}

void Device::stub_reply(std::uint8_t op, std::uint32_t value, std::span<const std::uint8_t> data,
                        std::uint16_t status) {
  // Status big-endian (command_handler.c s_send_response).
  cmd::StubReply reply{op, value, Bytes(data.begin(), data.end()), cmd::StubStatus{status}};
  send_frame(reply.encode());
}

void Device::set_baud_after_tx(std::uint32_t baud) {
  // The reply has its timing fixed already; later bytes use the new rate.
  if (baud > 0) baud_ = baud;
}


}  // namespace espbak::sim
