#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "espbak/link/transport.hpp"
#include "espbak/net/socket.hpp"
#include "write_timeout.hpp"

namespace espbak::detail {

// Opens "socket://HOST:PORT" (IPv6 as socket://[::1]:PORT).
std::unique_ptr<Transport> open_tcp(const std::string& url, std::uint32_t baud);

struct HostPort {
  std::string host, port;
  std::string options;  // after '?', e.g. "ign_set_control" (pyserial's URL options)
};
// Splits SCHEME://HOST:PORT[?OPTIONS] (HOST may be [v6]); Error(port) if malformed.
HostPort parse_host_port(const std::string& url, std::string_view scheme);
// A connected TCP socket (TCP_NODELAY, non-blocking); Error(port) naming `url`.
net::Socket tcp_connect(const std::string& url, const HostPort& where);

// Opens "rfc2217://HOST:PORT[?ign_set_control]" (rfc2217.cpp).
std::unique_ptr<Transport> open_rfc2217(const std::string& url, std::uint32_t baud);

}  // namespace espbak::detail
