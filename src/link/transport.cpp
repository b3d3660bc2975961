#include "espbak/link/transport.hpp"

#include "espbak/util/error.hpp"
#include "serial_posix.hpp"
#include "serial_win.hpp"
#include "tcp.hpp"

namespace espbak {

std::unique_ptr<Transport> open_transport(const std::string& port, std::uint32_t baud) {
  if (port.empty()) throw Error(ErrorKind::port, "no port given");
  if (port.starts_with("socket://")) {
#if defined(_WIN32)
    throw Error(ErrorKind::port, "socket:// ports are not supported on Windows yet");
#else
    return detail::open_tcp(port, baud);
#endif
  }
  if (port.starts_with("rfc2217://")) {
#if defined(_WIN32)
    throw Error(ErrorKind::port, "rfc2217:// ports are not supported on Windows yet");
#else
    return detail::open_rfc2217(port, baud);
#endif
  }
  if (auto scheme = port.find("://"); scheme != std::string::npos)
    throw Error(ErrorKind::port, "cannot open " + port + ": unknown URL scheme " + port.substr(0, scheme + 3));
#if defined(_WIN32)
  return detail::open_win_serial(port, baud);
#else
  return detail::open_posix_serial(port, baud);
#endif
}

}  // namespace espbak
