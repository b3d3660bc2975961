#pragma once
#include <memory>
#include <string>

#include "espbak/link/transport.hpp"

namespace espbak::detail {

#if defined(_WIN32)
// COM ports through libserialport (not built or tested on POSIX hosts).
std::unique_ptr<Transport> open_win_serial(const std::string& name, std::uint32_t baud);
#endif

}  // namespace espbak::detail
