#include "espbak/ops/read_plan.hpp"

#include <fmt/format.h>

#include "espbak/ops/interruption.hpp"
#include "espbak/ops/md5_pacing.hpp"

namespace espbak {

namespace {

Md5::Digest erased_md5(std::uint32_t length) {
  static const Md5::Digest full = Md5::of(Bytes(kSurveyBlock, 0xFF));
  return length == kSurveyBlock ? full : Md5::of(Bytes(length, 0xFF));
}

// Where one survey block's bytes come from, judged by the chip's MD5 of them.
BlockSource source_of(const Md5::Digest& digest, std::uint32_t offset, std::uint32_t length, bool skip_erased,
                      const Bytes* old) {
  if (skip_erased && digest == erased_md5(length)) return BlockSource::erased;
  if (old && std::uint64_t(offset) + length <= old->size() &&
      Md5::of(std::span(*old).subspan(offset, length)) == digest)
    return BlockSource::old;
  return BlockSource::read;
}

void append(std::vector<ReadBlock>& plan, ReadBlock block) {
  if (!plan.empty() && plan.back().source == block.source && plan.back().offset + plan.back().length == block.offset) {
    plan.back().length += block.length;
    plan.back().blocks += block.blocks;
  } else {
    plan.push_back(block);
  }
}

void refine_block(Session& s, SectorPace& pace, const ReadFlashArgs& args, std::uint32_t offset, std::uint32_t length,
                  const Bytes* old, std::vector<ReadBlock>& plan) {
  const double block_wire_seconds = double(length) * 10.0 / double(std::max<std::uint32_t>(s.baud(), 1));
  int differing_run = 0;
  bool counted = false;  // the survey block counts once in blocks_read
  for (std::uint32_t done = 0; done < length;) {
    if (!pace.pays() || differing_run >= kGiveUpRun) {
      append(plan, {offset + done, length - done, BlockSource::read, counted ? 0u : 1u});
      return;
    }
    const std::uint32_t n = std::min(kSector, length - done);
    const std::uint32_t at = args.address + offset + done;
    const auto t0 = s.clock().now();
    auto digest = s.with_recovery(fmt::format("computing the MD5 at {:#010x}", at),
                                  [&] { return s.loader().flash_md5(at, n); });
    pace.record(s.clock().seconds_since(t0), block_wire_seconds);
    const BlockSource source = source_of(digest, offset + done, n, args.skip_erased, old);
    std::uint64_t count = 0;
    if (source == BlockSource::read) {
      ++differing_run;
      if (!counted) count = 1, counted = true;
    } else {
      differing_run = 0;
    }
    append(plan, {offset + done, n, source, count});
    done += n;
  }
}

// A block that is not erased but has no old image to compare with often
// ends in erased flash (the last block of a firmware, a partition partly
// used): the chip hashes its sectors from the end while they are erased, and
// only the part before them is read. A fully used block costs one sector
// round trip. Same pay rule as refine_block.
void trim_erased_tail(Session& s, SectorPace& pace, const ReadFlashArgs& args, std::uint32_t offset,
                      std::uint32_t length, std::vector<ReadBlock>& plan) {
  const double block_wire_seconds = double(length) * 10.0 / double(std::max<std::uint32_t>(s.baud(), 1));
  std::uint32_t keep = length;  // bytes from the block's start that must be read
  while (keep > 0 && pace.pays()) {
    const std::uint32_t n = keep % kSector ? keep % kSector : kSector;
    const std::uint32_t at = args.address + offset + keep - n;
    const auto t0 = s.clock().now();
    auto digest = s.with_recovery(fmt::format("computing the MD5 at {:#010x}", at),
                                  [&] { return s.loader().flash_md5(at, n); });
    pace.record(s.clock().seconds_since(t0), block_wire_seconds);
    if (digest != erased_md5(n)) break;
    keep -= n;
  }
  if (keep > 0) append(plan, {offset, keep, BlockSource::read});
  if (keep < length) append(plan, {offset + keep, length - keep, BlockSource::erased, keep > 0 ? 0u : 1u});
}

std::uint64_t skippable_bytes(const std::vector<ReadBlock>& plan) {
  std::uint64_t n = 0;
  for (const ReadBlock& b : plan)
    if (b.source != BlockSource::read) n += b.length;
  return n;
}

}  // namespace

ReadPlan plan_read(Session& s, const ReadFlashArgs& args, std::uint32_t size, const Bytes* old) {
  Reporter& r = s.report();
  ReadPlan result;
  SectorPace pace;
  auto md5_at = [&](std::uint64_t at, std::uint32_t length) {
    return s.with_recovery(fmt::format("computing the MD5 at {:#010x}", at),
                           [&] { return s.loader().flash_md5(std::uint32_t(at), length); });
  };
  // Judges [at, at + length) by its digest; `survey_blocks` 64 KB blocks.
  auto settle = [&](std::uint64_t at, std::uint32_t length, const Md5::Digest& digest, std::uint64_t survey_blocks) {
    const auto offset = std::uint32_t(at - args.address);
    result.survey.push_back({offset, length, digest});
    const BlockSource source = source_of(digest, offset, length, args.skip_erased, old);
    const bool old_covers = old && std::uint64_t(offset) + length <= old->size();
    if (source == BlockSource::read && old_covers && length > kSector)
      refine_block(s, pace, args, offset, length, old, result.blocks);
    else if (source == BlockSource::read && args.skip_erased && pace.pays() && length > kSector)
      trim_erased_tail(s, pace, args, offset, length, result.blocks);
    else
      append(result.blocks, {offset, length, source, survey_blocks});
    r.progress("Comparing", offset + length, size);
  };
  auto fine_block_end = [&](std::uint64_t at) {
    return std::min<std::uint64_t>(args.address + std::uint64_t(size), (at / kSurveyBlock + 1) * kSurveyBlock);
  };

  const std::uint64_t end = std::uint64_t(args.address) + size;
  bool coarse = false;
  std::uint64_t at = args.address;
  if (size > kCoarseBlock) {
    // Below kCoarseMinRoundTrip (a local or 1 ms link) the fine survey is
    // kept whatever the hashing costs.
    constexpr double kCoarseMinRoundTrip = 0.005;
    const auto first_end = fine_block_end(at);
    const auto costs = measure_md5_costs(s.clock(), md5_at, at, std::uint32_t(first_end - at));
    coarse = costs.round_trip > kCoarseMinRoundTrip && costs.round_trip > costs.hashing;
    settle(at, std::uint32_t(first_end - at), costs.digest, 1);
    at = first_end;
  }
  // Surveys [from, to) by 64 KB blocks; returns the bytes found skippable.
  auto survey_fine = [&](std::uint64_t from, std::uint64_t to) {
    const std::uint64_t before = skippable_bytes(result.blocks);
    for (std::uint64_t a = from; a < to;) {
      const auto next = fine_block_end(a);
      settle(a, std::uint32_t(next - a), md5_at(a, std::uint32_t(next - a)), 1);
      a = next;
    }
    return skippable_bytes(result.blocks) - before;
  };
  CoarsePace coarse_pace;
  // A skippable block at `at` follows a block planned whole: that one is
  // taken out of the plan (its survey entry is the last one) and refined.
  auto refine_whole_before = [&] {
    if (!coarse_pace.take_whole_ending_at(at)) return;
    result.survey.pop_back();
    ReadBlock& last = result.blocks.back();  // a read block ending at `at`, merged or not
    last.length -= kCoarseBlock;
    last.blocks -= kCoarseBlock / kSurveyBlock;
    if (last.length == 0) result.blocks.pop_back();
    coarse_pace.refined_back(survey_fine(at - kCoarseBlock, at) > 0);
  };
  while (at < end) {
    check_interrupted();  // read_flash defers signals from the survey on
    if (coarse && at % kCoarseBlock == 0 && end - at >= kCoarseBlock) {
      const auto digest = md5_at(at, kCoarseBlock);
      const auto offset = std::uint32_t(at - args.address);
      if (source_of(digest, offset, kCoarseBlock, args.skip_erased, old) != BlockSource::read) {
        refine_whole_before();
        settle(at, kCoarseBlock, digest, kCoarseBlock / kSurveyBlock);
      } else if (!coarse_pace.refine()) {
        result.survey.push_back({offset, kCoarseBlock, digest});
        append(result.blocks, {offset, kCoarseBlock, BlockSource::read, kCoarseBlock / kSurveyBlock});
        r.progress("Comparing", offset + kCoarseBlock, size);
        coarse_pace.planned_whole(at + kCoarseBlock);
      } else {
        coarse_pace.refined(survey_fine(at, at + kCoarseBlock) > 0);
      }
      at += kCoarseBlock;
      continue;
    }
    const auto next = fine_block_end(at);
    const auto length = std::uint32_t(next - at);
    const auto digest = md5_at(at, length);
    if (source_of(digest, std::uint32_t(at - args.address), length, args.skip_erased, old) != BlockSource::read)
      refine_whole_before();
    settle(at, length, digest, 1);
    at = next;
  }
  r.progress_end();
  return result;
}


}  // namespace espbak
