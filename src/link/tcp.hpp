#pragma once
#include <memory>
#include <string>

#include "espbak/link/transport.hpp"

namespace espbak::detail {

// Opens "socket://HOST:PORT" (IPv6 as socket://[::1]:PORT).
std::unique_ptr<Transport> open_tcp(const std::string& url, std::uint32_t baud);

}  // namespace espbak::detail
