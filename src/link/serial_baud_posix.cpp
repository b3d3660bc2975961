// termios2 lets Linux drivers take any baud rate (e.g. 1500000 on a CP2102N,
// or the odd rates of ESP32 ROM baud scaling).
#if defined(__linux__)
#include <asm/termbits.h>
#include <sys/ioctl.h>

#include <cstdint>

namespace espbak::detail {

bool set_custom_baud_linux(int fd, std::uint32_t baud) {
  struct termios2 tio {};
  if (ioctl(fd, TCGETS2, &tio) != 0) return false;
  tio.c_cflag &= ~CBAUD;
  tio.c_cflag |= BOTHER;
  tio.c_ispeed = baud;
  tio.c_ospeed = baud;
  return ioctl(fd, TCSETS2, &tio) == 0;
}

}  // namespace espbak::detail
#endif
