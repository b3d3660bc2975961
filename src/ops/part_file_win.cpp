// PartFile (part_file.hpp) for the Windows build; the POSIX version is
// part_file.cpp, which the Windows build leaves out (CMakeLists.txt). The
// same contract through the C runtime and Win32: the temporary file is
// created with _O_EXCL (never an existing file), flushed (_commit, i.e.
// FlushFileBuffers), and moved over the final name with MoveFileEx
// (rename() refuses to replace an existing file there); MOVEFILE_WRITE_THROUGH
// returns once the move is on disk, so there is no directory to sync.
// Interruptions (console events) come from interruption_win.cpp.
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#include <windows.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "espbak/ops/part_file.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

namespace {

// Both separators, and a drive's root ("C:\x" -> "C:\", "C:x" -> "C:").
std::string directory_of(const std::string& path) {
  auto slash = path.find_last_of("/\\");
  if (slash == std::string::npos) return path.size() >= 2 && path[1] == ':' ? path.substr(0, 2) : ".";
  if (slash == 0 || (slash == 2 && path[1] == ':')) return path.substr(0, slash + 1);
  return path.substr(0, slash);
}

// Six letters or digits, as part_file.cpp's. Uniqueness, not secrecy, is
// what _O_EXCL needs: the time, the process and a counter.
std::string unique_suffix() {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  static std::uint64_t counter = 0;
  LARGE_INTEGER now{};
  QueryPerformanceCounter(&now);
  std::uint64_t seed = std::uint64_t(now.QuadPart) * 6364136223846793005ull + GetCurrentProcessId() +
                       (++counter << 32) + GetCurrentThreadId();
  std::string s;
  for (int i = 0; i < 6; ++i) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    s += kAlphabet[(seed >> 33) % (sizeof kAlphabet - 1)];
  }
  return s;
}

// Why a name that exists cannot be replaced by a regular file; empty if it can.
std::string unusable_target(const std::string& path, bool& exists) {
  // "NUL", "CON", "COM3", "dir\\nul.txt" ...: Win32 maps them to devices.
  char full[MAX_PATH];
  DWORD n = GetFullPathNameA(path.c_str(), sizeof full, full, nullptr);
  if (n > 0 && n < sizeof full && std::strncmp(full, "\\\\.\\", 4) == 0) {
    exists = true;
    return "it is a device; espbak writes only regular files";
  }
  const DWORD attributes = GetFileAttributesA(path.c_str());
  exists = attributes != INVALID_FILE_ATTRIBUTES;
  if (!exists) return "";
  // A directory symlink or junction carries the directory attribute too.
  if (attributes & FILE_ATTRIBUTE_DIRECTORY) return "it is a directory";
  if (attributes & FILE_ATTRIBUTE_READONLY) return "it is read-only";
  return "";  // a file, or a symlink to one: MoveFileEx replaces the link itself
}

std::string system_message(DWORD code) {
  char text[256] = {};
  DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, code, 0, text,
                           sizeof text, nullptr);
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == '.')) text[--n] = 0;
  return n ? std::string(text) : "Windows error " + std::to_string(code);
}

// The C runtime's narrow calls take at most MAX_PATH characters; the
// temporary name is the final one plus ".XXXXXX.part".
constexpr std::size_t kPartSuffixLength = 12;

}  // namespace

bool PartFile::directory_writable(const std::string& dir) { return _access(dir.c_str(), 2) == 0; }

void PartFile::check_target(const std::string& final_path) {
  if (final_path.size() + kPartSuffixLength >= MAX_PATH)
    throw Error(ErrorKind::input, fmt::format("output path too long: {}", final_path));
  const std::string dir = directory_of(final_path);
  const DWORD attributes = GetFileAttributesA(dir.c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES || !(attributes & FILE_ATTRIBUTE_DIRECTORY))
    throw Error(ErrorKind::input,
                fmt::format("cannot write '{}': directory '{}' does not exist", final_path, dir));
  bool exists = false;
  if (auto why = unusable_target(final_path, exists); !why.empty())
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", final_path, why));
  if (!directory_writable(dir))
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': directory '{}' is not writable", final_path, dir));
}

// Free space for this user (quotas included). Windows has no ulimit -f.
void PartFile::check_room(const std::string& final_path, std::uint64_t size) {
  const std::string dir = directory_of(final_path);
  ULARGE_INTEGER available{};
  if (GetDiskFreeSpaceExA(dir.c_str(), &available, nullptr, nullptr) && available.QuadPart < size)
    throw Error(ErrorKind::input,
                fmt::format("cannot write '{}': not enough free space ({} bytes needed, {} available in '{}')",
                            final_path, size, std::uint64_t(available.QuadPart), dir));
}

PartFile::PartFile(std::string final_path) : final_(std::move(final_path)), dir_(directory_of(final_)) {
  check_target(final_);
  bool exists = false;
  unusable_target(final_, exists);
  final_existed_ = exists;
  // Deferred first: an event from here on is seen by write() or commit(),
  // and the destructor removes the file.
  deferred_.emplace();
  for (int attempt = 0; fd_ < 0; ++attempt) {
    part_ = fmt::format("{}.{}.part", final_, unique_suffix());
    fd_ = _open(part_.c_str(), _O_RDWR | _O_CREAT | _O_EXCL | _O_BINARY | _O_NOINHERIT, _S_IREAD | _S_IWRITE);
    if (fd_ >= 0) break;
    const int err = errno;
    if (err == EEXIST && attempt < 100) continue;  // someone else's name: draw another
    deferred_.reset();
    throw Error(ErrorKind::input, fmt::format("cannot create a temporary file for '{}' ('{}'): {}", final_,
                                              part_, std::strerror(err)));
  }
  temporary_slot_ = register_temporary_file(part_);
  if (temporary_slot_ == kPathTooLong) {
    discard();
    throw Error(ErrorKind::input, fmt::format("output path too long: {}", final_));
  }
  if (temporary_slot_ == kNoSlotFree) {
    discard();
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {} files are being written already", final_,
                                              kTemporaryFileSlots));
  }
}

PartFile::~PartFile() {
  if (!done_) discard();
}

void PartFile::write(std::span<const unsigned char> data) {
  check_interrupted();
  const unsigned char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    unsigned chunk = left > (1u << 30) ? (1u << 30) : unsigned(left);
    int n = _write(fd_, p, chunk);
    if (n < 0) {
      const int err = errno;
      throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", final_, std::strerror(err)));
    }
    p += n;
    left -= std::size_t(n);
  }
}

void PartFile::reserve(std::uint64_t size) {
  check_room(final_, size);
  if (size == 0) return;
  // The allocation, not the size: as fallocate's FALLOC_FL_KEEP_SIZE.
  FILE_ALLOCATION_INFO allocation{};
  allocation.AllocationSize.QuadPart = LONGLONG(size);
  HANDLE h = reinterpret_cast<HANDLE>(_get_osfhandle(fd_));
  if (h == INVALID_HANDLE_VALUE ||
      SetFileInformationByHandle(h, FileAllocationInfo, &allocation, sizeof allocation))
    return;
  const DWORD err = GetLastError();
  if (err == ERROR_DISK_FULL || err == ERROR_HANDLE_DISK_FULL)
    throw Error(ErrorKind::input,
                fmt::format("cannot write '{}': not enough free space ({} bytes needed in '{}')", final_, size, dir_));
  // Other failures: the filesystem cannot reserve; the free space was enough.
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
  check_interrupted();
  if (_commit(fd_) != 0) {
    const int err = errno;
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", final_, std::strerror(err)));
  }
  const int fd = fd_;
  fd_ = -1;
  if (_close(fd) != 0) {
    const int err = errno;
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", final_, std::strerror(err)));
  }
  // The name may have changed since the checks before the work began.
  bool exists = false;
  if (auto why = unusable_target(final_, exists); !why.empty())
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", final_, why));
  if (!MoveFileExA(part_.c_str(), final_.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
    throw Error(ErrorKind::input,
                fmt::format("cannot rename '{}' to '{}': {}", part_, final_, system_message(GetLastError())));
  unregister_temporary_file(temporary_slot_);
  temporary_slot_ = kNoSlotFree;
  done_ = true;
  deferred_.reset();
}

std::string PartFile::interrupted_note() const {
  return fmt::format("nothing was written to '{}' (the partial file was removed{})", final_,
                     final_existed_ ? "; the existing file is untouched" : "");
}

void PartFile::discard() {
  unregister_temporary_file(temporary_slot_);
  temporary_slot_ = kNoSlotFree;
  if (fd_ >= 0) _close(fd_);
  fd_ = -1;
  if (!part_.empty()) _unlink(part_.c_str());
  done_ = true;
  deferred_.reset();
}

}  // namespace espbak
