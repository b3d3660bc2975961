// sim::Device: the esp-flasher-stub command loop (docs/espsim.md "Stub
// model"): its single receive buffer (src/slip.c), command handling and
// post-ACK work (src/command_handler.c), flash writes that erase just ahead
// of themselves. Requests are decoded through protocol/commands.hpp.
#include <algorithm>
#include <variant>

#include "device_internal.hpp"

namespace espbak::sim {

// ---- receive buffer ------------------------------------------------------------

void Device::stub_rx_byte(SimTime t, std::uint8_t b) {
  // esp-flasher-stub src/slip.c (single receive buffer). While a frame is
  // held, or the buffer is in error, bytes are ignored.
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

void Device::rearm_stub_receiver() {
  rx_buf_.clear();
  rx_complete_ = rx_error_ = false;
  rx_state_ = RxState::no_frame;
}

// ---- flash writes -----------------------------------------------------------------

void Device::stub_flash_wait() {
  now_ = std::max(now_, flash_busy_until_);
}

void Device::stub_erase_unit() {
  // One 64 KB block when aligned and enough is left, else one sector.
  StubFlash& s = stub_flash_;
  std::uint32_t unit = (s.erase_next % kBlock == 0 && s.erase_end - s.erase_next >= kBlock) ? kBlock : kSector;
  flash_busy_until_ = now_ + erase_range(s.erase_next, unit);
  s.erase_next += unit;
}

std::uint16_t Device::stub_write(std::span<const std::uint8_t> data) {
  StubFlash& s = stub_flash_;
  std::uint32_t len = std::uint32_t(data.size());
  // s_ensure_flash_erased_to: erase until the write's end is erased.
  std::uint64_t target = std::uint64_t(s.offset) + len;
  while (s.erase_next < target && s.erase_next < s.erase_end) {
    stub_flash_wait();
    stub_erase_unit();
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
    if (flash_busy_until_ <= now_ && s.erase_next < s.erase_end) stub_erase_unit();
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

// ---- commands ----------------------------------------------------------------------

void Device::handle_stub(const Bytes& frame) {
  std::uint8_t op = frame.size() > 1 ? frame[1] : 0;
  CommandParseError why = CommandParseError::none;
  auto command = decode_command(frame, &why);
  if (!command) {
    // Short frame or length field mismatch: C0; direction not 0: C3.
    return stub_reply(op, 0, {}, why == CommandParseError::bad_direction ? code::invalid_command : code::bad_data_len);
  }
  if (stub_deferred_) {
    // An error from the previous command's post-ACK work answers this one,
    // which is not executed.
    std::uint16_t c = stub_deferred_;
    stub_deferred_ = 0;
    return stub_reply(op, 0, {}, c);
  }
  const Bytes& d = command->data;

  std::uint16_t result = code::ok;
  std::uint32_t value = 0;
  Bytes data;
  // What runs after the reply has been handed to the UART.
  std::variant<std::monostate, cmd::FlashData, cmd::FlashDeflData, cmd::MemEnd, cmd::ChangeBaudrate, cmd::ReadFlash>
      post;
  auto begin_flash = [&](std::uint32_t size, std::uint32_t blocks, std::uint32_t block_size, std::uint32_t offset,
                         bool compressed) {
    StubFlash& s = stub_flash_;
    s = StubFlash{};
    s.remaining = size;
    s.offset = offset;
    s.in_progress = true;
    s.compressed = compressed;
    if (compressed) {
      s.compressed_remaining = blocks * block_size;
      inflater_->restart();
    }
    s.erase_next = align_down(s.offset, kSector);
    s.erase_end =
        std::uint32_t(std::min<std::uint64_t>(align_up(std::uint64_t(s.offset) + s.remaining, kSector), 0xFFFFF000u));
    // Start the first erase without waiting for it (unless the flash is busy).
    if (flash_busy_until_ <= now_ && s.erase_next < s.erase_end) stub_erase_unit();
  };

  switch (static_cast<Op>(op)) {
    case Op::sync:
      if (!cmd::Sync::decode(d)) { result = code::bad_data_len; break; }
      // Eight replies with value 0 (7 here + the normal one); esptool takes
      // value 0 as "a stub is already running".
      for (int i = 1; i < cmd::Sync::kReplies; ++i) stub_reply(op, 0, {}, code::ok);
      break;
    case Op::flash_begin: {
      auto req = cmd::FlashBegin::decode(d);
      if (!req) { result = code::bad_data_len; break; }
      begin_flash(req->erase_size, req->num_blocks, req->block_size, req->offset, false);
      break;
    }
    case Op::flash_defl_begin: {
      auto req = cmd::FlashDeflBegin::decode(d);
      if (!req) { result = code::bad_data_len; break; }
      begin_flash(req->size, req->num_blocks, req->block_size, req->offset, true);
      break;
    }
    case Op::flash_data: {
      auto block = cmd::FlashData::decode(d, command->checksum);
      if (!block) { result = code::not_enough_data; break; }
      if (!stub_flash_.in_progress) { result = code::not_in_flash_mode; break; }
      if (!block->length_matches()) { result = code::too_much_data; break; }
      if (over_usb_otg_block_limit(block->data.size())) { result = code::too_much_data; break; }
      if (!block->checksum_matches()) { result = code::bad_data_checksum; break; }
      post = std::move(*block);
      break;
    }
    case Op::flash_defl_data: {
      auto block = cmd::FlashDeflData::decode(d, command->checksum);
      if (!block) { result = code::bad_data_len; break; }
      if (!stub_flash_.in_progress) { result = code::not_in_flash_mode; break; }
      if (stub_flash_.remaining == 0) { result = code::too_much_data; break; }
      if (over_usb_otg_block_limit(block->data.size())) { result = code::too_much_data; break; }
      // The stub takes the length field, bounded by what arrived.
      std::uint32_t len = std::min<std::uint32_t>(block->length, std::uint32_t(block->data.size()));
      block->data.resize(len);
      if (checksum(block->data) != block->checksum) { result = code::bad_data_checksum; break; }
      post = std::move(*block);
      break;
    }
    case Op::flash_end:
    case Op::flash_defl_end: {
      bool parsed = op == std::uint8_t(Op::flash_end) ? cmd::FlashEnd::decode(d).has_value()
                                                      : cmd::FlashDeflEnd::decode(d).has_value();
      if (!parsed) { result = code::bad_data_len; break; }
      if (!stub_flash_.in_progress) { result = code::not_in_flash_mode; break; }
      if (stub_flash_.remaining != 0) { result = code::bad_data_len; break; }
      stub_flash_ = StubFlash{};
      // The reboot flag is a TODO in the stub: it stays in the loader.
      break;
    }
    case Op::mem_begin: {
      auto req = cmd::MemBegin::decode(d);
      if (!req) { result = code::bad_data_len; break; }
      stub_mem_ = StubMem{true, req->total_size, req->offset};
      break;
    }
    case Op::mem_data: {
      auto block = cmd::MemData::decode(d, command->checksum);
      if (!block) { result = code::not_enough_data; break; }
      if (!stub_mem_.in_progress) { result = code::not_in_flash_mode; break; }
      if (stub_mem_.remaining < block->length) { result = code::too_much_data; break; }
      if (!block->length_matches()) { result = code::too_much_data; break; }
      stub_mem_.remaining -= block->length;  // the stub does not check MEM_DATA checksums
      write_ram(stub_mem_.next_addr, block->data);
      stub_mem_.next_addr += block->length;
      break;
    }
    case Op::mem_end: {
      auto req = cmd::MemEnd::decode(d);
      if (!req) { result = code::bad_data_len; break; }
      if (!stub_mem_.in_progress) { result = code::not_in_flash_mode; break; }
      stub_mem_ = StubMem{};
      post = *req;
      break;
    }
    case Op::write_reg: {
      auto req = cmd::WriteReg::decode(d);
      if (!req) { result = code::not_enough_data; break; }
      write_regs(*req);
      break;
    }
    case Op::read_reg: {
      auto req = cmd::ReadReg::decode(d);
      if (!req) { result = code::bad_data_len; break; }
      value = read_register(req->addr);
      break;
    }
    case Op::spi_attach: {
      auto req = cmd::SpiAttach::decode(d);
      if (!req || req->is_legacy) result = code::bad_data_len;  // the stub takes the 4-byte form only
      else flash_attached_ = true;
      break;
    }
    case Op::spi_set_params:
      if (!cmd::SpiSetParams::decode(d)) result = code::bad_data_len;
      break;
    case Op::change_baudrate: {
      auto req = cmd::ChangeBaudrate::decode(d);
      if (!req) { result = code::bad_data_len; break; }
      post = *req;
      break;
    }
    case Op::spi_flash_md5: {
      auto req = cmd::SpiFlashMd5::decode(d);
      if (!req) { result = code::bad_data_len; break; }
      // As the ROM: no MD5 of a range past the flash (status UNVERIFIED;
      // see the ROM case, found by tests/fuzz/fuzz_device).
      if (std::uint64_t(req->addr) + req->size > flash_.size()) { result = code::failed_spi_op; break; }
      cmd::FlashMd5Result md5{Md5::of(flash_.read(req->addr, req->size))};
      now_ += md5_time(req->size, true);
      data = md5.encode(cmd::LoaderKind::stub);  // 16 raw bytes
      break;
    }
    case Op::get_security_info:
      // ESP8266 / ESP32 have no security info: stub_lib reports "not
      // supported", answered as "command not implemented". Later chips: the
      // stub answers from the ROM's function, as the ROM does.
      if (!cmd::GetSecurityInfo::decode(d)) result = code::bad_data_len;
      else if (!chip_.rom.security_info) result = code::not_implemented;
      else data = security_info().encode();
      break;
    case Op::read_flash: {
      auto req = cmd::ReadFlash::decode(d);
      if (!req) { result = code::bad_data_len; break; }
      post = *req;
      break;
    }
    case Op::erase_flash:  // no arguments; the stub does not check the length (cmd::EraseFlash)
      flash_.erase_all();
      now_ += SimTime(double(cfg_.timings.chip_erase_per_mb) * flash_.size() / double(1 << 20));
      break;
    case Op::erase_region: {
      auto req = cmd::EraseRegion::decode(d);
      if (!req) { result = code::bad_data_len; break; }
      if (req->offset % kSector || req->size % kSector) { result = code::bad_data_len; break; }
      now_ += erase_range(req->offset, req->size);
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
  if (auto* block = std::get_if<cmd::FlashData>(&post)) {
    std::uint32_t n = std::min<std::uint32_t>(std::uint32_t(block->data.size()), stub_flash_.remaining);
    deferred = stub_write(std::span<const std::uint8_t>(block->data).first(n));
  } else if (auto* deflated = std::get_if<cmd::FlashDeflData>(&post)) {
    deferred = stub_inflate(deflated->data, deflated->seq == 0);
  } else if (auto* mem_end = std::get_if<cmd::MemEnd>(&post)) {
    // Jumps to the uploaded code: a stub image for this part starts and says
    // OHAI as from the ROM; one for another part does not (uploaded_code_runs).
    if (mem_end->jumps()) {
      if (uploaded_code_runs(mem_end->entry)) start_uploaded_stub();
      else mode_ = Mode::app;
    }
  } else if (auto* baud = std::get_if<cmd::ChangeBaudrate>(&post)) {
    set_baud_after_tx(baud->new_baud);
  } else if (auto* read = std::get_if<cmd::ReadFlash>(&post)) {
    deferred = start_read_flash(*read);
  }
  stub_deferred_ = deferred;
  busy_until_ = std::max(busy_until_, now_);
}

}  // namespace espbak::sim
