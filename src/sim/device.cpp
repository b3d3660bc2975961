// espsim device model. Behaviour sources (docs/espsim.md has the full list):
//  - protocol fact sheet (../shared/docs/protocol-facts.md) sections 1, 2, 4, 8;
//  - esp-flasher-stub src/command_handler.c, src/slip.c, src/main.c, src/commands.h;
//  - esptool loader.py / targets/esp8266.py / targets/esp32.py (what the host
//    decodes from the registers below).
#include "espbak/sim/device.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace espbak::sim {

namespace {

constexpr std::uint32_t kSector = 0x1000;
constexpr std::uint32_t kBlock = 0x10000;
constexpr std::uint32_t kPage = 0x100;
// Both chips' UART TX FIFO holds 128 bytes: the CPU is free once the rest of
// a frame has been pushed into it (ESP32 / ESP8266 technical reference manuals).
constexpr SimTime kTxFifoBytes = 128;
// esp-flasher-stub: MAX_COMMAND_SIZE of its receive buffer. The exact figure is
// not in the sources we read; it must hold a 0x4000-byte block plus headers.
constexpr std::size_t kStubMaxCommand = 0x4000 + 0x400;
// esp-flasher-stub READ_FLASH: packet_size limit (data[4102] minus 6).
constexpr std::uint32_t kStubMaxReadPacket = 4096;
// tinfl dictionary the stub decompresses into before writing (TINFL_LZ_DICT_SIZE).
constexpr std::size_t kStubInflateBuffer = 32768;

// esp-flasher-stub src/commands.h: 16-bit response codes, sent big-endian,
// i.e. the stub_error byte of protocol/opcodes.hpp followed by 0.
namespace code {
constexpr std::uint16_t from(std::uint8_t stub_error_byte) { return std::uint16_t(stub_error_byte << 8); }
constexpr std::uint16_t ok = 0x0000;
constexpr std::uint16_t bad_data_len = from(stub_error::bad_data_len);
constexpr std::uint16_t bad_data_checksum = from(stub_error::bad_data_checksum);
constexpr std::uint16_t invalid_command = from(stub_error::invalid_command);
constexpr std::uint16_t failed_spi_op = from(stub_error::failed_spi_op);
constexpr std::uint16_t not_in_flash_mode = from(stub_error::not_in_flash_mode);
constexpr std::uint16_t inflate_error = from(stub_error::inflate_error);
constexpr std::uint16_t not_enough_data = from(stub_error::not_enough_data);
constexpr std::uint16_t too_much_data = from(stub_error::too_much_data);
constexpr std::uint16_t not_implemented = from(stub_error::cmd_not_implemented);
}  // namespace code

// Secure Download Mode: the ROM commands still served. Sources: esptool
// test/test_esptool_sdm.py and cmds.py (write_flash with FLASH_BEGIN/DATA,
// erase_region via FLASH_BEGIN, SPI_ATTACH "Enabling default SPI flash mode",
// get_security_info; READ_REG 0x0a and READ_FLASH_SLOW 0x0e answered
// "unsupported"), esptool issue #810 (an S3 in the mode changes baud rate),
// ESP32-P4 errata ROM-770 ("the ROM rejects register read/write commands"),
// esp-hal ENABLE_SECURITY_DOWNLOAD ("Reading/writing RAM or registers is not
// supported"). UNVERIFIED, chosen strictly: SPI_FLASH_MD5 and FLASH_DEFL_*
// refused (esptool never sends them in the mode); SPI_SET_PARAMS served
// (esptool sends it there when given a flash size).
bool allowed_in_secure_download_mode(std::uint8_t op) {
  switch (static_cast<Op>(op)) {
    case Op::sync:
    case Op::spi_attach:
    case Op::spi_set_params:
    case Op::flash_begin:
    case Op::flash_data:
    case Op::flash_end:
    case Op::change_baudrate:
    case Op::get_security_info:
      return true;
    default:
      return false;
  }
}

std::uint32_t align_down(std::uint32_t v, std::uint32_t a) { return v / a * a; }
std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

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

std::array<std::uint8_t, 6> default_mac(ChipId id) { return chip(id).sim.default_mac; }

bool mac_encodable(ChipId id, const std::array<std::uint8_t, 6>& mac) {
  std::map<std::uint32_t, std::uint32_t> scratch;
  FieldWriter w(scratch);
  return chip(id).sim.encode_mac(mac, w);
}

// zlib stream used by FLASH_DEFL_* (ROM and stub).
struct Device::Inflater {
  z_stream zs{};
  bool ok = false;
  std::vector<std::uint8_t> out;  // stub: the tinfl dictionary buffer
  std::size_t fill = 0;
  Inflater() { ok = inflateInit(&zs) == Z_OK; }
  ~Inflater() { inflateEnd(&zs); }
  void restart() {
    inflateReset(&zs);
    fill = 0;
    out.assign(kStubInflateBuffer, 0);
  }
};

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
  stub_flash_ = StubFlash{};
  stub_mem_ = StubMem{};
  stub_deferred_ = 0;
  read_.reset();
  inflater_->restart();
  init_registers();
}

SimTime Device::byte_time() const { return cfg_.uart_timing ? SimTime(10'000'000'000LL / baud_) : 0; }

// ---- registers ---------------------------------------------------------------

void Device::init_registers() {
  // The register image esptool reads, encoded from the chip file's fields:
  // the detection magic, the configured MAC, and the package / revision /
  // calibration values the chip file chose for the simulated part.
  regs_.clear();
  regs_[kChipDetectMagicReg] = chip_.magic_values.front();
  FieldWriter w(regs_);
  chip_.sim.encode_mac(cfg_.mac, w);
  for (const auto& fv : chip_.sim.power_on_fields) w.set(fv.field, fv.value);
}

std::uint32_t Device::read_register(std::uint32_t addr) const {
  if (addr == chip_.crystal.uart_clkdiv_reg) {
    // The ROM programs CLKDIV = UART clock / baud; esptool estimates the
    // crystal as baud * CLKDIV / 1e6 / divider.
    std::uint64_t div = (std::uint64_t(chip_.sim.xtal_hz) * chip_.crystal.clk_divider + baud_ / 2) / baud_;
    return std::uint32_t(div & 0xFFFFF);
  }
  auto it = regs_.find(addr);
  return it == regs_.end() ? 0 : it->second;
}

void Device::write_register(std::uint32_t addr, std::uint32_t value, std::uint32_t mask) {
  std::uint32_t v = value & mask;
  if (mask != 0xFFFFFFFF) v |= read_register(addr) & ~mask;
  regs_[addr] = v;
  const SpiRegs& spi = chip_.spi;
  if (addr == spi.cmd() && (v & kSpiCmdUsr)) {
    // Execute the SPI user command the host set up (esptool
    // run_spiflash_command): command byte in USR2 bits 0-7; read length from
    // MISO_DLEN, or on the ESP8266 from USR1 bits 8-16.
    std::uint8_t command = std::uint8_t(read_register(spi.base + spi.usr2) & 0xFF);
    std::uint32_t miso_bits = spi.miso_dlen ? (read_register(spi.base + spi.miso_dlen) & 0xFFFFFF) + 1
                                            : ((read_register(spi.base + spi.usr1) >> 8) & 0x1FF) + 1;
    std::uint32_t result = command == kSpiFlashRdid ? cfg_.jedec_id : 0;
    if (miso_bits < 32) result &= (1u << miso_bits) - 1;
    regs_[spi.base + spi.w0] = result;
    regs_[addr] = v & ~kSpiCmdUsr;  // done: the host's poll of bit 18 ends
  }
}

// WRITE_REG payload: 16-byte entries (addr, value, mask, delay_us). Returns 0
// or a "bad length" marker (1).
std::uint8_t Device::write_regs(std::span<const std::uint8_t> data, bool) {
  if (data.empty() || data.size() % 16 != 0) return 1;
  for (std::size_t i = 0; i < data.size(); i += 16) {
    std::uint32_t delay_us = get_u32(data, i + 12);
    now_ += SimTime(delay_us) * 1000 * (cfg_.uart_timing ? 1 : 0);
    write_register(get_u32(data, i), get_u32(data, i + 4), get_u32(data, i + 8));
  }
  return 0;
}

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
  // Stub: esp-flasher-stub src/slip.c (single receive buffer). While a frame
  // is held, or the buffer is in error, bytes are ignored.
  if (rx_complete_ || rx_error_) {
    ++stub_rx_dropped_;
    return;
  }
  auto put = [&](std::uint8_t v) {
    if (rx_buf_.size() < kStubMaxCommand) {
      rx_buf_.push_back(v);
    } else {
      rx_error_ = true;
      rx_state_ = RxState::no_frame;
    }
  };
  switch (rx_state_) {
    case RxState::no_frame:
      if (b == slip::kEnd) {
        rx_state_ = RxState::in_frame;
        rx_buf_.clear();
      }
      break;
    case RxState::in_frame:
      if (b == slip::kEnd) {
        if (!rx_buf_.empty()) {
          rx_complete_ = true;
          rx_done_at_ = t;
        }
        rx_state_ = RxState::no_frame;
      } else if (b == slip::kEsc) {
        rx_state_ = RxState::escaping;
      } else {
        put(b);
      }
      break;
    case RxState::escaping:
      rx_state_ = RxState::in_frame;
      if (b == slip::kEscEnd) put(slip::kEnd);
      else if (b == slip::kEscEsc) put(slip::kEsc);
      else {
        rx_error_ = true;
        rx_state_ = RxState::no_frame;
      }
      break;
  }
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
    if (at > t) break;
    now_ = at;
    if (!step()) break;
  }
}

SimTime Device::next_event() const {
  if (mode_ == Mode::app) return kNever;
  SimTime at = std::max(now_, busy_until_);
  if (read_) {
    const ReadLoop& r = *read_;
    bool can_send = r.remaining > 0 && r.sent - r.acked < 1;
    bool done = !(r.remaining > 0 || r.acked_bytes < r.length);
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
    rx_error_ = false;
    rx_state_ = RxState::no_frame;
    rx_buf_.clear();
    return true;
  }
  if (!rx_complete_) return false;
  now_ = std::max(now_, rx_done_at_);
  Bytes frame = std::move(rx_buf_);
  // Re-armed when the main loop takes the frame, so the next command can
  // arrive while this one (and its post-ACK flash write) runs. See
  // docs/espsim.md "stub receive buffer" for why this point was chosen.
  rx_buf_.clear();
  rx_complete_ = false;
  rx_state_ = RxState::no_frame;
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
  c.start = std::max(now_, tx_free_);
  tx_free_ = c.start + SimTime(c.bytes.size()) * c.byte_time;
  // The CPU blocks in tx_one_char until the rest fits in the FIFO.
  busy_until_ = std::max({busy_until_, now_, tx_free_ - kTxFifoBytes * c.byte_time});
  tx_.push_back(std::move(c));
}

void Device::send_frame(std::span<const std::uint8_t> payload) { send_raw_frame(payload); }

void Device::rom_reply(std::uint8_t op, std::uint32_t value, std::span<const std::uint8_t> data,
                       std::uint8_t error) {
  Bytes body(data.begin(), data.end());
  Bytes status(chip_.rom_status_len, 0);
  if (error) {
    status[0] = 1;
    status[1] = error;
  }
  body.insert(body.end(), status.begin(), status.end());
  send_frame(encode_response(op, value, body));
}

void Device::stub_reply(std::uint8_t op, std::uint32_t value, std::span<const std::uint8_t> data,
                        std::uint16_t status) {
  Bytes body(data.begin(), data.end());
  body.push_back(std::uint8_t(status >> 8));  // big-endian (command_handler.c s_send_response)
  body.push_back(std::uint8_t(status));
  send_frame(encode_response(op, value, body));
}

void Device::set_baud_after_tx(std::uint32_t baud) {
  // The reply has its timing fixed already; later bytes use the new rate.
  if (baud > 0) baud_ = baud;
}

// ---- ROM -------------------------------------------------------------------------

std::uint8_t Device::rom_flash_data(const Command& c, bool compressed) {
  Upload& u = rom_flash_;
  if (c.data.size() < 16) return rom_error::invalid_param;
  std::uint32_t len = get_u32(c.data, 0), seq = get_u32(c.data, 4);
  std::span<const std::uint8_t> payload(c.data.begin() + 16, c.data.end());
  if (len != payload.size()) return rom_error::invalid_param;
  if (checksum(payload) != (c.checksum & 0xFF) || (c.checksum >> 8) != 0) return rom_error::bad_checksum;
  if (!u.active || u.compressed != compressed) return rom_error::invalid_param;
  if (seq != u.next_seq) return rom_error::invalid_param;
  ++u.next_seq;
  if (!compressed) {
    // The ROM writes the whole block it received (the host pads with 0xFF).
    flash_.program(u.offset + u.written, payload);
    now_ += program_time(len);
    u.written += len;
    return 0;
  }
  Inflater& inf = *inflater_;
  Bytes out(0x10000);
  inf.zs.next_in = const_cast<std::uint8_t*>(payload.data());
  inf.zs.avail_in = std::uint32_t(payload.size());
  for (;;) {
    inf.zs.next_out = out.data();
    inf.zs.avail_out = std::uint32_t(out.size());
    int r = inflate(&inf.zs, Z_NO_FLUSH);
    std::uint32_t produced = std::uint32_t(out.size() - inf.zs.avail_out);
    if (produced) {
      flash_.program(u.offset + u.written, std::span<const std::uint8_t>(out.data(), produced));
      now_ += program_time(produced);
      u.written += produced;
    }
    if (r == Z_STREAM_END) break;
    if (r != Z_OK && r != Z_BUF_ERROR) return rom_error::deflate;
    if (inf.zs.avail_in == 0 && inf.zs.avail_out != 0) break;
    if (r == Z_BUF_ERROR) break;
  }
  return 0;
}

void Device::handle_rom(const Bytes& frame) {
  std::uint8_t op = frame.size() > 1 ? frame[1] : 0;
  auto cmd = decode_command(frame);
  if (!cmd) {
    // Wrong direction byte, short frame or length field mismatch: the ROM's
    // "received message is invalid" status.
    rom_reply(op, 0, {}, rom_error::invalid_message);
    return;
  }
  const Bytes& d = cmd->data;
  auto unsupported = [&] {
    // The ROM repeats its "invalid message" reply for a command it does not
    // know (esptool drains 8 x 14 bytes after one; esptool-js readPacket).
    // Its opcode byte is NOT the request's: esptool (loader.py command()) and
    // esptool-js (readPacket) recognise "unsupported" only in a reply whose
    // opcode differs from the request, and esptool's detect_chip relies on
    // that to fall back from GET_SECURITY_INFO on real ESP8266/ESP32 ROMs.
    // Which opcode the ROM puts there is unverified (protocol-facts 1.4);
    // 0x00, an opcode no command uses, is our assumption.
    constexpr std::uint8_t kUnsupportedReplyOp = 0x00;
    for (int i = 0; i < 8; ++i) rom_reply(kUnsupportedReplyOp, 0, {}, rom_error::invalid_message);
  };
  auto reply = [&](std::uint8_t err, std::uint32_t value = 0, std::span<const std::uint8_t> data = {}) {
    rom_reply(op, value, err ? std::span<const std::uint8_t>{} : data, err);
  };
  const RomAbilities& can = chip_.rom;
  if (cfg_.secure_download_mode && !allowed_in_secure_download_mode(op)) return unsupported();

  switch (static_cast<Op>(op)) {
    case Op::sync:
      if (d.size() != 36) return reply(rom_error::invalid_message);
      // 8 identical replies; value = first payload word (ESP32 trace 0x20120707).
      for (int i = 0; i < 8; ++i) rom_reply(op, get_u32(d, 0), {}, 0);
      return;
    case Op::read_reg:
      if (d.size() != 4) return reply(rom_error::invalid_param);
      return reply(0, read_register(get_u32(d, 0)));
    case Op::write_reg:
      return reply(write_regs(d, false) ? rom_error::invalid_param : 0);
    case Op::spi_attach:
      if (!can.spi_attach) return unsupported();
      return reply(d.size() == 8 || d.size() == 4 ? 0 : rom_error::invalid_param);
    case Op::spi_set_params:
      if (!can.spi_set_params) return unsupported();
      return reply(d.size() == 24 ? 0 : rom_error::invalid_param);
    case Op::mem_begin:
      if (d.size() != 16) return reply(rom_error::invalid_param);
      rom_mem_ = Upload{true, get_u32(d, 0), get_u32(d, 4), get_u32(d, 8), get_u32(d, 12), 0, 0, false};
      return reply(0);
    case Op::mem_data: {
      if (d.size() < 16) return reply(rom_error::invalid_param);
      std::uint32_t len = get_u32(d, 0), seq = get_u32(d, 4);
      std::span<const std::uint8_t> payload(d.begin() + 16, d.end());
      if (len != payload.size()) return reply(rom_error::invalid_param);
      if (checksum(payload) != (cmd->checksum & 0xFF)) return reply(rom_error::bad_checksum);
      if (!rom_mem_.active || seq != rom_mem_.next_seq) return reply(rom_error::invalid_param);
      if (rom_mem_.written + len > rom_mem_.size) return reply(0x0E);  // invalid RAM binary size
      ++rom_mem_.next_seq;
      rom_mem_.written += len;
      return reply(0);
    }
    case Op::mem_end: {
      if (d.size() != 8) return reply(rom_error::invalid_param);
      std::uint32_t flag = get_u32(d, 0);
      reply(0);
      rom_mem_ = Upload{};
      if (flag == 0) {
        // Jump to the entry point: whatever was uploaded, the stub starts and
        // greets the host with a raw "OHAI" frame.
        mode_ = Mode::stub;
        rom_frames_.clear();
        rom_decoder_.reset();
        static const std::uint8_t ohai[] = {'O', 'H', 'A', 'I'};
        send_raw_frame(ohai);
      }
      return;
    }
    case Op::flash_begin:
    case Op::flash_defl_begin: {
      bool compressed = op == std::uint8_t(Op::flash_defl_begin);
      if (compressed && !can.deflate) return unsupported();
      if (d.size() != 16 && d.size() != 20) return reply(rom_error::invalid_param);
      std::uint32_t size = get_u32(d, 0), offset = get_u32(d, 12);
      rom_flash_ = Upload{true, size, get_u32(d, 4), get_u32(d, 8), offset, 0, 0, compressed};
      if (compressed) inflater_->restart();
      std::uint32_t sectors = (size + kSector - 1) / kSector;
      if (chip_.quirks.rom_erase_size_bug && sectors) {
        // ESP8266 ROM SPIEraseArea (esptool issue #33): when the range crosses
        // a 64 KB block boundary it erases `head` extra sectors, else the
        // sector count twice over. esptool's get_erase_size undoes this.
        std::uint32_t start = offset / kSector;
        std::uint32_t head = 16 - start % 16;
        sectors = sectors > head ? sectors + head : 2 * sectors;
      }
      now_ += erase_range(align_down(offset, kSector), sectors * kSector);
      return reply(0);
    }
    case Op::flash_data:
      return reply(rom_flash_data(*cmd, false));
    case Op::flash_defl_data:
      if (!can.deflate) return unsupported();
      return reply(rom_flash_data(*cmd, true));
    case Op::flash_end:
    case Op::flash_defl_end:
      if (op == std::uint8_t(Op::flash_defl_end) && !can.deflate) return unsupported();
      if (d.size() != 4) return reply(rom_error::invalid_param);
      reply(0);
      // Flag 1 runs the application, flag 0 reboots; either way the loader
      // is gone until the next connection.
      mode_ = Mode::app;
      return;
    case Op::read_flash_slow: {
      if (!can.read_flash_slow) return unsupported();
      if (d.size() != 8) return reply(rom_error::invalid_param);
      std::uint32_t offset = get_u32(d, 0), len = get_u32(d, 4);
      if (len > 64) return reply(rom_error::flash_read_length);
      Bytes block(64, 0);  // always 64 bytes; only `len` are meaningful
      auto data = flash_.read(offset, len);
      std::copy(data.begin(), data.end(), block.begin());
      now_ += cfg_.timings.read_per_kb * 64 / 1024;
      return reply(0, 0, block);
    }
    case Op::spi_flash_md5: {
      if (!can.flash_md5) return unsupported();
      if (d.size() != 16) return reply(rom_error::invalid_param);
      std::uint32_t addr = get_u32(d, 0), size = get_u32(d, 4);
      // The ROM's SPI read refuses a range past the flash (chip_size check);
      // the status code is UNVERIFIED. Found by tests/fuzz/fuzz_device: a
      // size near 4 GB made espsim allocate it.
      if (std::uint64_t(addr) + size > flash_.size()) return reply(rom_error::flash_read);
      auto digest = Md5::of(flash_.read(addr, size));
      std::string hex = to_hex(digest);  // the ROM answers 32 ASCII hex digits
      now_ += md5_time(size, false);
      return reply(0, 0, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(hex.data()), hex.size()));
    }
    case Op::change_baudrate:
      if (!can.change_baud) return unsupported();
      if (d.size() != 8) return reply(rom_error::invalid_param);
      reply(0);  // at the old rate, then switch
      set_baud_after_tx(get_u32(d, 0));
      return;
    case Op::get_security_info: {
      if (!can.security_info) return unsupported();
      if (!d.empty()) return reply(rom_error::invalid_param);
      Bytes info = security_info_reply();
      return reply(0, 0, info);
    }
    default:
      return unsupported();
  }
}

Bytes Device::security_info_reply() const {
  // Fact sheet 2.1 (S3 and later, 20 bytes): u32 flags, u8 flash_crypt_cnt,
  // 7 x u8 key purposes, u32 chip id, u32 API version. Flags: only
  // SECURE_DOWNLOAD_ENABLE (bit 2) when the mode is on; no secure boot, no
  // flash encryption, key purposes all 0 (unused). The API version the
  // real S3 ROM reports is UNVERIFIED: 0 here.
  Bytes out;
  put_u32(out, cfg_.secure_download_mode ? 1u << 2 : 0u);
  out.insert(out.end(), 8, 0);
  put_u32(out, chip_.security_chip_id.value_or(0));
  put_u32(out, 0);
  return out;
}

// ---- stub ------------------------------------------------------------------------

void Device::stub_flash_wait() {
  now_ = std::max(now_, flash_busy_until_);
}

std::uint16_t Device::stub_write(std::span<const std::uint8_t> data) {
  StubFlash& s = stub_flash_;
  std::uint32_t len = std::uint32_t(data.size());
  // s_ensure_flash_erased_to: erase (one 64 KB block when aligned and enough
  // is left, else one sector at a time) until the write's end is erased.
  std::uint64_t target = std::uint64_t(s.offset) + len;
  while (s.erase_next < target && s.erase_next < s.erase_end) {
    stub_flash_wait();
    std::uint32_t unit = (s.erase_next % kBlock == 0 && s.erase_end - s.erase_next >= kBlock) ? kBlock : kSector;
    flash_busy_until_ = now_ + erase_range(s.erase_next, unit);
    s.erase_next += unit;
  }
  stub_flash_wait();
  flash_.program(s.offset, data);
  now_ += program_time(len);
  flash_busy_until_ = now_;
  s.remaining -= len;  // uint32 like the stub's total_remaining
  s.offset += len;
  return code::ok;
}

std::uint16_t Device::stub_inflate(std::span<const std::uint8_t> data, bool first) {
  Inflater& inf = *inflater_;
  StubFlash& s = stub_flash_;
  if (first) inf.restart();
  inf.zs.next_in = const_cast<std::uint8_t*>(data.data());
  inf.zs.avail_in = std::uint32_t(data.size());
  while (inf.zs.avail_in > 0) {
    // Opportunistic erase while decompressing (starts one erase if idle).
    if (flash_busy_until_ <= now_ && s.erase_next < s.erase_end) {
      std::uint32_t unit = (s.erase_next % kBlock == 0 && s.erase_end - s.erase_next >= kBlock) ? kBlock : kSector;
      flash_busy_until_ = now_ + erase_range(s.erase_next, unit);
      s.erase_next += unit;
    }
    inf.zs.next_out = inf.out.data() + inf.fill;
    inf.zs.avail_out = std::uint32_t(inf.out.size() - inf.fill);
    std::uint32_t before_in = inf.zs.avail_in;
    int r = inflate(&inf.zs, Z_NO_FLUSH);
    inf.fill = inf.out.size() - inf.zs.avail_out;
    s.compressed_remaining -= before_in - inf.zs.avail_in;
    if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) return code::inflate_error;
    // The stub writes when its dictionary buffer is full or the stream ends.
    if (r == Z_STREAM_END || inf.fill == inf.out.size()) {
      std::uint16_t w = stub_write(std::span<const std::uint8_t>(inf.out.data(), inf.fill));
      inf.fill = 0;
      if (w) return w;
    }
    if (r == Z_STREAM_END) break;
    if (r == Z_BUF_ERROR && inf.zs.avail_in == before_in) break;
  }
  return code::ok;
}

void Device::handle_stub(const Bytes& frame) {
  std::uint8_t op = frame.size() > 1 ? frame[1] : 0;
  if (frame.size() < 8) return stub_reply(op, 0, {}, code::bad_data_len);
  if (frame[0] != 0) return stub_reply(op, 0, {}, code::invalid_command);
  std::uint16_t size = get_u16(frame, 2);
  if (frame.size() != 8u + size) return stub_reply(op, 0, {}, code::bad_data_len);
  if (stub_deferred_) {
    // An error from the previous command's post-ACK work answers this one,
    // which is not executed.
    std::uint16_t c = stub_deferred_;
    stub_deferred_ = 0;
    return stub_reply(op, 0, {}, c);
  }
  std::uint32_t chk = get_u32(frame, 4);
  std::span<const std::uint8_t> d(frame.begin() + 8, frame.end());

  std::uint16_t result = code::ok;
  std::uint32_t value = 0;
  Bytes data;
  enum class Post { none, write, inflate, mem_end, baud, read_flash } post = Post::none;

  switch (static_cast<Op>(op)) {
    case Op::sync:
      if (size != 36) { result = code::bad_data_len; break; }
      // Eight replies with value 0 (7 here + the normal one); esptool takes
      // value 0 as "a stub is already running".
      for (int i = 0; i < 7; ++i) stub_reply(op, 0, {}, code::ok);
      break;
    case Op::flash_begin:
    case Op::flash_defl_begin: {
      if (size != 16 && size != 20) { result = code::bad_data_len; break; }
      StubFlash& s = stub_flash_;
      s = StubFlash{};
      s.remaining = get_u32(d, 0);
      s.offset = get_u32(d, 12);
      s.in_progress = true;
      s.compressed = op == std::uint8_t(Op::flash_defl_begin);
      if (s.compressed) {
        s.compressed_remaining = get_u32(d, 4) * get_u32(d, 8);
        inflater_->restart();
      }
      s.erase_next = align_down(s.offset, kSector);
      s.erase_end = std::uint32_t(std::min<std::uint64_t>(align_up(std::uint64_t(s.offset) + s.remaining, kSector),
                                                          0xFFFFF000u));
      // Start the first erase without waiting for it (unless the flash is busy).
      if (flash_busy_until_ <= now_ && s.erase_next < s.erase_end) {
        std::uint32_t unit = (s.erase_next % kBlock == 0 && s.erase_end - s.erase_next >= kBlock) ? kBlock : kSector;
        flash_busy_until_ = now_ + erase_range(s.erase_next, unit);
        s.erase_next += unit;
      }
      break;
    }
    case Op::flash_data: {
      if (size < 16) { result = code::not_enough_data; break; }
      if (!stub_flash_.in_progress) { result = code::not_in_flash_mode; break; }
      std::uint32_t len = get_u32(d, 0);
      auto payload = d.subspan(16);
      if (len != payload.size()) { result = code::too_much_data; break; }
      if (checksum(payload) != chk) { result = code::bad_data_checksum; break; }
      post = Post::write;
      break;
    }
    case Op::flash_defl_data: {
      if (size < 16) { result = code::bad_data_len; break; }
      if (!stub_flash_.in_progress) { result = code::not_in_flash_mode; break; }
      if (stub_flash_.remaining == 0 && size > 4) { result = code::too_much_data; break; }
      std::uint32_t len = std::min<std::uint32_t>(get_u32(d, 0), std::uint32_t(d.size() - 16));
      if (checksum(d.subspan(16, len)) != chk) { result = code::bad_data_checksum; break; }
      post = Post::inflate;
      break;
    }
    case Op::flash_end:
    case Op::flash_defl_end:
      if (size != 4) { result = code::bad_data_len; break; }
      if (!stub_flash_.in_progress) { result = code::not_in_flash_mode; break; }
      if (stub_flash_.remaining != 0) { result = code::bad_data_len; break; }
      stub_flash_ = StubFlash{};
      // The reboot flag is a TODO in the stub: it stays in the loader.
      break;
    case Op::mem_begin:
      if (size != 16) { result = code::bad_data_len; break; }
      stub_mem_ = StubMem{true, get_u32(d, 0)};
      break;
    case Op::mem_data: {
      if (size < 16) { result = code::not_enough_data; break; }
      if (!stub_mem_.in_progress) { result = code::not_in_flash_mode; break; }
      std::uint32_t len = get_u32(d, 0);
      if (stub_mem_.remaining < len) { result = code::too_much_data; break; }
      if (len != d.size() - 16) { result = code::too_much_data; break; }
      stub_mem_.remaining -= len;  // the stub does not check MEM_DATA checksums
      break;
    }
    case Op::mem_end:
      if (size != 8) { result = code::bad_data_len; break; }
      if (!stub_mem_.in_progress) { result = code::not_in_flash_mode; break; }
      stub_mem_ = StubMem{};
      post = Post::mem_end;
      break;
    case Op::write_reg:
      if (write_regs(d, true)) result = code::not_enough_data;
      break;
    case Op::read_reg:
      if (size != 4) { result = code::bad_data_len; break; }
      value = read_register(get_u32(d, 0));
      break;
    case Op::spi_attach:
      if (size != 4) result = code::bad_data_len;
      break;
    case Op::spi_set_params:
      if (size != 24) result = code::bad_data_len;
      break;
    case Op::change_baudrate:
      if (size != 8) { result = code::bad_data_len; break; }
      post = Post::baud;
      break;
    case Op::spi_flash_md5: {
      if (size != 16) { result = code::bad_data_len; break; }
      std::uint32_t addr = get_u32(d, 0), len = get_u32(d, 4);
      // As the ROM: no MD5 of a range past the flash (status UNVERIFIED;
      // see the ROM case, found by tests/fuzz/fuzz_device).
      if (std::uint64_t(addr) + len > flash_.size()) { result = code::failed_spi_op; break; }
      auto digest = Md5::of(flash_.read(addr, len));
      now_ += md5_time(len, true);
      data.assign(digest.begin(), digest.end());
      break;
    }
    case Op::get_security_info:
      // ESP8266 / ESP32 have no security info: stub_lib reports "not
      // supported", answered as "command not implemented". Later chips: the
      // stub answers from the ROM's function, as the ROM does.
      if (size != 0) result = code::bad_data_len;
      else if (!chip_.rom.security_info) result = code::not_implemented;
      else data = security_info_reply();
      break;
    case Op::read_flash:
      if (size != 16) { result = code::bad_data_len; break; }
      post = Post::read_flash;
      break;
    case Op::erase_flash:
      flash_.erase_all();
      now_ += SimTime(double(cfg_.timings.chip_erase_per_mb) * flash_.size() / double(1 << 20));
      break;
    case Op::erase_region: {
      if (size != 8) { result = code::bad_data_len; break; }
      std::uint32_t addr = get_u32(d, 0), len = get_u32(d, 4);
      if (addr % kSector || len % kSector) { result = code::bad_data_len; break; }
      now_ += erase_range(addr, len);
      break;
    }
    case Op::run_user_code:
      mode_ = Mode::app;  // no response
      return;
    default:
      result = code::invalid_command;
      break;
  }

  if (result != code::ok) {
    stub_reply(op, 0, {}, result);
    return;
  }
  stub_reply(op, value, data, code::ok);

  // Post-process: after the reply has been handed to the UART.
  now_ = std::max(now_, busy_until_);
  std::uint16_t deferred = code::ok;
  switch (post) {
    case Post::none: break;
    case Post::write: {
      auto payload = d.subspan(16);
      std::uint32_t n = std::min<std::uint32_t>(std::uint32_t(payload.size()), stub_flash_.remaining);
      deferred = stub_write(payload.subspan(0, n));
      break;
    }
    case Post::inflate: {
      std::uint32_t len = std::min<std::uint32_t>(get_u32(d, 0), std::uint32_t(d.size() - 16));
      deferred = stub_inflate(d.subspan(16, len), get_u32(d, 4) == 0);
      break;
    }
    case Post::mem_end:
      if (get_u32(d, 0) == 0) mode_ = Mode::app;  // jumps to the uploaded code
      break;
    case Post::baud:
      set_baud_after_tx(get_u32(d, 0));
      break;
    case Post::read_flash: {
      std::uint32_t packet = get_u32(d, 8);
      if (packet > kStubMaxReadPacket) {
        deferred = code::bad_data_len;  // reported on the next command
        break;
      }
      // slip_recv_reset() first: a frame already held is dropped.
      rx_buf_.clear();
      rx_complete_ = rx_error_ = false;
      rx_state_ = RxState::no_frame;
      ReadLoop r;
      r.offset = get_u32(d, 0);
      r.length = r.remaining = get_u32(d, 4);
      r.packet = packet;
      read_ = std::move(r);
      break;
    }
  }
  stub_deferred_ = deferred;
  busy_until_ = std::max(busy_until_, now_);
}

// One pass of the stub's READ_FLASH loop (command_handler.c
// s_read_flash_post_process): max_in_flight from the host is ignored, one
// unacknowledged packet, acknowledgements counted as frames with uint32
// counters (an early ACK wraps sent - acked and sending stops for good).
bool Device::read_loop_step() {
  ReadLoop& r = *read_;
  bool did = false;
  auto finish = [&] {
    auto digest = r.md5.finish();
    send_raw_frame(digest);
    read_.reset();
    // main.c resets the receiver after handle_command returns: a frame held
    // now (e.g. the non-ACK frame that ended the loop) is dropped.
    rx_buf_.clear();
    rx_complete_ = rx_error_ = false;
    rx_state_ = RxState::no_frame;
    return true;
  };
  if (rx_complete_) {
    now_ = std::max(now_, rx_done_at_);
    if (rx_buf_.size() != 4) return finish();  // not an ACK: the loop breaks
    r.acked_bytes = get_u32(rx_buf_, 0);
    ++r.acked;
    rx_buf_.clear();
    rx_complete_ = false;
    rx_state_ = RxState::no_frame;
    did = true;
  }
  if (r.remaining > 0 && r.sent - r.acked < 1u) {
    std::uint32_t n = std::min(r.remaining, r.packet);
    auto block = flash_.read(r.offset, n);
    now_ += cfg_.timings.read_per_kb * SimTime(n) / 1024;
    r.md5.update(block);
    send_raw_frame(block);
    r.offset += n;
    r.remaining -= n;
    ++r.sent;
    did = true;
  }
  if (!(r.remaining > 0 || r.acked_bytes < r.length)) return finish();
  return did;
}

}  // namespace espbak::sim
