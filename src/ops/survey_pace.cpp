#include "espbak/ops/survey_pace.hpp"

#include <algorithm>

namespace espbak {

SurveyCosts survey_costs(const Md5Costs& measured, std::uint32_t hashed_length, std::uint32_t baud) {
  constexpr std::uint32_t kProbe = 4096;  // measure_md5_costs's round-trip probe
  SurveyCosts c;
  c.round_trip = measured.round_trip;
  c.hashing_per_byte =
      hashed_length > kProbe ? std::max(0.0, measured.hashing) / double(hashed_length - kProbe) : 0.0;
  c.wire_per_byte = 10.0 / double(std::max<std::uint32_t>(baud, 1));  // start, 8 data, stop bits
  return c;
}

SurveyPace::SurveyPace(const SurveyCosts& costs) {
  const double block_hashing = costs.hashing_per_byte * double(kSurveyBlock - 4096);
  if (costs.round_trip > kCoarseMinRoundTrip && costs.round_trip > block_hashing) base_ = kCoarseBlock;
  span_ = base_;
  max_span_ = std::max(base_, kMaxSpan);
  const double dense_block = costs.round_trip + block_hashing;
  sparse_pays_ = dense_block > kShare * costs.wire_per_byte * double(kSurveyBlock);
  probe_unit_ = kSurveyBlock;
  while (probe_unit_ < kMaxProbeUnit && costs.round_trip > kShare * costs.wire_per_byte * double(probe_unit_))
    probe_unit_ *= 2;
}

void SurveyPace::skipped() {
  fruitless_in_a_row_ = 0;
  if (++skipped_in_a_row_ >= kGrowAfter) span_ = std::min(max_span_, span_ * 2);
}

void SurveyPace::mismatched() {
  skipped_in_a_row_ = 0;
  span_ = base_;
}

void SurveyPace::used(bool found_skippable) {
  skipped_in_a_row_ = 0;
  span_ = base_;
  fruitless_in_a_row_ = found_skippable ? 0 : fruitless_in_a_row_ + 1;
  if (sparse_pays_ && fruitless_in_a_row_ >= kFruitlessToSparse) sparse_ = true;
}

void SurveyPace::probed(bool hit) {
  if (!hit) return;
  sparse_ = false;
  fruitless_in_a_row_ = 0;
  skipped_in_a_row_ = 0;
  span_ = base_;
}

}  // namespace espbak
