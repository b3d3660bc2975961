// file_stamp.hpp on POSIX: stat with nanosecond modification times, device and inode.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "espbak/util/error.hpp"
#include "file_stamp.hpp"

namespace espbak::detail {

namespace {

FileStamp stamp_of(const struct stat& st) {
  FileStamp f;
  f.size = std::uint64_t(st.st_size);
  f.mtime_ns = std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  f.device = std::uint64_t(st.st_dev);
  f.inode = std::uint64_t(st.st_ino);
  return f;
}

}  // namespace

FileRead read_file_once(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorKind::input, fmt::format("cannot open '{}': {}", file, std::strerror(errno)));
  FileRead r;
  struct stat before {}, after {};
  bool ok = ::fstat(fd, &before) == 0;
  r.regular = ok && S_ISREG(before.st_mode);
  if (r.regular) r.data.reserve(std::size_t(before.st_size));
  unsigned char buf[65536];
  for (ssize_t n; ok;) {
    n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    r.data.insert(r.data.end(), buf, buf + n);
  }
  const int err = errno;
  ok = ok && ::fstat(fd, &after) == 0;
  ::close(fd);
  if (!ok) throw Error(ErrorKind::input, fmt::format("cannot read '{}': {}", file, std::strerror(err)));
  r.before = stamp_of(before);
  r.after = stamp_of(after);
  return r;
}

std::optional<FileStamp> stamp_now(const std::string& file, bool& regular) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  regular = S_ISREG(st.st_mode);
  return stamp_of(st);
}

}  // namespace espbak::detail
