#include "espbak/link/transport.hpp"

#include "espbak/util/error.hpp"
#include "serial.hpp"
#include "tcp.hpp"

namespace espbak {

std::unique_ptr<Transport> open_transport(const std::string& port, std::uint32_t baud) {
  if (port.empty()) throw Error(ErrorKind::port, "no port given");
  if (port.starts_with("socket://")) return detail::open_tcp(port, baud);
  if (port.starts_with("rfc2217://")) return detail::open_rfc2217(port, baud);
  if (auto scheme = port.find("://"); scheme != std::string::npos)
    throw Error(ErrorKind::port, "cannot open " + port + ": unknown URL scheme " + port.substr(0, scheme + 3));
  return detail::open_serial_port(port, baud);
}

}  // namespace espbak
