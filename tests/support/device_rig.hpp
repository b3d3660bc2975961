#pragma once
// espsim's Device on a 4 MB flash, driven in-process command by command at
// time `t` (no link, no clock): a SLIP-framed command in, the frames it
// answers with out. Unit tests of the simulated ROM and stub build on it.
#include <cstdint>
#include <optional>
#include <vector>

#include "espbak/chips/chip.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/device.hpp"

namespace espbak::testing {

struct DeviceRig {
  sim::FlashModel flash{4u << 20};
  sim::Device dev;
  sim::SimTime t = 0;
  slip::Decoder dec;

  explicit DeviceRig(const sim::DeviceConfig& c) : dev(c, flash) {}
  // The chip's default MAC and a Winbond W25Q32 (RDID ef 4016).
  static sim::DeviceConfig config(ChipId id) {
    sim::DeviceConfig c;
    c.chip = &chip(id);
    c.mac = sim::default_mac(id);
    c.jedec_id = 0x1640EF;
    return c;
  }
  // Every frame the device sends after the command, decoded from SLIP.
  std::vector<Bytes> frames(Op op, const Bytes& data, std::uint32_t chk = 0) {
    dev.rx(t, slip::encode(encode_command(op, data, chk)));
    dev.advance(t);
    std::vector<Bytes> out;
    for (auto& chunk : dev.take_tx()) dec.feed(chunk.bytes, out);
    return out;
  }
  // The one response the command got (nullopt: none, or more than one frame).
  std::optional<Response> reply(Op op, const Bytes& data, std::uint32_t chk = 0) {
    auto f = frames(op, data, chk);
    if (f.size() != 1) return std::nullopt;
    return decode_response(f[0]);
  }
  bool ok(Op op, const Bytes& data, std::uint32_t chk = 0) {
    auto r = reply(op, data, chk);
    return r && response_status(*r).ok();
  }
};

}  // namespace espbak::testing
