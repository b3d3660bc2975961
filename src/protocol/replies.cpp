#include "espbak/protocol/replies.hpp"

namespace espbak::cmd {

Bytes RomStatus::encode(std::size_t length) const {
  Bytes b(length, 0);
  b[0] = failed ? 1 : 0;
  b[1] = error;
  return b;
}

std::optional<RomStatus> RomStatus::decode(std::span<const std::uint8_t> status, std::size_t length) {
  if (length < 2 || status.size() != length) return std::nullopt;
  return RomStatus{status[0] != 0, status[1]};
}

std::optional<StubStatus> StubStatus::decode(std::span<const std::uint8_t> status) {
  if (status.size() != kSize) return std::nullopt;
  return StubStatus{std::uint16_t(status[0] << 8 | status[1])};
}

namespace {

Bytes encode_reply(std::uint8_t op, std::uint32_t value, const Bytes& result, const Bytes& status) {
  Bytes body = result;
  body.insert(body.end(), status.begin(), status.end());
  return encode_response(op, value, body);
}

}  // namespace

Bytes RomReply::encode(std::size_t status_len) const {
  return encode_reply(op, value, result, status.encode(status_len));
}

std::optional<RomReply> RomReply::decode(std::span<const std::uint8_t> frame, std::size_t status_len) {
  auto r = decode_response(frame);
  if (!r || r->data.size() < status_len) return std::nullopt;
  std::size_t result_len = r->data.size() - status_len;
  auto status = RomStatus::decode(std::span(r->data).subspan(result_len), status_len);
  if (!status) return std::nullopt;
  return RomReply{r->op, r->value, Bytes(r->data.begin(), r->data.begin() + std::ptrdiff_t(result_len)), *status};
}

Bytes StubReply::encode() const { return encode_reply(op, value, result, status.encode()); }

std::optional<StubReply> StubReply::decode(std::span<const std::uint8_t> frame) {
  auto r = decode_response(frame);
  if (!r || r->data.size() < StubStatus::kSize) return std::nullopt;
  std::size_t result_len = r->data.size() - StubStatus::kSize;
  auto status = StubStatus::decode(std::span(r->data).subspan(result_len));
  return StubReply{r->op, r->value, Bytes(r->data.begin(), r->data.begin() + std::ptrdiff_t(result_len)), *status};
}

}  // namespace espbak::cmd
