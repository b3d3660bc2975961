#pragma once
#include <chrono>

namespace espbak::detail {

// How long a blocked write may wait for room: esptool's serial write timeout, 10 s.
inline constexpr std::chrono::milliseconds kWriteTimeout{10000};

}  // namespace espbak::detail
