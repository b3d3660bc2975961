#include "espbak/sim/flash_model.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "espbak/util/error.hpp"

namespace espbak::sim {

FlashModel::FlashModel(std::uint32_t size) : bytes_(size, 0xFF) {}

FlashModel::FlashModel(std::uint32_t size, const std::string& path) : bytes_(size, 0xFF) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(ErrorKind::usage, "cannot open flash file " + path + ": " + std::strerror(errno));
  struct stat st {};
  ::fstat(fd_, &st);
  if (st.st_size == 0) {
    write_through(0, size);
  } else if (std::uint64_t(st.st_size) != size) {
    ::close(fd_);
    fd_ = -1;
    throw Error(ErrorKind::usage, "flash file " + path + " has " + std::to_string(st.st_size) +
                                      " bytes, --flash-size needs " + std::to_string(size));
  } else {
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = ::pread(fd_, bytes_.data() + done, size - done, off_t(done));
      if (n <= 0) throw Error(ErrorKind::usage, "cannot read flash file " + path);
      done += std::size_t(n);
    }
  }
}

FlashModel::~FlashModel() {
  if (fd_ >= 0) ::close(fd_);
}

void FlashModel::write_through(std::uint32_t offset, std::uint32_t len) {
  if (fd_ < 0 || len == 0) return;
  std::size_t done = 0;
  while (done < len) {
    ssize_t n = ::pwrite(fd_, bytes_.data() + offset + done, len - done, off_t(offset + done));
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      throw Error(ErrorKind::internal, std::string("flash file write failed: ") + std::strerror(errno));
    }
    done += std::size_t(n);
  }
}

void FlashModel::erase(std::uint32_t offset, std::uint32_t len) {
  if (offset >= size() || !powered_) return;
  len = std::min(len, size() - offset);
  std::fill_n(bytes_.begin() + offset, len, std::uint8_t(0xFF));
  write_through(offset, len);
}

void FlashModel::erase_all() { erase(0, size()); }

void FlashModel::program(std::uint32_t offset, std::span<const std::uint8_t> data) {
  if (offset >= size() || !powered_) return;
  std::uint32_t len = std::min<std::uint32_t>(std::uint32_t(data.size()), size() - offset);
  for (std::uint32_t i = 0; i < len; ++i) bytes_[offset + i] &= data[i];
  write_through(offset, len);
}

std::vector<std::uint8_t> FlashModel::read(std::uint32_t offset, std::uint32_t len) const {
  std::vector<std::uint8_t> out(len, 0xFF);
  if (offset < size() && powered_) {
    std::uint32_t n = std::min(len, size() - offset);
    std::copy_n(bytes_.begin() + offset, n, out.begin());
  }
  return out;
}

}  // namespace espbak::sim
