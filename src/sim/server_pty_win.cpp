// Windows has no pseudo-terminals a serial-port client could open, so
// espsim serves TCP and RFC 2217 only there (tools/espsim refuses --pty
// before it gets here; this is the backstop).
#include "espbak/util/error.hpp"
#include "server_internal.hpp"

namespace espbak::sim {
const bool kPtyAvailable = false;
}

namespace espbak::sim::detail {

void serve_pty(Device&, const LinkConfig&, const Endpoint&, const std::atomic<bool>&,
               const std::function<void(const std::string&)>&) {
  throw Error(ErrorKind::usage, "--pty is not available on Windows (use --listen tcp:HOST:PORT or rfc2217:HOST:PORT)");
}

}  // namespace espbak::sim::detail
