#pragma once
// READ_REG and WRITE_REG (fact sheet 2.1; esptool loader.py read_reg,
// write_reg).
#include <vector>

#include "espbak/protocol/command_codec.hpp"

namespace espbak::cmd {

// READ_REG: u32 address. The register's value comes back in the reply
// header's value field (RomReply / StubReply::value, Response::value).
struct ReadReg {
  static constexpr Op op = Op::read_reg;
  std::uint32_t addr = 0;

  Bytes encode() const;
  static std::optional<ReadReg> decode(std::span<const std::uint8_t> payload);  // 4 bytes
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
  bool operator==(const ReadReg&) const = default;
};

// WRITE_REG: one or more 16-byte entries (addr, value, mask, delay_us), run
// in order; the ROM and the stub refuse an empty or ragged payload.
struct WriteReg {
  static constexpr Op op = Op::write_reg;
  struct Entry {
    std::uint32_t addr = 0;
    std::uint32_t value = 0;
    std::uint32_t mask = 0xFFFFFFFF;
    std::uint32_t delay_us = 0;  // waited before the write
    bool operator==(const Entry&) const = default;
  };
  static constexpr std::size_t kEntrySize = 16;
  std::vector<Entry> entries;

  Bytes encode() const;
  static std::optional<WriteReg> decode(std::span<const std::uint8_t> payload);
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
  bool operator==(const WriteReg&) const = default;
};

}  // namespace espbak::cmd
