#pragma once
// read_flash's survey: which blocks of the region need the wire at all,
// judged by the chip's MD5 of each block (erased, unchanged from an old
// image, or to be read), refined by sector where that pays on this link.
#include <cstdint>
#include <vector>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/session.hpp"
#include "espbak/ops/survey.hpp"

namespace espbak {

enum class BlockSource { read, erased, old };

struct ReadBlock {
  std::uint32_t offset, length;  // within the region read
  BlockSource source;
  std::uint64_t blocks = 1;      // survey blocks merged into this one
};

struct ReadPlan {
  std::vector<ReadBlock> blocks;
  std::vector<SurveyedBlock> survey;  // empty when no survey was taken
};

// One SPI_FLASH_MD5 per block (one at a time: the stub has a single
// receive buffer, protocol-facts.md section 8), then each block's source;
// blocks that differ from the old image are refined by sector, blocks that
// end in erased flash trimmed (SectorPace decides whether that pays).
// Adjacent parts of the same source are merged.
//
// Each MD5 costs a round trip plus the chip's hashing. Where a round trip
// costs more than hashing a 64 KB block (a 16 ms bridge latency), the survey
// first asks for whole 256 KB blocks, and only those that are neither erased
// nor unchanged are surveyed again in 64 KB blocks: a mostly erased or
// unchanged flash then costs a quarter of the round trips, a fully used one
// about a third more chip time. Both costs are measured on the region's
// first block (4 KB MD5s for the round trip, the 64 KB survey MD5). Used
// 256 KB blocks are surveyed again in 64 KB blocks as CoarsePace says: a
// fully used flash would pay that everywhere (at 16 ms, 12 % of a 4 MB read
// at 921600 baud, bench/results).
ReadPlan plan_read(Session& s, const ReadFlashArgs& args, std::uint32_t size, const Bytes* old);

}  // namespace espbak
