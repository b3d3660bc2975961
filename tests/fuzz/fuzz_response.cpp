// libFuzzer target: the host's response parsing (protocol/packet.hpp):
// decode_response on any frame and response_status for any result length.
// Invariants: a decoded response echoes the frame's opcode and carries the
// rest of the frame as data; a status is present exactly when the frame has
// two bytes after the result; ok() implies present.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "espbak/protocol/packet.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t result_len = data[0];
  std::span<const std::uint8_t> frame(data + 1, size - 1);
  auto r = espbak::decode_response(frame);
  if (!r) {
    require(frame.size() < 8 || frame[0] != 0x01);
    return 0;
  }
  require(frame.size() >= 8 && frame[0] == 0x01);
  require(r->op == frame[1]);
  require(r->data.size() == frame.size() - 8);
  for (std::size_t len : {std::size_t(0), result_len, r->data.size(), r->data.size() + 1}) {
    espbak::Status s = espbak::response_status(*r, len);
    if (r->data.size() >= len + 2) {
      require(s.present && s.s0 == r->data[len] && s.s1 == r->data[len + 1]);
    } else {
      // Too short for the result: never a success; a failure byte up front
      // is reported as the status (as esptool does).
      require(!s.ok());
      require(s.present == (!r->data.empty() && r->data[0] != 0));
    }
    require(!s.unsupported() || s.present);
  }
  // The device-side parser on the same bytes must not crash either.
  espbak::CommandParseError why{};
  auto c = espbak::decode_command(frame, &why);
  if (c) require(c->data.size() + 8 == frame.size());
  return 0;
}
