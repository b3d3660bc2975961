// Loader: code into RAM and out of the loader: MEM_BEGIN / MEM_DATA /
// MEM_END (esptool v5.3.1 loader.py mem_begin, mem_block, mem_finish) and
// esptool's run() (FLASH_BEGIN(0, 0) + FLASH_END).
#include <fmt/format.h>

#include "espbak/loader/loader.hpp"
#include "espbak/loader/stub_images.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

void Loader::mem_begin(std::uint32_t size, std::uint32_t blocks, std::uint32_t block_size, std::uint32_t offset) {
  if (stub_) {
    // Loading over the running stub would crash it mid-transfer: esptool
    // refuses a range that overlaps its DRAM (bss + data) or IRAM (text).
    if (auto image = find_stub_image(chip().stub_for(FieldReader(reg_reader())))) {
      const std::uint64_t load_start = offset, load_end = std::uint64_t(offset) + size;
      for (std::size_t i = image->segments.size(); i-- > 0;) {
        const auto& seg = image->segments[i];
        std::uint64_t start = seg.addr, end = std::uint64_t(seg.addr) + seg.bytes.size();
        if (i == 1 && image->bss_start) start = image->bss_start;  // the data segment: DRAM from bss
        if (load_start < end && load_end > start)
          throw Error(ErrorKind::usage,
                      fmt::format("Stub flasher is resident at {:#010x}-{:#010x}. Can't load binary at overlapping "
                                  "address range {:#010x}-{:#010x}. Either change binary loading address, or "
                                  "disable the stub flasher.",
                                  start, end, load_start, load_end));
      }
    }
  }
  check(cmd::MemBegin{size, blocks, block_size, offset});
}

void Loader::mem_block(std::span<const std::uint8_t> data, std::uint32_t seq) { check(cmd::MemData::of(seq, data)); }

void Loader::mem_finish(std::uint32_t entry) {
  // Flag 0 jumps (esptool: int(entrypoint == 0)). The ROM's reply may be
  // cut off by the code it starts: short timeout, errors ignored; the
  // stub's reply comes before the jump.
  try {
    check(cmd::MemEnd{.flag = entry == 0 ? 1u : 0u, .entry = entry});
  } catch (const Error& e) {
    if (stub_ || e.kind() == ErrorKind::port) throw;
  }
}

void Loader::run_user_code() {
  flash_begin(0, 0);
  check(cmd::FlashEnd{cmd::FlashEnd::kRunUserCode});
}

}  // namespace espbak
