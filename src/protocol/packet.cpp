#include "espbak/protocol/packet.hpp"

namespace espbak {

std::uint8_t checksum(std::span<const std::uint8_t> data) {
  std::uint8_t c = kChecksumSeed;
  for (auto b : data) c ^= b;
  return c;
}

void put_u32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(v >> (8 * i)));
}
void put_u16(Bytes& b, std::uint16_t v) {
  b.push_back(std::uint8_t(v));
  b.push_back(std::uint8_t(v >> 8));
}
std::uint32_t get_u32(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint32_t(b[at]) | std::uint32_t(b[at + 1]) << 8 | std::uint32_t(b[at + 2]) << 16 |
         std::uint32_t(b[at + 3]) << 24;
}
std::uint16_t get_u16(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint16_t(b[at] | b[at + 1] << 8);
}
Bytes words(std::initializer_list<std::uint32_t> ws) {
  Bytes b;
  b.reserve(ws.size() * 4);
  for (auto w : ws) put_u32(b, w);
  return b;
}

Bytes encode_command(std::uint8_t op, std::span<const std::uint8_t> data, std::uint32_t checksum) {
  Bytes b;
  b.reserve(8 + data.size());
  b.push_back(0x00);
  b.push_back(op);
  put_u16(b, std::uint16_t(data.size()));
  put_u32(b, checksum);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes encode_command(Op op, std::span<const std::uint8_t> data, std::uint32_t checksum) {
  return encode_command(static_cast<std::uint8_t>(op), data, checksum);
}

std::optional<Command> decode_command(std::span<const std::uint8_t> frame, CommandParseError* why) {
  auto fail = [&](CommandParseError e) -> std::optional<Command> {
    if (why) *why = e;
    return std::nullopt;
  };
  if (frame.size() < 8) return fail(CommandParseError::too_short);
  if (frame[0] != 0x00) return fail(CommandParseError::bad_direction);
  std::uint16_t len = get_u16(frame, 2);
  if (frame.size() != 8u + len) return fail(CommandParseError::bad_length);
  if (why) *why = CommandParseError::none;
  Command c;
  c.op = frame[1];
  c.checksum = get_u32(frame, 4);
  c.data.assign(frame.begin() + 8, frame.end());
  return c;
}

Bytes encode_response(std::uint8_t op, std::uint32_t value, std::span<const std::uint8_t> data) {
  Bytes b;
  b.reserve(8 + data.size());
  b.push_back(0x01);
  b.push_back(op);
  put_u16(b, std::uint16_t(data.size()));
  put_u32(b, value);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::optional<Response> decode_response(std::span<const std::uint8_t> frame) {
  if (frame.size() < 8 || frame[0] != 0x01) return std::nullopt;
  Response r;
  r.op = frame[1];
  r.value = get_u32(frame, 4);
  r.data.assign(frame.begin() + 8, frame.end());
  return r;
}

Status response_status(const Response& r, std::size_t result_len) {
  Status s;
  if (r.data.size() < result_len + 2) {
    // Too short for result + status. esptool reports the first byte as the
    // status when it is a failure; mirror that.
    if (!r.data.empty() && r.data[0] != 0) {
      s.present = true;
      s.s0 = r.data[0];
      s.s1 = r.data.size() > 1 ? r.data[1] : 0;
    }
    return s;
  }
  s.present = true;
  s.s0 = r.data[result_len];
  s.s1 = r.data[result_len + 1];
  return s;
}

}  // namespace espbak
