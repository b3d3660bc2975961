#pragma once
// Flash setup, writing and erasing: SPI_ATTACH, SPI_SET_PARAMS,
// FLASH_BEGIN/DATA/END, FLASH_DEFL_BEGIN/DATA/END, ERASE_FLASH, ERASE_REGION
// (fact sheet 2.1-2.3; esptool loader.py flash_spi_attach,
// flash_set_parameters, flash_begin, flash_block, flash_finish,
// flash_defl_begin, flash_defl_block, flash_defl_finish, erase_flash,
// erase_region; cmds.py write_flash for the block timeouts).
#include "espbak/protocol/command_codec.hpp"

namespace espbak::cmd {

// SPI_ATTACH: u32 pin configuration (0 = the eFuse's default pins). A ROM
// takes 4 more bytes, u8 is_legacy and 3 reserved (8 bytes, the form esptool
// sends it); a stub takes the word alone (4 bytes). The ROM accepts both.
struct SpiAttach {
  static constexpr Op op = Op::spi_attach;
  std::uint32_t pins = 0;
  std::optional<std::uint8_t> is_legacy{};  // set: the ROM's 8-byte form

  Bytes encode() const;
  static std::optional<SpiAttach> decode(std::span<const std::uint8_t> payload);  // 4 or 8 bytes
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
  bool operator==(const SpiAttach&) const = default;
};

// SPI_SET_PARAMS: the ROM's "flashchip" structure, six u32; the defaults are
// the fixed values esptool sends (flash_set_parameters).
struct SpiSetParams {
  static constexpr Op op = Op::spi_set_params;
  std::uint32_t id = 0;
  std::uint32_t total_size = 0;
  std::uint32_t block_size = 0x10000;
  std::uint32_t sector_size = 0x1000;
  std::uint32_t page_size = 0x100;
  std::uint32_t status_mask = 0xFFFF;

  Bytes encode() const;
  static std::optional<SpiSetParams> decode(std::span<const std::uint8_t> payload);  // 24 bytes
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
  bool operator==(const SpiSetParams&) const = default;
};

// FLASH_BEGIN: u32 erase size, u32 number of blocks, u32 block size, u32
// offset, and a 5th word `encrypted` (0/1) that stubs and the ROMs after the
// ESP32 take (16 or 20 bytes). The ROM erases the region before answering;
// the stub erases as it writes. On the ESP8266 ROM erase_size is esptool's
// get_erase_size workaround for its SPIEraseArea bug, not the region.
struct FlashBegin {
  static constexpr Op op = Op::flash_begin;
  std::uint32_t erase_size = 0;
  std::uint32_t num_blocks = 0;
  std::uint32_t block_size = 0;
  std::uint32_t offset = 0;
  std::optional<std::uint32_t> encrypted{};

  Bytes encode() const;
  static std::optional<FlashBegin> decode(std::span<const std::uint8_t> payload);  // 16 or 20 bytes
  // A stub answers at once (DEFAULT_TIMEOUT); a ROM after erasing
  // `region_size` bytes (ERASE_REGION_TIMEOUT_PER_MB, loader.py
  // flash_begin). esptool scales with the region (its `size`), so the
  // ESP8266 ROM's mangled erase_size does not shorten the wait: the caller
  // names the region.
  static milliseconds erase_timeout(const Timeouts& t, LoaderKind to, std::uint32_t region_size);
  milliseconds timeout(const Timeouts& t, LoaderKind to) const { return erase_timeout(t, to, erase_size); }
  bool operator==(const FlashBegin&) const = default;
};

// FLASH_DATA: one block (DataBlock layout, checksummed). The host pads the
// last block with 0xFF to the block size.
struct FlashData : DataCommand<FlashData, Op::flash_data> {
  // ERASE_WRITE_TIMEOUT_PER_MB of the block it writes: its reply may wait
  // for its flash write (ROM) or the previous block's (stub).
  milliseconds timeout(const Timeouts& t, LoaderKind) const {
    return t.per_mb(t.erase_write_seconds_per_mb, data.size());
  }
};

// FLASH_END: u32 flag, 0 = reboot, 1 = run the application (to a ROM both
// leave the loader; the stub stays, and answers once its last write is done).
struct FlashEnd {
  static constexpr Op op = Op::flash_end;
  static constexpr std::uint32_t kReboot = 0, kRunUserCode = 1;
  std::uint32_t flag = kReboot;

  Bytes encode() const;
  static std::optional<FlashEnd> decode(std::span<const std::uint8_t> payload);  // 4 bytes
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
  bool operator==(const FlashEnd&) const = default;
};

// FLASH_DEFL_BEGIN: FLASH_BEGIN's layout; the size word is the uncompressed
// byte count to a stub, rounded up to whole 0x400 blocks to a ROM, and
// num_blocks counts blocks of the compressed stream (loader.py
// flash_defl_begin).
struct FlashDeflBegin {
  static constexpr Op op = Op::flash_defl_begin;
  std::uint32_t size = 0;
  std::uint32_t num_blocks = 0;
  std::uint32_t block_size = 0;
  std::uint32_t offset = 0;
  std::optional<std::uint32_t> encrypted{};

  Bytes encode() const;
  static std::optional<FlashDeflBegin> decode(std::span<const std::uint8_t> payload);  // 16 or 20 bytes
  // A stub answers at once; a ROM after erasing `size` bytes
  // (loader.py flash_defl_begin).
  milliseconds timeout(const Timeouts& t, LoaderKind to) const { return FlashBegin::erase_timeout(t, to, size); }
  bool operator==(const FlashDeflBegin&) const = default;
};

// FLASH_DEFL_DATA: a piece of the zlib stream (DataBlock layout, checksummed
// over the compressed bytes; the last piece is not padded).
struct FlashDeflData : DataCommand<FlashDeflData, Op::flash_defl_data> {
  // ERASE_WRITE_TIMEOUT_PER_MB of what the block inflates to, which only
  // the sender knows (esptool runs a decompressor alongside: cmds.py
  // write_flash).
  static milliseconds timeout(const Timeouts& t, std::uint64_t inflated_size) {
    return t.per_mb(t.erase_write_seconds_per_mb, inflated_size);
  }
};

// FLASH_DEFL_END: u32 flag, as FLASH_END.
struct FlashDeflEnd {
  static constexpr Op op = Op::flash_defl_end;
  std::uint32_t flag = FlashEnd::kReboot;

  Bytes encode() const;
  static std::optional<FlashDeflEnd> decode(std::span<const std::uint8_t> payload);  // 4 bytes
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
  bool operator==(const FlashDeflEnd&) const = default;
};

// ERASE_FLASH (stub only): no arguments. The stub does not look at the
// length, so any payload decodes.
struct EraseFlash {
  static constexpr Op op = Op::erase_flash;

  Bytes encode() const { return {}; }
  static std::optional<EraseFlash> decode(std::span<const std::uint8_t>) { return EraseFlash{}; }
  // CHIP_ERASE_TIMEOUT: "depending on flash chip model the erase may take
  // this long" (loader.py).
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.chip_erase; }
  bool operator==(const EraseFlash&) const = default;
};

// ERASE_REGION (stub only): u32 offset, u32 size, both multiples of 4096.
struct EraseRegion {
  static constexpr Op op = Op::erase_region;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;

  Bytes encode() const;
  static std::optional<EraseRegion> decode(std::span<const std::uint8_t> payload);  // 8 bytes
  // ERASE_REGION_TIMEOUT_PER_MB (loader.py erase_region).
  milliseconds timeout(const Timeouts& t, LoaderKind) const {
    return t.per_mb(t.erase_region_seconds_per_mb, size);
  }
  bool operator==(const EraseRegion&) const = default;
};

}  // namespace espbak::cmd
