#pragma once
#include <chrono>

namespace espbak::detail {

// How long a blocked write may wait for room unless the loader's tuning says
// otherwise (Transport::set_write_timeout): esptool's DEFAULT_SERIAL_WRITE_TIMEOUT, 10 s.
inline constexpr std::chrono::milliseconds kWriteTimeout{10000};

}  // namespace espbak::detail
