#pragma once
// Decisions the read survey and the write comparison take from what an
// SPI_FLASH_MD5 costs on this link (round trip vs on-chip hashing), and the
// block sizes they work in. Durations come from the session's Clock, so on
// a simulated link they are virtual and the decisions exact
// (tests/unit/test_ops_pacing.cpp).
#include <algorithm>
#include <cstdint>
#include <functional>

#include "espbak/link/clock.hpp"
#include "espbak/util/md5.hpp"

namespace espbak {

// Unit of the read survey and of the write comparison: one SPI_FLASH_MD5
// round trip per block, blocks aligned to the flash (64 KB = one erase block).
constexpr std::uint32_t kSurveyBlock = 64 * 1024;

// Rewrites after a failed write or a verification mismatch go by blocks of
// this size, aligned to the flash (so a block's sector erase never touches a
// neighbour block).
constexpr std::uint32_t kRewriteBlock = 64 * 1024;

// Where a round trip costs more than hashing 64 KB on the chip (a 16 ms
// bridge latency), the read survey and the write comparison ask for the MD5
// of blocks this size first.
constexpr std::uint32_t kCoarseBlock = 256 * 1024;

// When the read survey and the write comparison compare a kCoarseBlock block
// that is neither skippable (erased / unchanged) again by 64 KB blocks.
// That costs four round trips and a second hashing pass, and pays only where
// skippable and other flash alternate within 256 KB: once kFruitlessInARow
// such refinements in a row found nothing skippable, blocks are planned
// whole, until a skippable block comes. The block planned whole just before
// it (where used or changed flash often ends) is then refined after all (the
// caller takes it back out of its plan, which nothing has acted on yet).
class CoarsePace {
 public:
  static constexpr int kFruitlessInARow = 2;
  bool refine() const { return fruitless_ < kFruitlessInARow; }
  void refined(bool found_skippable) { fruitless_ = found_skippable ? 0 : fruitless_ + 1; }
  // A block refined after all, on the way back: finding something starts refining again.
  void refined_back(bool found_skippable) {
    if (found_skippable) fruitless_ = 0;
  }
  void planned_whole(std::uint64_t end) { whole_end_ = end; }
  // Whether the block planned whole last ends at `at`; it is then forgotten.
  bool take_whole_ending_at(std::uint64_t at) {
    if (whole_end_ == 0 || whole_end_ != at) return false;
    whole_end_ = 0;
    return true;
  }

 private:
  int fruitless_ = 0;
  std::uint64_t whole_end_ = 0;  // 0: none (a block ends past address 0)
};

inline std::uint64_t rewrite_block_end(std::uint64_t at, std::uint64_t end) {
  return std::min<std::uint64_t>(end, (at / kRewriteBlock + 1) * kRewriteBlock);
}

// What one SPI_FLASH_MD5 costs on this link, for choosing how finely to
// compare flash with an image: the round trip (the quicker of two 4 KB MD5s,
// so that one hiccup of the host's scheduler does not decide) and the chip's
// hashing of [at, at + length), whose digest comes along.
struct Md5Costs {
  double round_trip, hashing;
  Md5::Digest digest;
};
using Md5At = std::function<Md5::Digest(std::uint64_t at, std::uint32_t length)>;
Md5Costs measure_md5_costs(Clock& clock, const Md5At& md5_at, std::uint64_t at, std::uint32_t length);


// A 64 KB block that differs from the old image usually differs in a few
// 4 KB sectors only (an NVS update, a config change): the chip hashes its
// sectors one by one and only those that differ are read. Hashing a sector
// costs one round trip; that pays while 16 of them cost less than half the
// block's wire time (measured on the first sector: at 1 ms latency it does
// at 921600 and 2 Mbaud, at 16 ms it does not). A block whose first
// kGiveUpRun sectors all differ was rewritten wholesale: the rest is read
// without asking, so a firmware update costs at most that many extra round
// trips per block.
constexpr std::uint32_t kSector = 4096;
constexpr int kGiveUpRun = 3;

// Whether hashing by sector pays on this link: no longer once two sectors in
// a row took too long (one slow sector can be the host's scheduler, and the
// plan should not depend on that).
class SectorPace {
 public:
  bool pays() const { return pays_; }
  void record(double seconds, double block_wire_seconds) {
    slow_in_a_row_ = 16 * seconds > block_wire_seconds / 2 ? slow_in_a_row_ + 1 : 0;
    if (slow_in_a_row_ >= 2) pays_ = false;
  }

 private:
  bool pays_ = true;
  int slow_in_a_row_ = 0;
};

}  // namespace espbak
