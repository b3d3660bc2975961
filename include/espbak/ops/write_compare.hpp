#pragma once
// write_flash's comparison with the chip and its verified, recovering write
// of one region (docs/cli.md "write_flash").
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "espbak/ops/session.hpp"
#include "espbak/util/md5.hpp"

namespace espbak {

struct RegionSpan {
  std::uint32_t offset, length;  // within the region
};

// The parts of the region [address, address + image.size()) whose MD5 on the
// chip differs from `image`, by kRewriteBlock blocks, adjacent ones merged.
// `first_digest`: the chip's MD5 of the first block, where already known.
//
// `coarse` (a round trip costs more than hashing a block, e.g. a 16 ms bridge
// latency): kCoarseBlock blocks first, as in the read survey, and a
// differing one is compared again by 64 KB blocks as CoarsePace says (an
// image that differs everywhere is soon written in whole 256 KB blocks).
std::vector<RegionSpan> differing_blocks(Session& s, std::uint32_t address, const Bytes& image,
                                   std::optional<Md5::Digest> first_digest = std::nullopt, bool coarse = false);

// Writes `image` at `address` and returns the chip's MD5 of the region
// (nullopt where the ROM has no SPI_FLASH_MD5). A write that fails on the
// way (timeout, garbled reply, link lost) recovers the session and writes
// the blocks that differ; so does a region whose MD5 differs after writing.
// At most Session::kUnitAttempts writes; after the last one the digest is
// returned as it is, for the caller to report a mismatch.
//
// With `diff`, even the first write compares block MD5s with the chip and
// sends only the blocks that differ. Compression is decided per part
// written (Loader::write_flash), so an image the flash already holds is
// never compressed.

struct RegionWriteStats {
  std::uint64_t unchanged = 0;  // bytes the first write left alone
  double compare_seconds = 0;   // the first comparison with the chip (block MD5s)
  std::uint64_t sent = 0;       // data bytes sent, over all attempts (zlib stream bytes where compressed)
  bool compressed = false;      // some part went compressed
};

// `announce` is told, once, the parts the first write will erase and write
// (after the comparison, before anything is erased), so that the narrative
// names only what is erased.
using WritePlanNotice = std::function<void(const std::vector<RegionSpan>& parts)>;
std::optional<Md5::Digest> write_region(Session& s, std::uint32_t address, const Bytes& image, const Md5::Digest& want,
                                        bool compress, bool diff, const std::string& what, const Progress& progress,
                                        const WritePlanNotice& announce, RegionWriteStats& stats);

}  // namespace espbak
