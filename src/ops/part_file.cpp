#include "espbak/ops/part_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "espbak/util/error.hpp"

namespace espbak {

namespace {

// What the signal handler may touch: a fixed buffer and a flag.
char g_part_path[PATH_MAX];
volatile sig_atomic_t g_part_active = 0;

constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_previous[3];

extern "C" void remove_part_and_die(int sig) {
  if (g_part_active) unlink(g_part_path);
  g_part_active = 0;
  // Die of the same signal, so the parent sees the usual status.
  signal(sig, SIG_DFL);
  raise(sig);
}

void install_handlers() {
  struct sigaction sa {};
  sa.sa_handler = remove_part_and_die;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kCleanupSignals[i], &sa, &g_previous[i]);
}

void restore_handlers() {
  for (int i = 0; i < 3; ++i) sigaction(kCleanupSignals[i], &g_previous[i], nullptr);
}

}  // namespace

bool PartFile::directory_writable(const std::string& dir) { return access(dir.c_str(), W_OK | X_OK) == 0; }

PartFile::PartFile(std::string final_path) : final_(std::move(final_path)), part_(final_ + ".part") {
  if (part_.size() >= sizeof g_part_path)
    throw Error(ErrorKind::input, fmt::format("output path too long: {}", final_));
  std::memcpy(g_part_path, part_.c_str(), part_.size() + 1);
  install_handlers();
  fd_ = ::open(part_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    int err = errno;
    restore_handlers();
    throw Error(ErrorKind::input, fmt::format("cannot create '{}': {}", part_, std::strerror(err)));
  }
  g_part_active = 1;
}

PartFile::~PartFile() {
  if (!done_) discard();
}

void PartFile::write(std::span<const unsigned char> data) {
  const unsigned char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", part_, std::strerror(errno)));
    }
    p += n;
    left -= std::size_t(n);
  }
}

void PartFile::read_back(std::uint64_t offset, std::span<unsigned char> out) const {
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd_, out.data() + got, out.size() - got, off_t(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw Error(ErrorKind::input, fmt::format("cannot read back '{}': {}", part_,
                                                n < 0 ? std::strerror(errno) : "file shorter than written"));
    got += std::size_t(n);
  }
}

void PartFile::commit() {
  if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
    fd_ = -1;
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", part_, std::strerror(errno)));
  }
  fd_ = -1;
  if (std::rename(part_.c_str(), final_.c_str()) != 0)
    throw Error(ErrorKind::input, fmt::format("cannot rename '{}' to '{}': {}", part_, final_, std::strerror(errno)));
  g_part_active = 0;
  done_ = true;
  restore_handlers();
}

void PartFile::discard() {
  g_part_active = 0;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(part_.c_str());
  done_ = true;
  restore_handlers();
}

}  // namespace espbak
