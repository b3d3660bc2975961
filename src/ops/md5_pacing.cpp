#include "espbak/ops/md5_pacing.hpp"

namespace espbak {

Md5Costs measure_md5_costs(Clock& clock, const Md5At& md5_at, std::uint64_t at, std::uint32_t length) {
  constexpr std::uint32_t kProbe = 4096;
  Md5Costs costs{1e9, 0.0, {}};
  for (int i = 0; i < 2; ++i) {
    const auto t0 = clock.now();
    md5_at(at, std::min(kProbe, length));
    costs.round_trip = std::min(costs.round_trip, clock.seconds_since(t0));
  }
  const auto t0 = clock.now();
  costs.digest = md5_at(at, length);
  costs.hashing = clock.seconds_since(t0) - costs.round_trip;
  return costs;
}

}  // namespace espbak
