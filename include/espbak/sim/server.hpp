#pragma once
// espsim's I/O edge: a TCP listener or a pty (POSIX only: server_pty_posix.cpp), one host connection after
// another, each served by a Link to the Device; or an RFC 2217 server in
// front of a Board (rfc2217_server.cpp).
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "espbak/net/socket.hpp"
#include "espbak/sim/board.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/link.hpp"

namespace espbak::sim {

struct Endpoint {
  enum class Kind { tcp, pty, rfc2217 } kind = Kind::tcp;
  std::string host;       // tcp, rfc2217
  std::uint16_t port = 0; // tcp, rfc2217: 0 = any free port
  std::string link_path;  // pty: symlink to the slave
  BoardConfig board;      // rfc2217: the board around the chip (modem lines)
};

// A listening TCP socket for an endpoint's host and port (0 = any free
// port). `shown` is the host:port to print: wildcard hosts as 127.0.0.1,
// IPv6 literals in brackets. Throws espbak::Error when it cannot listen.
struct TcpListener {
  net::Socket fd = net::kNoSocket;
  std::string shown;
};
TcpListener open_tcp_listener(const Endpoint& where);

// Whether this build can serve --pty (false on Windows: no pseudo-terminals).
extern const bool kPtyAvailable;

// Serves until `stop` becomes true. `ready` gets the one line to print once
// the endpoint is open. Throws espbak::Error if the endpoint cannot be opened.
// RFC 2217 listener (rfc2217_server.cpp): one client at a time, a second
// one is refused (connection closed at once); the board keeps running
// between clients.
void serve_rfc2217(Device& device, const LinkConfig& link, const Endpoint& where, const std::atomic<bool>& stop,
                   const std::function<void(const std::string&)>& ready);

void serve(Device& device, const LinkConfig& link, const Endpoint& where, const std::atomic<bool>& stop,
           const std::function<void(const std::string&)>& ready);

// espsim --count N (docs/espsim.md): N independent boards in one process,
// each with its own flash, device, link and endpoint, each served by a
// thread of its own as serve() serves one.
struct BoardSpec {
  DeviceConfig device;
  std::uint32_t flash_size = 0;
  std::string flash_file;  // empty: in memory
  LinkConfig link;
  Endpoint where;
};
// Serves every board until `stop` becomes true. `ready` gets the boards'
// ready lines in board order, once every endpoint is open. If one board
// cannot be opened (a port in use), the others are stopped and its
// espbak::Error is rethrown.
void serve_boards(const std::vector<BoardSpec>& boards, std::atomic<bool>& stop,
                  const std::function<void(const std::string&)>& ready);

}  // namespace espbak::sim
