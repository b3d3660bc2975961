// libFuzzer target: every typed command decoder (protocol/commands.hpp),
// request and result, and the ROM / stub status and reply decoders, fed
// the same arbitrary bytes. Invariants: no crash; whatever decodes
// re-encodes to something that decodes to the same value, directly and
// (for requests) through the command frame it travels in.
// Input: byte 0 picks the ROM status length (bit 0: 4, else 2); bytes 1-4
// are the header checksum given to the *_DATA decoders; the rest is the
// payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "espbak/protocol/commands.hpp"

using namespace espbak;
using namespace espbak::cmd;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

// decode(encode(x)) == x, and the same through encode_request / decode_request.
template <class R>
void check_request(const std::optional<R>& x) {
  if (!x) return;
  Bytes payload = x->encode();
  if constexpr (requires { R::decode(std::span<const std::uint8_t>{}, std::uint32_t{}); })
    require(R::decode(payload, x->checksum) == x);
  else
    require(R::decode(payload) == x);
  if (payload.size() > 0xFFFF) return;  // no frame carries it (16-bit length field)
  auto frame = decode_command(encode_request(*x));
  require(frame.has_value());
  require(decode_request<R>(*frame) == x);
}

template <class R>
void request(std::span<const std::uint8_t> payload) {
  check_request(R::decode(payload));
}

template <class R>
void data_request(std::span<const std::uint8_t> payload, std::uint32_t checksum) {
  auto x = R::decode(payload, checksum);
  if (x) require(x->data.size() + DataBlock::kHeaderSize == payload.size());
  check_request(x);
}

template <class R>
void result(std::span<const std::uint8_t> bytes) {
  auto x = R::decode(bytes);
  if (x) require(R::decode(x->encode()) == x);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::size_t rom_status_len = (data[0] & 1) ? 4 : 2;
  const std::uint32_t chk = get_u32(std::span(data, size), 1);
  std::span<const std::uint8_t> in(data + 5, size - 5);

  request<Sync>(in);
  request<ReadReg>(in);
  request<WriteReg>(in);
  request<MemBegin>(in);
  request<MemEnd>(in);
  request<FlashBegin>(in);
  request<FlashEnd>(in);
  request<FlashDeflBegin>(in);
  request<FlashDeflEnd>(in);
  request<SpiAttach>(in);
  request<SpiSetParams>(in);
  request<ChangeBaudrate>(in);
  request<SpiFlashMd5>(in);
  request<GetSecurityInfo>(in);
  request<ReadFlashSlow>(in);
  request<ReadFlash>(in);
  request<EraseFlash>(in);
  request<EraseRegion>(in);
  request<RunUserCode>(in);
  data_request<MemData>(in, chk);
  data_request<FlashData>(in, chk);
  data_request<FlashDeflData>(in, chk);

  result<SecurityInfo>(in);
  result<ReadFlashSlowResult>(in);
  result<ReadFlashAck>(in);
  result<ReadFlashDigest>(in);
  result<StubGreeting>(in);
  result<StubStatus>(in);
  result<StubReply>(in);
  for (LoaderKind from : {LoaderKind::rom, LoaderKind::stub}) {
    auto md5 = FlashMd5Result::decode(in, from);
    if (md5) require(FlashMd5Result::decode(md5->encode(from), from) == md5);
  }
  if (auto s = RomStatus::decode(in, rom_status_len)) require(RomStatus::decode(s->encode(rom_status_len), rom_status_len) == s);
  if (auto r = RomReply::decode(in, rom_status_len)) require(RomReply::decode(r->encode(rom_status_len), rom_status_len) == r);
  // A ReadFlash's packets tile its length exactly.
  if (auto rf = ReadFlash::decode(in); rf && rf->packet_size > 0) {
    std::uint64_t done = 0;
    for (int i = 0; i < 64 && done < rf->length; ++i) {
      std::uint32_t n = rf->packet_length(std::uint32_t(done));
      require(n > 0 && n <= rf->packet_size && done + n <= rf->length);
      done += n;
    }
  }
  return 0;
}
