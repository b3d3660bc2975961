#pragma once
// espsim's I/O edge: a TCP listener or a pty, one host connection after
// another, each served by a Link to the Device.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "espbak/sim/link.hpp"

namespace espbak::sim {

struct Endpoint {
  enum class Kind { tcp, pty } kind = Kind::tcp;
  std::string host;       // tcp
  std::uint16_t port = 0; // tcp, 0 = any free port
  std::string link_path;  // pty: symlink to the slave
};

// Serves until `stop` becomes true. `ready` gets the one line to print once
// the endpoint is open. Throws espbak::Error if the endpoint cannot be opened.
void serve(Device& device, const LinkConfig& link, const Endpoint& where, const std::atomic<bool>& stop,
           const std::function<void(const std::string&)>& ready);

}  // namespace espbak::sim
