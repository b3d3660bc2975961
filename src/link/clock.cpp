#include "espbak/link/clock.hpp"

#include <thread>

namespace espbak {

namespace {

class SteadyClock final : public Clock {
 public:
  Duration now() const override {
    return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch());
  }
  void sleep(Duration d) override {
    if (d > Duration::zero()) std::this_thread::sleep_for(d);
  }
};

}  // namespace

Clock& steady_clock() {
  static SteadyClock clock;
  return clock;
}

}  // namespace espbak
