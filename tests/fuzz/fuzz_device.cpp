// libFuzzer target: espsim's chip model (sim/device.hpp) fed arbitrary host
// bytes. It must never crash, hang or grow without bound, whatever arrives:
// malformed frames, wrong lengths, absurd sizes and offsets, broken zlib.
// Input: byte 0 picks the chip (bit 0) and whether the flasher stub is
// started first (bit 1, so the stub's command loop is reached directly);
// the rest goes to the UART in pieces, with time advancing between them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "espbak/chips/chip.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/device.hpp"

using namespace espbak;
using namespace espbak::sim;

namespace {

Bytes command(Op op, const Bytes& data, std::uint32_t chk = 0) { return slip::encode(encode_command(op, data, chk)); }

// MEM_BEGIN / MEM_DATA / MEM_END(0): the ROM then behaves as the stub.
Bytes start_stub() {
  Bytes out, image(16, 0);
  auto add = [&](const Bytes& b) { out.insert(out.end(), b.begin(), b.end()); };
  add(command(Op::mem_begin, words({16, 1, 0x1800, 0x40090000})));
  Bytes block = words({16, 0, 0, 0});
  block.insert(block.end(), image.begin(), image.end());
  add(command(Op::mem_data, block, checksum(image)));
  add(command(Op::mem_end, words({0, 0x40090000})));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const ChipId id = (data[0] & 1) ? ChipId::esp32 : ChipId::esp8266;
  FlashModel flash(1u << 20);
  DeviceConfig cfg;
  cfg.chip = &chip(id);
  cfg.mac = default_mac(id);
  cfg.jedec_id = 0x1440EF;
  Device dev(cfg, flash);
  SimTime t = 0;
  dev.reset(t);
  std::size_t out_bytes = 0;
  auto deliver = [&](std::span<const std::uint8_t> bytes) {
    t += kMs;
    dev.rx(t, bytes);
    dev.advance(t);
    for (auto& chunk : dev.take_tx()) out_bytes += chunk.bytes.size();
    if (out_bytes > (64u << 20)) std::abort();  // a reply storm: the model runs away
  };
  if (data[0] & 2) deliver(start_stub());
  std::span<const std::uint8_t> rest(data + 1, size - 1);
  for (std::size_t at = 0; at < rest.size();) {
    std::size_t n = std::min<std::size_t>(rest.size() - at, 1 + rest[at] % 97);
    deliver(rest.subspan(at, n));
    at += n;
  }
  // Let anything pending (a READ_FLASH loop waiting for ACKs, a flash
  // write) run out, bounded.
  for (int i = 0; i < 8 && dev.next_event() != kNever; ++i) deliver({});
  return 0;
}
