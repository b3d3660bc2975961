// libFuzzer target: the host's SLIP decoder (protocol/slip.hpp).
// Input: byte 0 seeds the split points, the rest is the wire stream.
// Invariants checked (a violation aborts, which libFuzzer reports):
//  - feeding the stream in any split gives the same frames as in one piece;
//  - no frame is empty or longer than the decoder's maximum;
//  - every frame re-encodes and decodes to itself, alone.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "espbak/protocol/slip.hpp"

using Frames = std::vector<std::vector<std::uint8_t>>;

namespace {
constexpr std::size_t kMaxFrame = 300;  // small, so the fuzzer reaches the overflow path
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::uint32_t split_seed = data[0];
  std::span<const std::uint8_t> stream(data + 1, size - 1);

  espbak::slip::Decoder whole(kMaxFrame, 64);
  Frames at_once;
  whole.feed(stream, at_once);

  espbak::slip::Decoder pieces(kMaxFrame, 64);
  Frames split;
  for (std::size_t at = 0; at < stream.size();) {
    split_seed = split_seed * 1103515245u + 12345u;
    std::size_t n = 1 + (split_seed >> 16) % 7;
    n = std::min(n, stream.size() - at);
    pieces.feed(stream.subspan(at, n), split);
    at += n;
  }
  require(split == at_once);
  require(pieces.dropped_frames() == whole.dropped_frames());
  require(pieces.noise_total() == whole.noise_total());

  for (const auto& f : at_once) {
    require(!f.empty());
    require(f.size() <= kMaxFrame);
    espbak::slip::Decoder again(kMaxFrame, 64);
    Frames back;
    again.feed(espbak::slip::encode(f), back);
    require(back.size() == 1 && back[0] == f);
  }
  return 0;
}
