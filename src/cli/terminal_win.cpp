// terminal_width() (console_reporter.hpp) on Windows: the console's
// visible window.
#include <io.h>
#include <windows.h>

#include <cstdlib>

#include "console_reporter.hpp"

namespace espbak::cli {

int terminal_width(int fd) {
  CONSOLE_SCREEN_BUFFER_INFO info{};
  auto handle = reinterpret_cast<HANDLE>(_get_osfhandle(fd));
  if (handle != INVALID_HANDLE_VALUE && GetConsoleScreenBufferInfo(handle, &info)) {
    int columns = info.srWindow.Right - info.srWindow.Left + 1;
    if (columns > 0) return columns;
  }
  if (const char* columns = std::getenv("COLUMNS")) {
    int n = std::atoi(columns);
    if (n > 0) return n;
  }
  return 80;
}

}  // namespace espbak::cli
