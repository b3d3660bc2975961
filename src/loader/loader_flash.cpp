// Loader: SPI flash setup, stub upload, baud change, flash read/write/erase.
// Behaviour follows esptool v5.3.1 (loader.py, targets/esp32.py, cmds.py);
// facts in ../shared/docs/protocol-facts.md sections 2-4.
#include <fmt/format.h>
#include <zlib.h>


#include "espbak/loader/loader.hpp"
#include "espbak/loader/stub_images.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

Bytes zlib_compress(std::span<const std::uint8_t> data) {
  uLongf len = compressBound(uLong(data.size()));
  Bytes out(len);
  if (compress2(out.data(), &len, data.data(), uLong(data.size()), 9) != Z_OK)
    throw Error(ErrorKind::internal, "zlib compression failed");
  out.resize(len);
  return out;
}

// Counts how many bytes each compressed block inflates to, so a block's
// timeout can scale with the flash it makes the stub write (esptool does the
// same with a streaming decompressor).
class InflateCounter {
 public:
  InflateCounter() {
    if (inflateInit(&z_) != Z_OK) throw Error(ErrorKind::internal, "zlib init failed");
  }
  ~InflateCounter() { inflateEnd(&z_); }
  std::size_t feed(std::span<const std::uint8_t> in) {
    std::size_t produced = 0;
    std::array<std::uint8_t, 16384> out;
    z_.next_in = const_cast<Bytef*>(in.data());
    z_.avail_in = uInt(in.size());
    do {
      z_.next_out = out.data();
      z_.avail_out = uInt(out.size());
      int r = inflate(&z_, Z_NO_FLUSH);
      produced += out.size() - z_.avail_out;
      if (r == Z_STREAM_END) break;
      if (r != Z_OK && r != Z_BUF_ERROR) throw Error(ErrorKind::internal, "zlib inflate failed");
    } while (z_.avail_out == 0);
    return produced;
  }

 private:
  z_stream z_{};
};

}  // namespace

// ---- SPI flash setup ----------------------------------------------------------------

void Loader::spi_attach() {
  if (!stub_ && !chip().rom.spi_attach) {
    // The ESP8266 ROM has no SPI_ATTACH; FLASH_BEGIN attaches the flash.
    flash_begin(0, 0);
    return;
  }
  // Config word 0 = default SPI pins. The ROM takes 4 more bytes (is_legacy
  // and 3 reserved); the stub only the word.
  cmd::SpiAttach attach{.pins = 0};
  if (!stub_) attach.is_legacy = 0;
  check(attach);
}

void Loader::spi_set_params(std::uint32_t flash_size) {
  if (!stub_ && !chip().rom.spi_set_params) return;  // ESP8266 ROM: esptool skips it
  // id 0, block 64 KiB, sector 4 KiB, page 256, status mask 0xFFFF (loader.py flash_set_parameters)
  check(cmd::SpiSetParams{.total_size = flash_size});
}

void Loader::power_on_flash() {
  // esptool's _post_connect -> power_on_flash (targets/esp32p4.py): the
  // chip row's steps for this revision, read-modify-writes as esptool does
  // them.
  run_reg_ops(chip().flash_power_on_ops(FieldReader(reg_reader())));
}

void Loader::run_reg_ops(const std::vector<RegOp>& ops) {
  // Waits are rounded up to the sleeper's milliseconds.
  for (const RegOp& op : ops) {
    switch (op.kind) {
      case RegOp::Kind::write:
        write_reg(op.addr, op.value);
        break;
      case RegOp::Kind::set_bits:
        write_reg(op.addr, read_reg(op.addr) | op.value);
        break;
      case RegOp::Kind::clear_bits:
        write_reg(op.addr, read_reg(op.addr) & ~op.value);
        break;
      case RegOp::Kind::wait_us:
        sleep_(milliseconds((op.value + 999) / 1000));
        break;
    }
  }
}

std::optional<std::uint32_t> Loader::detect_flash_size() { return flash_size_from_id(flash_id()); }

// ---- stub ---------------------------------------------------------------------------

void Loader::run_stub() {
  if (stub_) return;
  if (sdm_)  // the ROM refuses MEM_BEGIN/MEM_DATA/MEM_END (no RAM access)
    throw Error(ErrorKind::unsupported, "Stub flasher is not supported in Secure Download Mode");
  if (sync_stub_detected_) {
    log(LoaderEvent::note, "Stub flasher is already running. No upload is necessary.");
    stub_ = true;
    return;
  }
  // Some chips need the stub built for their silicon revision (the ESP32-P4:
  // esptool stub_json_name); the others read no register here.
  const std::string_view stub_name = chip().stub_for(FieldReader(reg_reader()));
  auto image = find_stub_image(stub_name);
  if (!image)
    throw Error(ErrorKind::internal, fmt::format("no flasher stub {} for {} in this build", stub_name, chip().name));

  auto upload = [&] {
    const std::uint32_t block = ram_block_size();
    for (const auto& seg : image->segments) {
      const std::uint32_t size = std::uint32_t(seg.bytes.size());
      const std::uint32_t blocks = (size + block - 1) / block;
      check(cmd::MemBegin{size, blocks, block, seg.addr});
      for (std::uint32_t seq = 0; seq < blocks; ++seq) {
        auto chunk = std::span(seg.bytes).subspan(seq * block, std::min(block, size - seq * block));
        check(cmd::MemData::of(seq, chunk));
      }
    }
  };
  try {
    upload();
  } catch (const Error& e) {
    // A chip with a USB-OTG path whose port said nothing of it (a pty or
    // TCP bridge in front of it, and no console register to ask, as on the
    // ESP32-S31): a refused full-size block means the OTG limit
    // (esptool USB_RAM_BLOCK). The upload starts over at 0x800 bytes, and
    // the flash blocks follow (flash_write_size); MEM_BEGIN begins anew.
    const bool may_be_otg = chip().usb && chip().usb->has_otg() && usb_path_ == UsbPath::uart;
    if (e.kind() != ErrorKind::device || !may_be_otg) throw;
    usb_path_ = UsbPath::usb_otg;
    log(LoaderEvent::note, fmt::format("the ROM refused a 0x{:x}-byte RAM block: taking {} for the chip's USB-OTG "
                                       "port, 0x{:x}-byte RAM and flash blocks",
                                       kRamBlockSize, link_.name(), kUsbOtgBlockSize));
    upload();
  }
  // MEM_END(0 = jump, entry). The ROM may retune its UART before the reply
  // leaves: short timeout, errors ignored (loader.py mem_finish).
  try {
    check(cmd::MemEnd{.flag = 0, .entry = image->entry});
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::port) throw;
  }
  // The stub greets with a raw "OHAI" frame. A MEM_END reply that arrived
  // after its short timeout may come first: skip it.
  for (;;) {
    auto frame = read_frame(cmd::StubGreeting::timeout(tuning_.timeouts));
    if (!frame) throw Error(ErrorKind::device, "Failed to start stub flasher: there was no response.");
    auto r = decode_response(*frame);
    if (r && r->op == std::uint8_t(Op::mem_end)) continue;
    if (!cmd::StubGreeting::decode(*frame))
      throw Error(ErrorKind::device, "Failed to start stub flasher: unexpected response " + to_hex(*frame));
    break;
  }
  stub_ = true;
  flush_input();
}

void Loader::change_baud(std::uint32_t baud) {
  std::uint32_t second = 0;
  std::uint32_t sent = baud;
  if (stub_) {
    second = link_.baud();  // the stub takes the new and the current rate
  } else if (!chip().rom.change_baud) {
    throw Error(ErrorKind::unsupported,
                fmt::format("the {} ROM cannot change baud rate; use the stub (drop --no-stub)", chip().name));
  } else if (const auto& cal = chip().rom_baud_calibration) {
    // esptool targets/esp32.py change_baud: scale by the ROM's own crystal
    // estimate (get_rom_cal_crystal_freq) so its UART lands on the requested rate.
    FieldReader fields(reg_reader());
    std::uint32_t cali = fields(cal->rtc_cali_value), ck8m = fields(cal->ck8m_freq);
    double rom_freq = double(cali) * 15625.0 * double(ck8m) / 40.0;
    double valid_freq = rom_freq > 33e6 ? 40e6 : 26e6;
    if (rom_freq > 0) sent = std::uint32_t(double(baud) * rom_freq / valid_freq);
  } else if (const auto& xtal = chip().rom_crystal) {
    // esptool targets/esp32c2.py / esp32c5.py change_baud: the ROM sets its
    // divider for the crystal it assumes; scale for the one fitted. Neither
    // can read registers in Secure Download Mode, so neither changes baud.
    if (sdm_)
      throw Error(ErrorKind::unsupported,
                  "Baud rate change is not supported in secure download mode. Keeping 115200 baud.");
    FieldReader fields(reg_reader());
    const std::uint32_t assumed = xtal->assumed(fields), fitted = crystal_mhz();
    if (xtal->report)
      log(LoaderEvent::info, fmt::format("ROM expects crystal freq: {} MHz, detected {} MHz.", assumed, fitted));
    sent = xtal->rom_baud_for(baud, assumed, fitted);
  }
  check(cmd::ChangeBaudrate{sent, second});
  link_.set_baud(baud);
  sleep_(50ms);  // bytes sent during the switch are garbage
  flush_input();
}

// ---- erase, MD5 ---------------------------------------------------------------------

void Loader::erase_flash() {
  if (!stub_) throw Error(ErrorKind::unsupported, "erasing the whole flash needs the flasher stub (drop --no-stub)");
  check(cmd::EraseFlash{});
}

void Loader::erase_region(std::uint32_t offset, std::uint32_t size) {
  // The ESP8266 ROM's FLASH_BEGIN erases the wrong amount (its SPIEraseArea
  // bug), so esptool erases regions there only with the stub.
  if (!stub_ && chip().quirks.rom_erase_size_bug)
    throw Error(ErrorKind::unsupported, "erasing a region needs the flasher stub (drop --no-stub)");
  if (offset % kFlashSectorSize || size % kFlashSectorSize)
    throw Error(ErrorKind::usage, "erase offset and size must be multiples of 4096 (0x1000)");
  if (!stub_) {
    // esptool cmds.py erase_region: the ROM's FLASH_BEGIN erases the region
    // it announces; no data follows and no FLASH_END (that would leave the
    // loader).
    flash_begin(size, offset);
    return;
  }
  check(cmd::EraseRegion{offset, size});
}

Md5::Digest Loader::flash_md5(std::uint32_t offset, std::uint32_t size) {
  if (!stub_ && !chip().rom.flash_md5)
    throw Error(ErrorKind::unsupported,
                fmt::format("the {} ROM cannot compute a flash MD5; run without --no-stub", chip().name));
  if (sdm_)
    throw Error(ErrorKind::unsupported, "flash MD5 is not available in Secure Download Mode");
  // ROM: 32 ASCII hex digits; stub: 16 raw bytes.
  Bytes raw = check(cmd::SpiFlashMd5{offset, size}, cmd::FlashMd5Result::size(kind()));
  auto result = cmd::FlashMd5Result::decode(raw, kind());
  if (!result) throw Error(ErrorKind::device, "SPI_FLASH_MD5 returned a malformed digest");
  return result->digest;
}

// ---- read ---------------------------------------------------------------------------

void Loader::read_flash(std::uint32_t offset, std::uint32_t size, Bytes& out, const Progress& progress) {
  out.clear();
  if (size == 0) return;
  if (!stub_) {
    if (sdm_) throw Error(ErrorKind::unsupported, "flash cannot be read in Secure Download Mode");
    if (!chip().rom.read_flash_slow)
      throw Error(ErrorKind::unsupported,
                  fmt::format("the {} ROM cannot read flash; run without --no-stub", chip().name));
    // READ_FLASH_SLOW: 64 bytes a command; the reply always carries 64 bytes.
    out.reserve(size);
    while (out.size() < size) {
      std::uint32_t len = std::min<std::uint32_t>(cmd::ReadFlashSlow::kMaxLength, size - std::uint32_t(out.size()));
      Bytes r = check(cmd::ReadFlashSlow{offset + std::uint32_t(out.size()), len}, cmd::ReadFlashSlowResult::kSize);
      out.insert(out.end(), r.begin(), r.begin() + len);
      if (progress) progress(out.size(), size);
    }
    return;
  }

  // Stub READ_FLASH (fact sheet 2.4): normal reply, then raw data frames,
  // each acknowledged with a raw u32 of bytes, then a raw MD5 frame.
  // esptool's packet size and max in flight (the stub keeps 1 in flight anyway).
  const cmd::ReadFlash req{.offset = offset, .length = size, .packet_size = kReadPacketSize, .max_in_flight = 64};
  check(req);
  out.reserve(size);
  Md5 md5;
  const std::uint32_t packets = (size + req.packet_size - 1) / req.packet_size;
  std::uint32_t received = 0;  // complete packets
  std::uint32_t acks = 0;      // acknowledgement frames sent
  auto send_ack = [&] {
    // The acknowledgement of packet `acks` carries the byte count through
    // that packet: the stub stops once it reaches `size`.
    std::uint32_t through = std::min<std::uint64_t>(std::uint64_t(acks + 1) * req.packet_size, size);
    send_frame(cmd::ReadFlashAck{through}.encode(), "ack");
    ++acks;
  };
  while (received < packets) {
    // Early acknowledgement: packet `received` has begun (its opening
    // delimiter arrived), so the stub has counted it as sent and is busy
    // pushing it out; an acknowledgement now is taken when that send ends
    // and releases the next packet. Never more than one ahead, so the stub's
    // sent - acked counter cannot wrap and its single receive buffer never
    // holds two frames (fact sheet section 8).
    if (early_read_ack_ && acks == received && (decoder_.in_frame() || !pending_frames_.empty())) send_ack();
    if (pending_frames_.empty()) {
      if (!read_more(cmd::ReadFlash::frame_timeout(tuning_.timeouts)))
        throw Error(ErrorKind::timeout,
                    fmt::format("timed out waiting for flash data at 0x{:08x} ({} of {} bytes read)",
                                offset + out.size(), out.size(), size));
      continue;
    }
    Bytes frame = take_frame();
    const std::uint32_t expected = req.packet_length(std::uint32_t(out.size()));
    if (frame.size() != expected)
      throw Error(ErrorKind::device, fmt::format("corrupt data: expected 0x{:x} bytes but received 0x{:x} bytes",
                                                 expected, frame.size()));
    out.insert(out.end(), frame.begin(), frame.end());
    md5.update(frame);
    ++received;
    if (acks < received) send_ack();  // late acknowledgement (esptool's way)
    if (progress) progress(out.size(), size);
  }
  if (out.size() > size)
    throw Error(ErrorKind::device, fmt::format("read more than expected ({} of {} bytes)", out.size(), size));
  auto digest_frame = read_frame(cmd::ReadFlash::frame_timeout(tuning_.timeouts));
  if (!digest_frame) throw Error(ErrorKind::timeout, "timed out waiting for the MD5 of the flash data read");
  auto digest = cmd::ReadFlashDigest::decode(*digest_frame);
  if (!digest)
    throw Error(ErrorKind::device, "expected the 16-byte MD5 after the flash data, got " + to_hex(*digest_frame));
  auto ours = md5.finish();
  if (ours != digest->digest)
    throw Error(ErrorKind::verify, fmt::format("MD5 of the data read ({}) differs from the chip's ({}) at 0x{:08x}",
                                               to_hex(ours), to_hex(digest->digest), offset));
}

// ---- write --------------------------------------------------------------------------

void Loader::flash_begin(std::uint32_t size, std::uint32_t offset) {
  const std::uint32_t block = flash_write_size();
  const std::uint32_t num_blocks = (size + block - 1) / block;
  // ESP8266 ROM erase-size bug workaround (esptool targets/esp8266.py).
  const std::uint32_t erase_size =
      (!stub_ && chip().quirks.rom_erase_size_bug) ? esp8266_rom_erase_size(offset, size) : size;
  cmd::FlashBegin req{erase_size, num_blocks, block, offset};
  // The 5th word (encrypted) is understood by stubs and by ROMs after ESP32.
  if (stub_ || chip().quirks.rom_flash_begin_encrypt_word) req.encrypted = 0;
  // The ROM erases the whole region before answering: the wait scales with
  // `size` (the ESP8266's erase_size word is not what it erases).
  check(req, 0, cmd::FlashBegin::erase_timeout(tuning_.timeouts, kind(), size));
}

template <class DataCommand>
void Loader::send_block(const DataCommand& block, milliseconds timeout) {
  // WRITE_BLOCK_ATTEMPTS (loader.py flash_block), from the tuning.
  for (int attempt = 1;; ++attempt) {
    try {
      check(block, 0, timeout);
      return;
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::port || e.kind() == ErrorKind::unsupported ||
          attempt >= tuning_.write_block_attempts)
        throw;
      if (trace_) trace_line(fmt::format("block {} failed ({}), retrying", block.seq, e.what()), {});
    }
  }
}

std::uint64_t Loader::write_flash(std::uint32_t offset, std::span<const std::uint8_t> data, bool compress,
                                  const Progress& progress) {
  if (data.empty()) return 0;
  const std::uint32_t size = std::uint32_t(data.size());
  const std::uint32_t block = flash_write_size();

  if (compress && !stub_ && !chip().rom.deflate)
    throw Error(ErrorKind::unsupported,
                fmt::format("the {} ROM cannot take compressed data; run without --no-stub or use --no-compress",
                            chip().name));
  Bytes comp;
  if (compress) {
    comp = zlib_compress(data);
    if (comp.size() >= data.size()) compress = false;
  }

  if (!compress) {
    flash_begin(size, offset);
    const std::uint32_t num_blocks = (size + block - 1) / block;
    Bytes padded;
    milliseconds block_timeout = tuning_.timeouts.standard;
    for (std::uint32_t seq = 0; seq < num_blocks; ++seq) {
      std::uint32_t at = seq * block;
      std::uint32_t len = std::min(block, size - at);
      padded.assign(data.begin() + at, data.begin() + at + len);
      padded.resize(block, 0xFF);  // last block padded with erased-flash bytes
      auto req = cmd::FlashData::of(seq, padded);
      block_timeout = req.timeout(tuning_.timeouts, kind());
      send_block(req, block_timeout);
      if (progress) progress(at + len, size);
    }
    // The stub ACKs a block before writing it: FLASH_END(1 = stay) answers
    // only after the last write. esptool sends nothing to the ROM here (it
    // would leave the loader).
    if (stub_) check(cmd::FlashEnd{cmd::FlashEnd::kRunUserCode}, 0, block_timeout);
    return size;
  }

  const std::uint32_t num_blocks = std::uint32_t((comp.size() + block - 1) / block);
  // Stub: exact byte count (it erases as it writes). ROM: rounded up to whole
  // 0x400 blocks, erased up front (loader.py flash_defl_begin).
  const std::uint32_t size_word = stub_ ? size : (size + kRomFlashWriteSize - 1) / kRomFlashWriteSize * kRomFlashWriteSize;
  cmd::FlashDeflBegin begin{size_word, num_blocks, block, offset};
  if (stub_ || chip().quirks.rom_flash_begin_encrypt_word) begin.encrypted = 0;
  check(begin);

  InflateCounter inflated;
  std::uint64_t done = 0;
  milliseconds last_timeout = tuning_.timeouts.standard;
  for (std::uint32_t seq = 0; seq < num_blocks; ++seq) {
    auto chunk = std::span(comp).subspan(std::size_t(seq) * block,
                                         std::min<std::size_t>(block, comp.size() - std::size_t(seq) * block));
    std::size_t expands_to = inflated.feed(chunk);
    // A block's reply may wait for the previous block's flash write.
    last_timeout = cmd::FlashDeflData::timeout(tuning_.timeouts, expands_to);
    send_block(cmd::FlashDeflData::of(seq, chunk), last_timeout);
    done += expands_to;
    if (progress) progress(std::min<std::uint64_t>(done, size), size);
  }
  // Stub: DEFL_END(1 = stay in the loader) replies once the last block is
  // written, and carries any deferred write error. ROM: nothing (it would
  // leave the loader).
  if (stub_) check(cmd::FlashDeflEnd{cmd::FlashEnd::kRunUserCode}, 0, last_timeout);
  return comp.size();
}

}  // namespace espbak
