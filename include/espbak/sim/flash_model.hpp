#pragma once
// The simulated SPI NOR flash: bytes in memory, optionally written through to
// a file so a test can compare the device's flash with the file as soon as
// the host's command has returned.
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace espbak::sim {

class FlashModel {
 public:
  // In-memory flash of `size` bytes, erased (0xFF).
  explicit FlashModel(std::uint32_t size);
  // Flash backed by `path`: created filled with 0xFF when missing; an existing
  // file of another size is an error (espbak::Error, ErrorKind::usage).
  FlashModel(std::uint32_t size, const std::string& path);
  ~FlashModel();
  FlashModel(const FlashModel&) = delete;
  FlashModel& operator=(const FlashModel&) = delete;

  std::uint32_t size() const { return std::uint32_t(bytes_.size()); }
  std::span<const std::uint8_t> bytes() const { return bytes_; }

  // NOR semantics: erase sets bytes to 0xFF, programming can only clear bits
  // (new = old & data). Ranges are clipped to the chip (addresses wrap on a
  // real chip; the loaders never send such ranges).
  void erase(std::uint32_t offset, std::uint32_t len);
  void erase_all();
  void program(std::uint32_t offset, std::span<const std::uint8_t> data);
  // Reads `len` bytes; past the end reads 0xFF.
  std::vector<std::uint8_t> read(std::uint32_t offset, std::uint32_t len) const;

  // An unpowered chip (the ESP32-P4 v3.1 before the host switches its supply
  // on, docs/espsim.md): reads return 0xFF, erases and programs are lost.
  void set_powered(bool on) { powered_ = on; }
  bool powered() const { return powered_; }

 private:
  void write_through(std::uint32_t offset, std::uint32_t len);
  std::vector<std::uint8_t> bytes_;
  std::FILE* file_ = nullptr;  // --flash-file, written through after each change
  bool powered_ = true;
};

}  // namespace espbak::sim
