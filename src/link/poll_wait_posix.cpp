#include "poll_wait.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace espbak::detail {

int poll_wait(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  int ms = int(std::max<std::int64_t>(0, timeout.count()));
  int r;
  do r = ::poll(&p, 1, ms);
  while (r < 0 && errno == EINTR);
  return r;
}

}  // namespace espbak::detail
