#pragma once
// Serial ports: serial_posix.cpp (termios: device nodes and ptys) or
// serial_win.cpp (Win32 COM ports); the build compiles the one for its OS.
#include <cstdint>
#include <memory>
#include <string>

#include "espbak/link/transport.hpp"

namespace espbak::detail {

// Opens a device path / COM name at `baud`. Throws Error(port) with a
// one-line reason (no such device, permission denied, busy).
std::unique_ptr<Transport> open_serial_port(const std::string& name, std::uint32_t baud);

}  // namespace espbak::detail
