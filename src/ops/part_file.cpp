#include "espbak/ops/part_file.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "espbak/util/error.hpp"

namespace espbak {

namespace {

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Six letters or digits for the temporary name, as mkstemp's XXXXXX
// (mkstemp itself creates mode 0600 files, not the umask's mode).
std::string unique_suffix() {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char bytes[6];
  if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != ssize_t(sizeof bytes)) {
    // No entropy yet: uniqueness, not secrecy, is what O_EXCL needs.
    std::uint64_t seed = std::uint64_t(std::time(nullptr)) * 6364136223846793005ull + std::uint64_t(getpid()) +
                         std::uint64_t(clock());
    for (auto& b : bytes) b = static_cast<unsigned char>(seed >>= 7);
  }
  std::string s;
  for (unsigned char b : bytes) s += kAlphabet[b % (sizeof kAlphabet - 1)];
  return s;
}

// Why a name that exists cannot be replaced by a regular file; empty if it can.
std::string unusable_target(const std::string& path, bool& exists) {
  struct stat st {};
  exists = ::lstat(path.c_str(), &st) == 0;
  if (!exists) return "";
  if (S_ISREG(st.st_mode)) return "";
  if (S_ISDIR(st.st_mode)) return "it is a directory";
  if (S_ISLNK(st.st_mode)) {
    // Replaced as a name, nothing is written through it; but a link to a
    // directory almost certainly meant "into that directory".
    struct stat target {};
    if (::stat(path.c_str(), &target) == 0 && S_ISDIR(target.st_mode))
      return "it is a symbolic link to a directory";
    return "";
  }
  if (S_ISFIFO(st.st_mode)) return "it is a FIFO (named pipe); espbak writes only regular files";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "it is a device; espbak writes only regular files";
  if (S_ISSOCK(st.st_mode)) return "it is a socket; espbak writes only regular files";
  return "it is not a regular file";
}

std::string file_size_limit_text() {
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_FSIZE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return "the file-size limit";
  return fmt::format("the file-size limit (ulimit -f) of {} bytes", std::uint64_t(rl.rlim_cur));
}

}  // namespace

bool PartFile::directory_writable(const std::string& dir) { return access(dir.c_str(), W_OK | X_OK) == 0; }

void PartFile::check_target(const std::string& final_path) {
  const std::string dir = directory_of(final_path);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw Error(ErrorKind::input,
                fmt::format("cannot write '{}': directory '{}' does not exist", final_path, dir));
  bool exists = false;
  if (auto why = unusable_target(final_path, exists); !why.empty())
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", final_path, why));
  if (!directory_writable(dir))
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': directory '{}' is not writable", final_path, dir));
}

void PartFile::check_room(const std::string& final_path, std::uint64_t size) {
  const std::string dir = directory_of(final_path);
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) == 0) {
    const std::uint64_t free_bytes = std::uint64_t(vfs.f_bavail) * vfs.f_frsize;
    if (free_bytes < size)
      throw Error(ErrorKind::input,
                  fmt::format("cannot write '{}': not enough free space ({} bytes needed, {} available in '{}')",
                              final_path, size, free_bytes, dir));
  }
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && size > rl.rlim_cur)
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {} bytes exceed {}", final_path, size,
                                              file_size_limit_text()));
}

PartFile::PartFile(std::string final_path) : final_(std::move(final_path)), dir_(directory_of(final_)) {
  check_target(final_);
  bool exists = false;
  unusable_target(final_, exists);
  final_existed_ = exists;
  // Deferred first: a signal from here on is seen by write() or commit(),
  // and the destructor removes the file.
  deferred_.emplace();
  for (int attempt = 0; fd_ < 0; ++attempt) {
    part_ = fmt::format("{}.{}.part", final_, unique_suffix());
    fd_ = ::open(part_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
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
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EFBIG)
        throw Error(ErrorKind::input, fmt::format("cannot write '{}': {} was reached", final_, file_size_limit_text()));
      throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", final_, std::strerror(err)));
    }
    p += n;
    left -= std::size_t(n);
  }
}

void PartFile::reserve(std::uint64_t size) {
  check_room(final_, size);
  if (size == 0) return;
  if (::fallocate(fd_, FALLOC_FL_KEEP_SIZE, 0, off_t(size)) == 0) return;
  const int err = errno;
  if (err == ENOSPC)
    throw Error(ErrorKind::input,
                fmt::format("cannot write '{}': not enough free space ({} bytes needed in '{}')", final_, size, dir_));
  if (err == EFBIG)
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {} bytes exceed {}", final_, size,
                                              file_size_limit_text()));
  // EOPNOTSUPP and the like: the filesystem cannot reserve; statvfs said enough.
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
  check_interrupted();
  if (::fsync(fd_) != 0) {
    const int err = errno;
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", final_, std::strerror(err)));
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const int err = errno;
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", final_, std::strerror(err)));
  }
  // The name may have changed since the checks before the work began.
  bool exists = false;
  if (auto why = unusable_target(final_, exists); !why.empty())
    throw Error(ErrorKind::input, fmt::format("cannot write '{}': {}", final_, why));
  // rename replaces the name: a symlink there is replaced, never followed.
  if (std::rename(part_.c_str(), final_.c_str()) != 0) {
    const int err = errno;
    throw Error(ErrorKind::input, fmt::format("cannot rename '{}' to '{}': {}", part_, final_, std::strerror(err)));
  }
  unregister_temporary_file(temporary_slot_);
  temporary_slot_ = kNoSlotFree;
  done_ = true;
  deferred_.reset();
  // The new name is durable only once the directory is (ext4, XFS: a power
  // cut after rename() can otherwise lose it).
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const int synced = dfd >= 0 ? ::fsync(dfd) : -1;
  const int err = errno;
  if (dfd >= 0) ::close(dfd);
  if (synced != 0 && err != EINVAL && err != EROFS)  // EINVAL: a filesystem without directory sync
    throw Error(ErrorKind::input, fmt::format("'{}' was written, but its directory '{}' could not be synced: {}",
                                              final_, dir_, std::strerror(err)));
}

std::string PartFile::interrupted_note() const {
  return fmt::format("nothing was written to '{}' (the partial file was removed{})", final_,
                     final_existed_ ? "; the existing file is untouched" : "");
}

void PartFile::discard() {
  unregister_temporary_file(temporary_slot_);
  temporary_slot_ = kNoSlotFree;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!part_.empty()) ::unlink(part_.c_str());
  done_ = true;
  deferred_.reset();
}

}  // namespace espbak
