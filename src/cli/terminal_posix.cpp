// terminal_width() (console_reporter.hpp) on POSIX: TIOCGWINSZ.
#include <sys/ioctl.h>

#include <cstdlib>

#include "console_reporter.hpp"

namespace espbak::cli {

int terminal_width(int fd) {
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    int n = std::atoi(columns);
    if (n > 0) return n;
  }
  return 80;
}

}  // namespace espbak::cli
