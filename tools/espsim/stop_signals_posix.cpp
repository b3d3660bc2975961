#include <csignal>

#include "stop_signals.hpp"

void on_stop_signals(void (*handler)(int)) {
  std::signal(SIGPIPE, SIG_IGN);
  // sigaction without SA_RESTART: a blocked poll returns at once.
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}
