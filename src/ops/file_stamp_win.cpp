// file_stamp.hpp through Win32: the C runtime's stat has no inode (st_ino
// is 0) and gives st_dev differently for a path and a descriptor, so the
// stamp comes from GetFileInformationByHandle: the volume's serial number
// and the file index identify the file (a file replaced by another has a
// new index), the last-write time is in 100 ns units.
#include <fcntl.h>
#include <io.h>
#include <windows.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "espbak/util/error.hpp"
#include "file_stamp.hpp"

namespace espbak::detail {

namespace {

// FILETIME counts 100 ns ticks since 1601.
std::optional<FileStamp> stamp_of(HANDLE h, bool& regular) {
  BY_HANDLE_FILE_INFORMATION info{};
  if (!GetFileInformationByHandle(h, &info)) {
    regular = false;  // a pipe or console: nothing to compare
    return FileStamp{};
  }
  regular = GetFileType(h) == FILE_TYPE_DISK && !(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY);
  FileStamp f;
  f.size = (std::uint64_t(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
  f.mtime_ns =
      std::int64_t((std::uint64_t(info.ftLastWriteTime.dwHighDateTime) << 32) | info.ftLastWriteTime.dwLowDateTime) *
      100;
  f.device = info.dwVolumeSerialNumber;
  f.inode = (std::uint64_t(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
  return f;
}

}  // namespace

FileRead read_file_once(const std::string& file) {
  const int fd = _open(file.c_str(), _O_RDONLY | _O_BINARY | _O_NOINHERIT);
  if (fd < 0) throw Error(ErrorKind::input, fmt::format("cannot open '{}': {}", file, std::strerror(errno)));
  HANDLE h = reinterpret_cast<HANDLE>(_get_osfhandle(fd));
  FileRead r;
  r.before = *stamp_of(h, r.regular);
  if (r.regular) r.data.reserve(std::size_t(r.before.size));
  unsigned char buf[65536];
  bool ok = true;
  for (int n;;) {
    n = _read(fd, buf, sizeof buf);
    if (n < 0) ok = false;
    if (n <= 0) break;
    r.data.insert(r.data.end(), buf, buf + n);
  }
  const int err = errno;
  bool still_regular = false;
  r.after = *stamp_of(h, still_regular);
  _close(fd);
  if (!ok) throw Error(ErrorKind::input, fmt::format("cannot read '{}': {}", file, std::strerror(err)));
  return r;
}

std::optional<FileStamp> stamp_now(const std::string& file, bool& regular) {
  // No access asked for, every sharing mode allowed: only the attributes
  // are read, whoever has the file open. BACKUP_SEMANTICS opens a directory too.
  HANDLE h = CreateFileA(file.c_str(), 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                         OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (h == INVALID_HANDLE_VALUE) return std::nullopt;
  std::optional<FileStamp> stamp = stamp_of(h, regular);
  CloseHandle(h);
  return stamp;
}

}  // namespace espbak::detail
