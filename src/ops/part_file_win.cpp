// PartFile (part_file.hpp) for the Windows build: the C runtime's file
// calls instead of POSIX ones, MoveFileEx for the final rename (rename()
// refuses to replace an existing file there), SIGINT/SIGTERM through the
// C runtime's signal(). The POSIX version is part_file.cpp, which the
// Windows build leaves out (CMakeLists.txt).
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#include <windows.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fmt/format.h>

#include "espbak/ops/part_file.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

namespace {

char g_part_path[MAX_PATH];
volatile std::sig_atomic_t g_part_active = 0;

extern "C" void remove_part_and_die(int sig) {
  if (g_part_active) _unlink(g_part_path);
  g_part_active = 0;
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_handlers() {
  std::signal(SIGINT, remove_part_and_die);
  std::signal(SIGTERM, remove_part_and_die);
}

void restore_handlers() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

}  // namespace

bool PartFile::directory_writable(const std::string& dir) { return _access(dir.c_str(), 2) == 0; }

PartFile::PartFile(std::string final_path) : final_(std::move(final_path)), part_(final_ + ".part") {
  if (part_.size() >= sizeof g_part_path)
    throw Error(ErrorKind::input, fmt::format("output path too long: {}", final_));
  std::memcpy(g_part_path, part_.c_str(), part_.size() + 1);
  install_handlers();
  fd_ = _open(part_.c_str(), _O_RDWR | _O_CREAT | _O_TRUNC | _O_BINARY | _O_NOINHERIT, _S_IREAD | _S_IWRITE);
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
    unsigned chunk = left > (1u << 30) ? (1u << 30) : unsigned(left);
    int n = _write(fd_, p, chunk);
    if (n < 0) throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", part_, std::strerror(errno)));
    p += n;
    left -= std::size_t(n);
  }
}

void PartFile::read_back(std::uint64_t offset, std::span<unsigned char> out) const {
  std::size_t got = 0;
  while (got < out.size()) {
    int n = -1;
    if (_lseeki64(fd_, static_cast<__int64>(offset + got), SEEK_SET) >= 0) {
      std::size_t left = out.size() - got;
      n = _read(fd_, out.data() + got, left > (1u << 30) ? (1u << 30) : unsigned(left));
    }
    if (n <= 0)
      throw Error(ErrorKind::input, fmt::format("cannot read back '{}': {}", part_,
                                                n < 0 ? std::strerror(errno) : "file shorter than written"));
    got += std::size_t(n);
  }
  // Later writes append: back to the end.
  _lseeki64(fd_, 0, SEEK_END);
}

void PartFile::commit() {
  if (_commit(fd_) != 0 || _close(fd_) != 0) {
    fd_ = -1;
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", part_, std::strerror(errno)));
  }
  fd_ = -1;
  if (!MoveFileExA(part_.c_str(), final_.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
    throw Error(ErrorKind::input,
                fmt::format("cannot rename '{}' to '{}' (Windows error {})", part_, final_, GetLastError()));
  g_part_active = 0;
  done_ = true;
  restore_handlers();
}

void PartFile::discard() {
  g_part_active = 0;
  if (fd_ >= 0) _close(fd_);
  fd_ = -1;
  _unlink(part_.c_str());
  done_ = true;
  restore_handlers();
}

}  // namespace espbak
