// libFuzzer target: the firmware image reader load_ram uses
// (ops/ram_image.hpp). Input: byte 0 picks the header form (bit 0: the
// extended header), the rest is the file.
// Invariants checked (a violation aborts, which libFuzzer reports):
//  - only Error(input) is thrown;
//  - an image read has at most 16 segments whose bytes, with their 8-byte
//    headers, fit in the file after its header.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "espbak/ops/ram_image.hpp"
#include "espbak/util/error.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool extended = data[0] & 1;
  std::span<const std::uint8_t> file(data + 1, size - 1);
  try {
    espbak::RamImage image = espbak::parse_ram_image(file, extended);
    require(image.segments.size() <= 16);
    std::size_t used = 8 + (extended ? 16 : 0);
    for (const auto& seg : image.segments) used += 8 + seg.data.size();
    require(used <= file.size());
  } catch (const espbak::Error& e) {
    require(e.kind() == espbak::ErrorKind::input);
  }
  return 0;
}
