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

// SPI_FLASH_MD5 requests (one at a time: the stub has a single receive
// buffer, protocol-facts.md section 8) paced by SurveyPace (survey_pace.hpp:
// growing spans over skippable flash, coarse first requests on slow round
// trips, sparse probes on fully used flash), then each block's source;
// blocks that differ from the old image are refined by sector, blocks that
// end in erased flash trimmed (SectorPace decides whether that pays).
// Adjacent parts of the same source are merged. `survey` holds the MD5 of
// every block not read (and of the read blocks that were hashed): the
// assembled file is checked against it.
ReadPlan plan_read(Session& s, const ReadFlashArgs& args, std::uint32_t size, const Bytes* old);

}  // namespace espbak
