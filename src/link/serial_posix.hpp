#pragma once
// Serial ports on POSIX systems through termios (device nodes and ptys).
#include <cstdint>

namespace espbak::detail {

// Linux: sets any baud rate through termios2 (BOTHER). Returns false when the
// driver refuses it. Lives in its own file: <asm/termbits.h> clashes with
// <termios.h>.
bool set_custom_baud_linux(int fd, std::uint32_t baud);

}  // namespace espbak::detail
