// merge_bin's output formats. Facts: esptool v5.3.1 cmds.py merge_bin (raw
// padding, target offset), uf2_writer.py (UF2 block layout), and
// python-intelhex's IntelHex.write_hex_file (record splitting, the
// extended linear address records), which esptool's hex output goes through.
#include "espbak/image/merge.hpp"

#include <fmt/format.h>

#include "espbak/util/md5.hpp"

namespace espbak::image {

namespace {

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}

// One Intel HEX record: length, 16-bit address, type, data, and the two's
// complement of their byte sum.
void hex_record(std::string& out, std::uint16_t address, std::uint8_t type, const std::uint8_t* data,
                std::size_t n) {
  std::uint8_t sum = std::uint8_t(n + (address >> 8) + (address & 0xFF) + type);
  out += fmt::format(":{:02X}{:04X}{:02X}", n, address, type);
  for (std::size_t i = 0; i < n; ++i) {
    out += fmt::format("{:02X}", data[i]);
    sum = std::uint8_t(sum + data[i]);
  }
  out += fmt::format("{:02X}\n", std::uint8_t(-sum));
}

}  // namespace

std::vector<std::uint8_t> merge_raw(const std::vector<PlacedFile>& files, std::uint32_t target_offset,
                                    std::uint64_t pad_to_size) {
  std::vector<std::uint8_t> out;
  auto pad_to = [&](std::uint64_t flash_offset) {
    std::uint64_t want = flash_offset - target_offset;  // callers keep flash_offset >= target_offset
    if (flash_offset >= target_offset && want > out.size()) out.resize(want, 0xFF);
  };
  for (const auto& f : files) {
    pad_to(f.address);
    out.insert(out.end(), f.data.begin(), f.data.end());
  }
  if (pad_to_size) pad_to(pad_to_size);
  return out;
}

std::vector<std::uint8_t> merge_uf2(const std::vector<PlacedFile>& files, std::uint32_t family_id,
                                    std::size_t chunk_size, bool md5) {
  std::vector<std::uint8_t> out;
  const std::size_t md5_part = md5 ? kUf2Md5PartSize : 0;
  const std::uint32_t flags = kUf2FlagFamilyIdPresent | (md5 ? kUf2FlagMd5Present : 0);
  for (const auto& f : files) {
    const std::size_t blocks = (f.data.size() + chunk_size - 1) / chunk_size;
    std::uint32_t addr = f.address;
    for (std::size_t block = 0; block < blocks; ++block) {
      const std::size_t at = block * chunk_size;
      const std::size_t len = std::min(chunk_size, f.data.size() - at);
      for (std::uint32_t word : {kUf2FirstMagic, kUf2SecondMagic, flags, addr, std::uint32_t(len),
                                 std::uint32_t(block), std::uint32_t(blocks), family_id})
        put_u32(out, word);
      std::span<const std::uint8_t> chunk(f.data.data() + at, len);
      out.insert(out.end(), chunk.begin(), chunk.end());
      if (md5) {  // address, length, MD5 of the chunk
        put_u32(out, addr);
        put_u32(out, std::uint32_t(len));
        auto digest = Md5::of(chunk);
        out.insert(out.end(), digest.begin(), digest.end());
      }
      out.resize(out.size() + (kUf2DataSize - md5_part - len), 0);
      put_u32(out, kUf2FinalMagic);
      addr += std::uint32_t(len);
    }
  }
  return out;
}

std::string merge_intel_hex(const std::vector<PlacedFile>& files) {
  // Adjacent files form one run of addresses, as in IntelHex's byte map.
  struct Run {
    std::uint64_t start;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<Run> runs;
  for (const auto& f : files) {
    if (f.data.empty()) continue;
    if (!runs.empty() && runs.back().start + runs.back().bytes.size() == f.address)
      runs.back().bytes.insert(runs.back().bytes.end(), f.data.begin(), f.data.end());
    else
      runs.push_back({f.address, f.data});
  }
  std::string out;
  if (!runs.empty()) {
    const bool offset_records = runs.back().start + runs.back().bytes.size() - 1 > 0xFFFF;
    std::uint64_t high = ~std::uint64_t(0);  // no 04 record written yet
    for (const auto& run : runs) {
      for (std::size_t at = 0; at < run.bytes.size();) {
        const std::uint64_t addr = run.start + at;
        if (offset_records && (addr >> 16) != high) {
          high = addr >> 16;
          const std::uint8_t page[2] = {std::uint8_t(high >> 8), std::uint8_t(high)};
          hex_record(out, 0, 4, page, 2);
        }
        const std::uint64_t low = addr & 0xFFFF;
        const std::size_t n = std::min<std::uint64_t>({16, 0x10000 - low, run.bytes.size() - at});
        hex_record(out, std::uint16_t(low), 0, run.bytes.data() + at, n);
        at += n;
      }
    }
  }
  out += ":00000001FF\n";
  return out;
}

}  // namespace espbak::image
