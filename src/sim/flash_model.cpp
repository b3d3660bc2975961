#include "espbak/sim/flash_model.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "espbak/util/error.hpp"

namespace espbak::sim {

FlashModel::FlashModel(std::uint32_t size) : bytes_(size, 0xFF) {}

FlashModel::FlashModel(std::uint32_t size, const std::string& path) : bytes_(size, 0xFF) {
  // stdio rather than POSIX files so espsim builds for Windows too; "r+b"
  // keeps an existing image, "w+b" creates a missing one.
  file_ = std::fopen(path.c_str(), "r+b");
  if (!file_ && errno == ENOENT) file_ = std::fopen(path.c_str(), "w+b");
  if (!file_) throw Error(ErrorKind::usage, "cannot open flash file " + path + ": " + std::strerror(errno));
  long long have = std::fseek(file_, 0, SEEK_END) == 0 ? std::ftell(file_) : -1;
  if (have == 0) {
    write_through(0, size);
  } else if (have != static_cast<long long>(size)) {
    std::fclose(file_);
    file_ = nullptr;
    throw Error(ErrorKind::usage, "flash file " + path + " has " + std::to_string(have) +
                                      " bytes, --flash-size needs " + std::to_string(size));
  } else if (std::fseek(file_, 0, SEEK_SET) != 0 || std::fread(bytes_.data(), 1, size, file_) != size) {
    throw Error(ErrorKind::usage, "cannot read flash file " + path);
  }
}

FlashModel::~FlashModel() {
  if (file_) std::fclose(file_);
}

void FlashModel::write_through(std::uint32_t offset, std::uint32_t len) {
  if (!file_ || len == 0) return;
  // fflush: the image on disk is current whenever the host gets its answer.
  if (std::fseek(file_, long(offset), SEEK_SET) != 0 || std::fwrite(bytes_.data() + offset, 1, len, file_) != len ||
      std::fflush(file_) != 0)
    throw Error(ErrorKind::internal, std::string("flash file write failed: ") + std::strerror(errno));
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
