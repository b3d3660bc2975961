// sim::Device: the ROM serial loader's command handling (docs/espsim.md
// "ROM model"). Requests are decoded through protocol/commands.hpp; a
// request the ROM cannot parse gets its "invalid parameter" status.
#include <algorithm>

#include "device_internal.hpp"

namespace espbak::sim {

namespace {

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

}  // namespace

std::uint8_t Device::rom_flash_data(const cmd::DataBlock& block, bool compressed) {
  Upload& u = rom_flash_;
  if (!block.length_matches()) return rom_error::invalid_param;
  if (over_usb_otg_block_limit(block.data.size())) return rom_error::invalid_param;
  if (!block.checksum_matches()) return rom_error::bad_checksum;
  if (!u.active || u.compressed != compressed) return rom_error::invalid_param;
  if (block.seq != u.next_seq) return rom_error::invalid_param;
  ++u.next_seq;
  const Bytes& payload = block.data;
  if (!compressed) {
    // The ROM writes the whole block it received (the host pads with 0xFF).
    flash_.program(u.offset + u.written, payload);
    now_ += program_time(block.length);
    u.written += block.length;
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
  const bool stale = chip_.quirks.rom_reply_value_is_stale;
  // A reply's value: what the command set (SYNC, READ_REG), else what the
  // ROM's value register still holds (ChipQuirks rom_reply_value_is_stale).
  auto send = [&](std::uint8_t reply_op, std::optional<std::uint32_t> value, std::span<const std::uint8_t> data,
                  std::uint8_t err) {
    if (value && stale) rom_value_ = *value;
    rom_reply(reply_op, value ? *value : stale ? rom_value_ : 0, data, err);
    rom_last_op_ = reply_op;
  };
  auto command = decode_command(frame);
  if (!command) {
    // Wrong direction byte, short frame or length field mismatch: the ROM's
    // "received message is invalid" status.
    send(op, std::nullopt, {}, rom_error::invalid_message);
    return;
  }
  const Bytes& d = command->data;
  auto unsupported = [&] {
    // The ROM repeats its "invalid message" reply for a command it does not
    // know (esptool drains 8 x 14 bytes after one; esptool-js readPacket).
    // Its opcode byte is NOT the request's: esptool (loader.py command()) and
    // esptool-js (readPacket) recognise "unsupported" only in a reply whose
    // opcode differs from the request, and esptool's detect_chip relies on
    // that to fall back from GET_SECURITY_INFO on real ESP8266/ESP32 ROMs.
    // The ESP32 ROM repeats the opcode and value of its previous reply
    // (after SYNC: `01 08 04 00 07 07 12 20 01 05 00 00`, observed in
    // Espressif's QEMU, issue 13); without that quirk (ESP8266, not
    // observed) 0x00, an opcode no command uses, is our assumption.
    const std::uint8_t reply_op = stale ? rom_last_op_ : std::uint8_t{0x00};
    for (int i = 0; i < 8; ++i) send(reply_op, std::nullopt, {}, rom_error::invalid_message);
  };
  auto reply = [&](std::uint8_t err, std::optional<std::uint32_t> value = std::nullopt,
                   std::span<const std::uint8_t> data = {}) {
    send(op, value, err ? std::span<const std::uint8_t>{} : data, err);
  };
  // FLASH_BEGIN / FLASH_DEFL_BEGIN: the ROM erases the region before replying.
  auto begin_flash = [&](std::uint32_t size, std::uint32_t blocks, std::uint32_t block_size, std::uint32_t offset,
                         bool compressed) {
    rom_flash_ = Upload{true, size, blocks, block_size, offset, 0, 0, compressed};
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
    reply(0);
  };
  const RomAbilities& can = chip_.rom;
  if (cfg_.secure_download_mode && !allowed_in_secure_download_mode(op)) return unsupported();

  switch (static_cast<Op>(op)) {
    case Op::sync: {
      auto req = cmd::Sync::decode(d);
      if (!req) return reply(rom_error::invalid_message);
      // 8 identical replies; value = first payload word (ESP32 trace 0x20120707).
      for (int i = 0; i < cmd::Sync::kReplies; ++i) send(op, req->lead_word, {}, 0);
      return;
    }
    case Op::read_reg: {
      auto req = cmd::ReadReg::decode(d);
      if (!req) return reply(rom_error::invalid_param);
      return reply(0, read_register(req->addr));
    }
    case Op::write_reg: {
      auto req = cmd::WriteReg::decode(d);
      if (!req) return reply(rom_error::invalid_param);
      write_regs(*req);
      return reply(0);
    }
    case Op::spi_attach:
      if (!can.spi_attach) return unsupported();
      if (!cmd::SpiAttach::decode(d)) return reply(rom_error::invalid_param);  // 8 bytes, or the stub's 4
      flash_attached_ = true;
      return reply(0);
    case Op::spi_set_params:
      if (!can.spi_set_params) return unsupported();
      return reply(cmd::SpiSetParams::decode(d) ? 0 : rom_error::invalid_param);
    case Op::mem_begin: {
      auto req = cmd::MemBegin::decode(d);
      if (!req) return reply(rom_error::invalid_param);
      rom_mem_ = Upload{true, req->total_size, req->num_blocks, req->block_size, req->offset, 0, 0, false};
      return reply(0);
    }
    case Op::mem_data: {
      auto block = cmd::MemData::decode(d, command->checksum);
      if (!block || !block->length_matches()) return reply(rom_error::invalid_param);
      if (over_usb_otg_block_limit(block->data.size())) return reply(rom_error::invalid_param);
      // Only the checksum's low byte is compared here (unlike FLASH_DATA).
      if (checksum(block->data) != (block->checksum & 0xFF)) return reply(rom_error::bad_checksum);
      if (!rom_mem_.active || block->seq != rom_mem_.next_seq) return reply(rom_error::invalid_param);
      if (rom_mem_.written + block->length > rom_mem_.size) return reply(0x0E);  // invalid RAM binary size
      write_ram(rom_mem_.offset + rom_mem_.written, block->data);
      ++rom_mem_.next_seq;
      rom_mem_.written += block->length;
      return reply(0);
    }
    case Op::mem_end: {
      auto req = cmd::MemEnd::decode(d);
      if (!req) return reply(rom_error::invalid_param);
      reply(0);
      rom_mem_ = Upload{};
      if (req->jumps() && chip_.stub_name.empty()) {
        // A chip no stub exists for (ESP32-H21): the real ROM would jump to
        // whatever was uploaded, and espsim has no stub of that chip to
        // play, so the uploaded code "runs" silently, as after FLASH_END.
        mode_ = Mode::app;
      } else if (req->jumps()) {
        // Jump to the entry point. A stub image for another part does not
        // start (uploaded_code_runs): the loader is gone, nothing answers.
        if (!uploaded_code_runs(req->entry)) {
          mode_ = Mode::app;
          return;
        }
        start_uploaded_stub();
      }
      return;
    }
    case Op::flash_begin: {
      auto req = cmd::FlashBegin::decode(d);
      if (!req) return reply(rom_error::invalid_param);
      if (chip_.quirks.rom_flash_begin_attaches_flash) flash_attached_ = true;
      return begin_flash(req->erase_size, req->num_blocks, req->block_size, req->offset, false);
    }
    case Op::flash_defl_begin: {
      if (!can.deflate) return unsupported();
      auto req = cmd::FlashDeflBegin::decode(d);
      if (!req) return reply(rom_error::invalid_param);
      return begin_flash(req->size, req->num_blocks, req->block_size, req->offset, true);
    }
    case Op::flash_data: {
      auto block = cmd::FlashData::decode(d, command->checksum);
      return reply(block ? rom_flash_data(*block, false) : rom_error::invalid_param);
    }
    case Op::flash_defl_data: {
      if (!can.deflate) return unsupported();
      auto block = cmd::FlashDeflData::decode(d, command->checksum);
      return reply(block ? rom_flash_data(*block, true) : rom_error::invalid_param);
    }
    case Op::flash_end:
    case Op::flash_defl_end: {
      bool compressed = op == std::uint8_t(Op::flash_defl_end);
      if (compressed && !can.deflate) return unsupported();
      bool parsed = compressed ? cmd::FlashDeflEnd::decode(d).has_value() : cmd::FlashEnd::decode(d).has_value();
      if (!parsed) return reply(rom_error::invalid_param);
      reply(0);
      // Flag 1 runs the application, flag 0 reboots; either way the loader
      // is gone until the next connection.
      mode_ = Mode::app;
      return;
    }
    case Op::read_flash_slow: {
      if (!can.read_flash_slow) return unsupported();
      auto req = cmd::ReadFlashSlow::decode(d);
      if (!req) return reply(rom_error::invalid_param);
      if (req->length > cmd::ReadFlashSlow::kMaxLength) return reply(rom_error::flash_read_length);
      cmd::ReadFlashSlowResult block;  // always 64 bytes; only `length` are meaningful
      auto data = flash_.read(req->offset, req->length);
      std::copy(data.begin(), data.end(), block.data.begin());
      now_ += cfg_.timings.read_per_kb * 64 / 1024;
      return reply(0, std::nullopt, block.encode());
    }
    case Op::spi_flash_md5: {
      if (!can.flash_md5) return unsupported();
      auto req = cmd::SpiFlashMd5::decode(d);
      if (!req) return reply(rom_error::invalid_param);
      // The ROM's SPI read refuses a range past the flash (chip_size check);
      // the status code is UNVERIFIED. Found by tests/fuzz/fuzz_device: a
      // size near 4 GB made espsim allocate it.
      if (std::uint64_t(req->addr) + req->size > flash_.size()) return reply(rom_error::flash_read);
      cmd::FlashMd5Result md5{Md5::of(flash_.read(req->addr, req->size))};
      now_ += md5_time(req->size, false);
      return reply(0, std::nullopt, md5.encode(cmd::LoaderKind::rom));  // 32 ASCII hex digits
    }
    case Op::change_baudrate: {
      if (!can.change_baud) return unsupported();
      auto req = cmd::ChangeBaudrate::decode(d);
      if (!req) return reply(rom_error::invalid_param);
      reply(0);  // at the old rate, then switch
      // The ROM's divider is for the crystal it assumes: with another one
      // fitted its UART lands off the rate asked for (ChipInfo::rom_crystal).
      set_baud_after_tx(std::uint32_t(double(req->new_baud) * rom_uart_scale() + 0.5));
      return;
    }
    case Op::get_security_info:
      if (!can.security_info) return unsupported();
      if (!cmd::GetSecurityInfo::decode(d)) return reply(rom_error::invalid_param);
      return reply(0, std::nullopt, security_info().encode());
    default:
      return unsupported();
  }
}

void Device::start_uploaded_stub() {
  // The stub starts and greets the host with a raw "OHAI" frame, from the ROM
  // or from a running stub (esptool reconnecting with --before
  // no_reset_no_sync uploads it again): a fresh stub, nothing of the old one.
  mode_ = Mode::stub;
  rom_frames_.clear();
  rom_decoder_.reset();
  rearm_stub_receiver();
  stub_flash_ = StubFlash{};
  stub_mem_ = StubMem{};
  stub_deferred_ = 0;
  // The stub attaches the flash before its OHAI (esp-flasher-stub
  // src/main.c: stub_lib_flash_init; esp-stub-lib
  // src/target/*/src/flash.c stub_target_flash_init attaches unless the
  // flash cache is already on), so esptool sends no SPI_ATTACH to it
  // (cmds.py attach_flash: "elif not esp.IS_STUB").
  flash_attached_ = true;
  send_raw_frame(cmd::StubGreeting{}.encode());
}

}  // namespace espbak::sim
