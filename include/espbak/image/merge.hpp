#pragma once
// merge_bin's three output formats as esptool v5.3.1 writes them (cmds.py
// merge_bin; uf2_writer.py UF2Writer; Intel HEX as python-intelhex's
// IntelHex.write_hex_file, which esptool calls). Pure functions over the
// files' bytes, already sorted by address, non-overlapping and patched.
#include <cstdint>
#include <string>
#include <vector>

namespace espbak::image {

struct PlacedFile {
  std::uint32_t address = 0;
  std::vector<std::uint8_t> data;
};

// raw: the files at their addresses less target_offset, gaps filled with
// 0xFF; then 0xFF up to pad_to_size - target_offset when that is larger
// (0: no padding).
std::vector<std::uint8_t> merge_raw(const std::vector<PlacedFile>& files, std::uint32_t target_offset,
                                    std::uint64_t pad_to_size);

// UF2 (https://github.com/microsoft/uf2, uf2_writer.py): 512-byte blocks,
// each of `chunk_size` data bytes at most (default: 476, less the 24-byte
// MD5 part when it is on), numbered per file.
constexpr std::size_t kUf2BlockSize = 512;
constexpr std::size_t kUf2DataSize = 476;
constexpr std::size_t kUf2Md5PartSize = 24;
constexpr std::uint32_t kUf2FirstMagic = 0x0A324655, kUf2SecondMagic = 0x9E5D5157, kUf2FinalMagic = 0x0AB16F30;
constexpr std::uint32_t kUf2FlagFamilyIdPresent = 0x00002000, kUf2FlagMd5Present = 0x00004000;
// The largest chunk the 512-byte block holds (esptool asserts beyond it).
inline std::size_t uf2_max_chunk(bool md5) { return kUf2DataSize - (md5 ? kUf2Md5PartSize : 0); }
std::vector<std::uint8_t> merge_uf2(const std::vector<PlacedFile>& files, std::uint32_t family_id,
                                    std::size_t chunk_size, bool md5);

// Intel HEX: data records of up to 16 bytes that stop at gaps and 64 KB
// boundaries, an extended linear address record (type 04) before each 64 KB
// page when any byte lies above 0xFFFF, ":00000001FF" last; upper-case
// hex, "\n" line ends.
std::string merge_intel_hex(const std::vector<PlacedFile>& files);

}  // namespace espbak::image
