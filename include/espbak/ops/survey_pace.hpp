#pragma once
// How read_flash's survey asks for the chip's MD5s (docs/cli.md "read_flash"),
// decided from what the first blocks show and from what one SPI_FLASH_MD5
// costs on this link, measured on the session's Clock (virtual in unit
// tests: tests/unit/test_ops_survey_pace.cpp). Pure: no I/O, no clock.
//
// Three things the survey's cost depends on, and each is a choice here:
// - the span of one request: a run of skippable (erased / unchanged) blocks
//   is hashed in ever larger requests, so a mostly erased or unchanged flash
//   pays a few round trips instead of one per 64 KB block;
// - coarse or fine first blocks (where a round trip costs more than the
//   chip's hashing of 64 KB, as at a 16 ms bridge latency): 256 KB first;
// - dense or sparse: once blocks in a row held nothing skippable (a fully
//   used flash), hashing every byte costs far more than it can save (the
//   chip's 64 KB MD5 is about 3 % of the block's wire time at 921600 baud),
//   so the survey only probes the last sector of each unit (where erased
//   flash shows first: the tail of a used block, the start of an erased
//   region), and hashes densely again once a probe finds a skippable sector.
#include <cstdint>

#include "espbak/ops/md5_pacing.hpp"

namespace espbak {

// What one SPI_FLASH_MD5 costs, in seconds.
struct SurveyCosts {
  double round_trip = 0;        // a 4 KB MD5, request to reply (the cost of one probe)
  double hashing_per_byte = 0;  // the chip's MD5 rate past that
  double wire_per_byte = 0;     // reading a byte over the link: 10 bits at the baud rate
};

// From measure_md5_costs over a block of `hashed_length` bytes (its round
// trip is a 4 KB MD5, its hashing the rest of the block) at `baud`.
SurveyCosts survey_costs(const Md5Costs& measured, std::uint32_t hashed_length, std::uint32_t baud);

class SurveyPace {
 public:
  // Probing may cost at most this share of the wire time of the unit it
  // probes, and the sparse mode is taken only where dense hashing of a
  // 64 KB block costs more than this share of reading it (so at 115200 baud,
  // where the chip hashes 64 KB in 0.4 % of its wire time, every block is
  // still hashed).
  static constexpr double kShare = 0.01;
  // Used 64 KB blocks in a row, nothing skippable in them, before probing.
  static constexpr int kFruitlessToSparse = 2;
  // Skippable requests in a row before the span doubles, and its ceiling
  // (1 MB: the chip hashes it in about 0.33 s, espsim's stub rate).
  static constexpr int kGrowAfter = 2;
  static constexpr std::uint32_t kMaxSpan = 1024 * 1024;
  static constexpr std::uint32_t kMaxProbeUnit = 1024 * 1024;
  // Below this round trip (a local or 1 ms link) the first blocks stay 64 KB.
  static constexpr double kCoarseMinRoundTrip = 0.005;

  // No costs measured (a region of at most 256 KB): dense 64 KB blocks.
  SurveyPace() = default;
  explicit SurveyPace(const SurveyCosts& costs);

  bool coarse() const { return base_ == kCoarseBlock; }
  bool sparse() const { return sparse_; }
  // Whether the sparse mode may ever be taken on this link.
  bool sparse_pays() const { return sparse_pays_; }
  // The most a dense request may cover now (a power of two, >= 64 KB); the
  // survey uses the largest aligned power of two up to it.
  std::uint32_t span() const { return span_; }
  // The unit a sparse probe stands for (aligned to it): the smallest power
  // of two from 64 KB up whose wire time makes one probe cost <= kShare.
  std::uint32_t probe_unit() const { return probe_unit_; }

  // A dense request found its bytes skippable.
  void skipped();
  // A dense request of more than 64 KB was not skippable: its bytes are
  // surveyed again by 64 KB blocks.
  void mismatched();
  // A 64 KB block (or the part of one the region holds) was not skippable
  // whole; `found_skippable`: its sector refinement found skippable sectors.
  void used(bool found_skippable);
  // A sparse probe: `hit` when the sector is erased or unchanged (its unit
  // is then surveyed densely).
  void probed(bool hit);

 private:
  std::uint32_t base_ = kSurveyBlock;
  std::uint32_t span_ = kSurveyBlock;
  std::uint32_t max_span_ = kSurveyBlock;  // no growth without costs
  std::uint32_t probe_unit_ = kSurveyBlock;
  bool sparse_pays_ = false;
  bool sparse_ = false;
  int skipped_in_a_row_ = 0;
  int fruitless_in_a_row_ = 0;
};

}  // namespace espbak
