// load_ram FILE and run: code into RAM and started (esptool v5.3.1 cmds.py
// load_ram, run); the image reader is ram_image.cpp.
#include <fmt/format.h>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/image.hpp"
#include "espbak/ops/ram_image.hpp"
#include "espbak/protocol/opcodes.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

void cmd_load_ram(Session& s, const std::string& path) {
  s.refuse_in_secure_download_mode("load_ram", "RAM downloads are refused");
  // The file is read again here, now that the chip (and so its header form)
  // is known: the check before connecting used --chip or the ESP32 form.
  RamImage image = read_ram_image_file(path, s.chip().quirks.extended_image_header);
  Reporter& r = s.report();
  r.info(fmt::format("Loading '{}' to RAM...", path));
  // Each segment: MEM_BEGIN, then MEM_DATA blocks of ESP_RAM_BLOCK bytes.
  // Not retried: a repeat after a fault would need the whole image again.
  Loader& l = s.loader();
  for (std::size_t i = 0; i < image.segments.size(); ++i) {
    const RamSegment& seg = image.segments[i];
    const auto size = std::uint32_t(seg.data.size());
    r.info(fmt::format("Downloading {} bytes at {:#010x}...", size, seg.addr));
    const std::uint32_t blocks = (size + kRamBlockSize - 1) / kRamBlockSize;
    l.mem_begin(size, blocks, kRamBlockSize, seg.addr);
    for (std::uint32_t seq = 0; seq < blocks; ++seq) {
      const std::uint32_t from = seq * kRamBlockSize;
      l.mem_block(std::span(seg.data).subspan(from, std::min(kRamBlockSize, size - from)), seq);
    }
  }
  r.info(fmt::format("Loaded {} segments from '{}' to RAM, executing at {:#010x}.", image.segments.size(), path,
                     image.entry));
  l.mem_finish(image.entry);
  r.json().set("segments", std::uint64_t(image.segments.size()));
  r.json().set("entry", fmt::format("{:#010x}", image.entry));
}

void cmd_run(Session& s) {
  s.refuse_in_secure_download_mode("run", "FLASH_END is not how the mode leaves the loader");
  s.attach_flash();  // esptool run_cli: attach_flash (with the flash's software reset), then run()
  s.loader().reset_flash_chip();
  s.loader().run_user_code();
}

}  // namespace espbak
