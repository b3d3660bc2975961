// The pacing rules on an injected clock: what an MD5 costs, and when
// sector-level hashing stops paying.
#include <catch2/catch.hpp>

#include "espbak/ops/md5_pacing.hpp"
#include "sim_transport.hpp"

using namespace espbak;
using namespace std::chrono_literals;

TEST_CASE("measure_md5_costs takes the quicker of two round trips and the rest of the block's time as hashing",
          "[ops][pacing]") {
  testing::VirtualClock clock;
  std::vector<std::chrono::milliseconds> round_trips{9ms, 4ms};
  int calls = 0;
  auto md5_at = [&](std::uint64_t, std::uint32_t length) {
    // Round trip, plus 1 ms of hashing per 4 KB.
    auto rt = calls < 2 ? round_trips[std::size_t(calls)] : 4ms;
    ++calls;
    clock.sleep(rt + std::chrono::milliseconds(length / 4096));
    return Md5::of(Bytes(1, std::uint8_t(length)));
  };
  Md5Costs c = measure_md5_costs(clock, md5_at, 0, 64 * 1024);
  CHECK(calls == 3);
  CHECK(c.round_trip == Approx(0.005));  // 4 ms + 1 ms of hashing 4 KB: the quicker of the two probes
  CHECK(c.hashing == Approx(0.015));  // the block took 4 + 16 ms; less the 5 ms round trip
  CHECK(c.digest == Md5::of(Bytes(1, std::uint8_t(64 * 1024))));
}

TEST_CASE("SectorPace stops only after two slow sectors in a row", "[ops][pacing]") {
  const double block_wire = 0.711;  // 64 KB at 921600 baud
  SectorPace pace;
  pace.record(0.030, block_wire);  // 16 x 30 ms > half the block: slow
  CHECK(pace.pays());
  pace.record(0.002, block_wire);  // fast again: the run restarts
  pace.record(0.030, block_wire);
  CHECK(pace.pays());
  pace.record(0.030, block_wire);
  CHECK_FALSE(pace.pays());
  pace.record(0.001, block_wire);  // once stopped, it stays stopped
  CHECK_FALSE(pace.pays());
}

TEST_CASE("CoarsePace plans blocks whole after two fruitless refinements and takes the last one back",
          "[ops][pacing]") {
  CoarsePace pace;
  CHECK(pace.refine());
  pace.refined(false);
  CHECK(pace.refine());
  pace.refined(false);
  CHECK_FALSE(pace.refine());
  pace.planned_whole(0x100000);
  CHECK_FALSE(pace.take_whole_ending_at(0xC0000));
  CHECK(pace.take_whole_ending_at(0x100000));
  CHECK_FALSE(pace.take_whole_ending_at(0x100000));  // forgotten once taken
  pace.refined_back(true);
  CHECK(pace.refine());
}
