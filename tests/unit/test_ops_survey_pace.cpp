// SurveyPace, read_flash's rules for asking the chip for MD5s (include/
// espbak/ops/survey_pace.hpp): pure decisions from measured costs and from
// what the blocks showed. The costs here are those of espsim's realistic
// ESP32 link (docs/espsim.md: stub MD5 0.33 s/MB, UART 10 bits a byte):
// a 4 KB MD5 round trip of about 3.5 ms at 1 ms latency, 34 ms at 16 ms.
#include <catch2/catch.hpp>

#include "espbak/ops/survey_pace.hpp"

using namespace espbak;

namespace {

constexpr double kStubHashingPerByte = 0.33 / (1024.0 * 1024.0);

SurveyCosts link(double round_trip, std::uint32_t baud = 921600) {
  SurveyCosts c;
  c.round_trip = round_trip;
  c.hashing_per_byte = kStubHashingPerByte;
  c.wire_per_byte = 10.0 / baud;
  return c;
}

}  // namespace

TEST_CASE("survey pace: the measured costs become per-byte rates", "[ops][survey_pace]") {
  Md5Costs measured{0.004, 0.0198, {}};  // 4 KB round trip; hashing of the rest of a 64 KB block
  const SurveyCosts c = survey_costs(measured, kSurveyBlock, 921600);
  CHECK(c.round_trip == Approx(0.004));
  CHECK(c.hashing_per_byte == Approx(0.0198 / (kSurveyBlock - 4096)));
  CHECK(c.wire_per_byte == Approx(10.0 / 921600));
  // A clock that measured the hashing below zero (noise) is no negative rate.
  CHECK(survey_costs(Md5Costs{0.004, -0.001, {}}, kSurveyBlock, 921600).hashing_per_byte == 0);
}

TEST_CASE("survey pace: coarse first requests only where a round trip outweighs hashing 64 KB and exceeds 5 ms",
          "[ops][survey_pace]") {
  CHECK_FALSE(SurveyPace(link(0.0035)).coarse());  // 1 ms latency
  CHECK(SurveyPace(link(0.034)).coarse());         // 16 ms: 34 ms > 20 ms of hashing
  CHECK(SurveyPace(link(0.034)).span() == kCoarseBlock);
  CHECK_FALSE(SurveyPace(link(0.015)).coarse());  // above 5 ms, below the hashing of 64 KB
  CHECK_FALSE(SurveyPace().coarse());             // nothing measured (a small region)
  CHECK(SurveyPace().span() == kSurveyBlock);
}

TEST_CASE("survey pace: skippable requests in a row double the span up to 1 MB, a mismatch resets it",
          "[ops][survey_pace]") {
  SurveyPace p(link(0.0035));
  CHECK(p.span() == kSurveyBlock);
  p.skipped();
  CHECK(p.span() == kSurveyBlock);  // one is not a run yet
  p.skipped();
  CHECK(p.span() == 2 * kSurveyBlock);
  for (int i = 0; i < 10; ++i) p.skipped();
  CHECK(p.span() == SurveyPace::kMaxSpan);
  p.mismatched();
  CHECK(p.span() == kSurveyBlock);
  p.skipped();
  p.skipped();
  p.used(true);  // a used block ends the run
  CHECK(p.span() == kSurveyBlock);
  // Without measured costs the span never grows (a small region).
  SurveyPace small;
  for (int i = 0; i < 5; ++i) small.skipped();
  CHECK(small.span() == kSurveyBlock);
}

TEST_CASE("survey pace: two fruitless used blocks turn the survey to sparse probes where hashing does not pay",
          "[ops][survey_pace]") {
  SECTION("921600 baud, 1 ms: a dense 64 KB block costs 3 % of its wire time, more than 1 %") {
    SurveyPace p(link(0.0035));
    REQUIRE(p.sparse_pays());
    p.used(false);
    CHECK_FALSE(p.sparse());
    p.used(false);
    CHECK(p.sparse());
    // 1 % of 64 KB's 0.71 s of wire is 7 ms: one 3.5 ms probe per 64 KB.
    CHECK(p.probe_unit() == kSurveyBlock);
    p.probed(false);
    CHECK(p.sparse());
    p.probed(true);  // skippable flash again: dense, from the base span
    CHECK_FALSE(p.sparse());
    CHECK(p.span() == kSurveyBlock);
  }
  SECTION("a block whose sectors held skippable flash breaks the fruitless run") {
    SurveyPace p(link(0.0035));
    p.used(false);
    p.used(true);
    p.used(false);
    CHECK_FALSE(p.sparse());
  }
  SECTION("16 ms: one probe per 512 KB keeps the probes near 1 % of the wire time") {
    SurveyPace p(link(0.034));
    // 0.034 s > 1 % of 256 KB's 2.84 s, <= 1 % of 512 KB's 5.69 s.
    CHECK(p.probe_unit() == 512 * 1024);
  }
  SECTION("a round trip dearer than 1 % of 1 MB's wire time still probes every 1 MB") {
    CHECK(SurveyPace(link(0.5)).probe_unit() == SurveyPace::kMaxProbeUnit);
  }
  SECTION("115200 baud: hashing 64 KB is 0.4 % of its wire time, so every block stays hashed") {
    SurveyPace p(link(0.0035, 115200));
    CHECK_FALSE(p.sparse_pays());
    for (int i = 0; i < 5; ++i) p.used(false);
    CHECK_FALSE(p.sparse());
  }
}
