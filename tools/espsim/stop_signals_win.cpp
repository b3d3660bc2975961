// The C runtime turns Ctrl+C into SIGINT; there is no SIGPIPE (Winsock
// reports a lost peer as an error code) and poll waits are short anyway.
#include <csignal>

#include "stop_signals.hpp"

void on_stop_signals(void (*handler)(int)) {
  std::signal(SIGINT, handler);
  std::signal(SIGTERM, handler);
}
