#include "espbak/ops/read_plan.hpp"

#include <fmt/format.h>

#include "espbak/ops/interruption.hpp"
#include "espbak/ops/md5_pacing.hpp"
#include "espbak/ops/survey_pace.hpp"

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
  SectorPace sectors;
  SurveyPace pace;  // dense 64 KB blocks until the costs are measured
  auto md5_at = [&](std::uint64_t at, std::uint32_t length) {
    return s.with_recovery(fmt::format("computing the MD5 at {:#010x}", at),
                           [&] { return s.loader().flash_md5(std::uint32_t(at), length); });
  };
  auto source_at = [&](std::uint64_t at, std::uint32_t length, const Md5::Digest& digest) {
    return source_of(digest, std::uint32_t(at - args.address), length, args.skip_erased, old);
  };
  const std::uint64_t end = std::uint64_t(args.address) + size;
  auto fine_block_end = [&](std::uint64_t at) { return std::min(end, (at / kSurveyBlock + 1) * kSurveyBlock); };
  // A dense request at `at`: the largest power of two up to the pace's span
  // that `at` is aligned to and the region holds, else up to the next 64 KB boundary.
  auto request_length = [&](std::uint64_t at) {
    for (std::uint64_t n = pace.span(); n > kSurveyBlock; n /= 2)
      if (at % n == 0 && at + n <= end) return std::uint32_t(n);
    return std::uint32_t(fine_block_end(at) - at);
  };
  auto survey_blocks_in = [](std::uint32_t length) { return (length + kSurveyBlock - 1) / kSurveyBlock; };
  // Plans [at, at + length), whose digest says `source`: skipped whole, or
  // (one 64 KB block at most) refined by sector or trimmed of its erased
  // tail. Returns whether any of it is skippable.
  auto settle = [&](std::uint64_t at, std::uint32_t length, const Md5::Digest& digest, BlockSource source) {
    const auto offset = std::uint32_t(at - args.address);
    result.survey.push_back({offset, length, digest});
    const std::uint64_t before = skippable_bytes(result.blocks);
    const bool old_covers = old && std::uint64_t(offset) + length <= old->size();
    if (source == BlockSource::read && old_covers && length > kSector)
      refine_block(s, sectors, args, offset, length, old, result.blocks);
    else if (source == BlockSource::read && args.skip_erased && sectors.pays() && length > kSector)
      trim_erased_tail(s, sectors, args, offset, length, result.blocks);
    else
      append(result.blocks, {offset, length, source, survey_blocks_in(length)});
    r.progress("Comparing", offset + length, size);
    return skippable_bytes(result.blocks) > before;
  };
  // One 64 KB block hashed: the pace learns what it held.
  auto settle_block = [&](std::uint64_t at, std::uint32_t length, const Md5::Digest& digest) {
    const BlockSource source = source_at(at, length, digest);
    const bool found = settle(at, length, digest, source);
    if (source != BlockSource::read) pace.skipped();
    else pace.used(found);
  };
  // Sparse: the last sector of the unit [at, unit_end) stands for it. Not
  // skippable: the unit is read whole, unsurveyed (every chunk read is
  // checked by its own MD5). Skippable (returns true): the unit is to be
  // surveyed densely by 64 KB blocks.
  auto probe_unit = [&](std::uint64_t at, std::uint64_t unit_end) {
    const std::uint64_t tail = unit_end % kSector ? unit_end % kSector : kSector;
    const auto n = std::uint32_t(std::min(unit_end - at, tail));
    const std::uint64_t probe_at = unit_end - n;
    const bool hit = source_at(probe_at, n, md5_at(probe_at, n)) != BlockSource::read;
    pace.probed(hit);
    if (hit) return true;
    const auto offset = std::uint32_t(at - args.address), length = std::uint32_t(unit_end - at);
    append(result.blocks, {offset, length, BlockSource::read, survey_blocks_in(length)});
    r.progress("Comparing", offset + length, size);
    return false;
  };

  bool measured = size <= kCoarseBlock;  // a small region is surveyed by 64 KB blocks, no costs measured
  std::uint64_t at = args.address;
  // 64 KB requests up to here: after a larger request mismatched (until the
  // pace turns sparse), and over a unit whose probe hit (whatever the pace).
  std::uint64_t refine_until = 0, dense_until = 0;
  while (at < end) {
    check_interrupted();  // read_flash defers signals from the survey on
    if (!measured && at % kSurveyBlock == 0 && end - at >= kSurveyBlock) {
      // Both costs on the region's first whole block: 4 KB MD5s for the
      // round trip, then the block's own survey MD5 for the hashing.
      const auto costs = measure_md5_costs(s.clock(), md5_at, at, kSurveyBlock);
      pace = SurveyPace(survey_costs(costs, kSurveyBlock, s.baud()));
      measured = true;
      settle_block(at, kSurveyBlock, costs.digest);
      at += kSurveyBlock;
      continue;
    }
    if (pace.sparse() && at >= dense_until) {
      const std::uint64_t unit_end = std::min(end, (at / pace.probe_unit() + 1) * pace.probe_unit());
      if (probe_unit(at, unit_end)) dense_until = unit_end;
      else at = unit_end;
      continue;
    }
    const bool fine = at < refine_until || at < dense_until;
    const std::uint32_t length = fine ? std::uint32_t(fine_block_end(at) - at) : request_length(at);
    const auto digest = md5_at(at, length);
    if (length > kSurveyBlock) {
      const BlockSource source = source_at(at, length, digest);
      if (source == BlockSource::read) {
        pace.mismatched();  // its bytes are hashed again by 64 KB blocks
        refine_until = at + length;
        continue;
      }
      settle(at, length, digest, source);
      pace.skipped();
    } else {
      settle_block(at, length, digest);
    }
    at += length;
  }
  r.progress_end();
  return result;
}

}  // namespace espbak
