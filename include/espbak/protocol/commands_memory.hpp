#pragma once
// RAM download: MEM_BEGIN, MEM_DATA, MEM_END, and the stub's greeting that
// follows MEM_END (fact sheet 2.1 and 3; esptool loader.py mem_begin,
// mem_block, mem_finish, run_stub).
#include "espbak/protocol/command_codec.hpp"

namespace espbak::cmd {

// MEM_BEGIN: u32 total size, u32 number of blocks, u32 block size, u32 load
// address.
struct MemBegin {
  static constexpr Op op = Op::mem_begin;
  std::uint32_t total_size = 0;
  std::uint32_t num_blocks = 0;
  std::uint32_t block_size = 0;
  std::uint32_t offset = 0;

  Bytes encode() const;
  static std::optional<MemBegin> decode(std::span<const std::uint8_t> payload);  // 16 bytes
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
  bool operator==(const MemBegin&) const = default;
};

// MEM_DATA: one block of the RAM image (DataBlock layout, checksummed).
struct MemData : DataCommand<MemData, Op::mem_data> {
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
};

// MEM_END: u32 flag (0 = jump to the entry point, else stay), u32 entry.
struct MemEnd {
  static constexpr Op op = Op::mem_end;
  std::uint32_t flag = 0;
  std::uint32_t entry = 0;

  bool jumps() const { return flag == 0; }
  Bytes encode() const;
  static std::optional<MemEnd> decode(std::span<const std::uint8_t> payload);  // 8 bytes
  // MEM_END_ROM_TIMEOUT to a ROM: the code it jumps to may retune the UART
  // before the reply has left, so esptool waits briefly and ignores errors
  // (loader.py mem_finish); DEFAULT_TIMEOUT to a stub.
  milliseconds timeout(const Timeouts& t, LoaderKind to) const {
    return to == LoaderKind::rom ? t.mem_end_rom : t.standard;
  }
  bool operator==(const MemEnd&) const = default;
};

// The raw frame a freshly started stub sends before anything else: "OHAI"
// (fact sheet 1.1), the only frame a loader sends unasked.
struct StubGreeting {
  // The host waits this long for it after MEM_END (loader.py run_stub's
  // DEFAULT_TIMEOUT read).
  static milliseconds timeout(const Timeouts& t) { return t.standard; }
  Bytes encode() const { return {'O', 'H', 'A', 'I'}; }
  static std::optional<StubGreeting> decode(std::span<const std::uint8_t> frame);  // exactly "OHAI"
  bool operator==(const StubGreeting&) const = default;
};

}  // namespace espbak::cmd
