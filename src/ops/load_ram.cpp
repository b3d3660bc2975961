// load_ram FILE and run: code into RAM and started (esptool v5.3.1 cmds.py
// load_ram, run). The image is read by the shared parser (image/
// firmware_image.hpp), as esptool's load_ram reads it with LoadFirmwareImage.
#include <fmt/format.h>

#include <fstream>
#include <iterator>

#include "espbak/image/firmware_image.hpp"
#include "espbak/ops/commands.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

image::FirmwareImage read_load_ram_image(const std::string& path, const ChipInfo& chip) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::input, fmt::format("cannot read image file '{}'", path));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorKind::input, fmt::format("cannot read image file '{}'", path));
  try {
    image::FirmwareImage img = image::parse_firmware_image(chip, bytes);
    // esptool would send the V2 image's IROM segment (flash code, stored
    // with load address 0) to RAM address 0; espbak refuses instead.
    if (img.version == 2)
      throw Error(ErrorKind::input,
                  "ESP8266 V2 (OTA bootloader) image: its first segment is flash (IROM) code, not RAM; load_ram "
                  "takes a V1 image (magic 0xe9)");
    return img;
  } catch (const Error& e) {
    throw Error(e.kind(), fmt::format("{}: {}", path, e.what()));
  }
}

void cmd_load_ram(Session& s, const std::string& path) {
  s.refuse_in_secure_download_mode("load_ram", "RAM downloads are refused");
  // The file is read again here, now that the chip (and so its header form)
  // is known: the check before connecting used --chip or either form.
  image::FirmwareImage image = read_load_ram_image(path, s.chip());
  Reporter& r = s.report();
  for (const auto& w : image.warnings) r.warning(w);  // as LoadFirmwareImage prints them
  r.info(fmt::format("Loading '{}' to RAM...", path));
  // Each segment: MEM_BEGIN, then MEM_DATA blocks of ESP_RAM_BLOCK bytes
  // (0x1800; USB_RAM_BLOCK 0x800 over USB-OTG, esptool targets/esp32s2.py
  // _post_connect and ESP32S2StubLoader: Loader::ram_block_size).
  // Not retried: a repeat after a fault would need the whole image again.
  Loader& l = s.loader();
  const std::uint32_t block = l.ram_block_size();
  for (const image::Segment& seg : image.segments) {
    const auto size = std::uint32_t(seg.data.size());
    r.info(fmt::format("Downloading {} bytes at {:#010x}...", size, seg.addr));
    const std::uint32_t blocks = (size + block - 1) / block;
    l.mem_begin(size, blocks, block, seg.addr);
    for (std::uint32_t seq = 0; seq < blocks; ++seq) {
      const std::uint32_t from = seq * block;
      l.mem_block(std::span(seg.data).subspan(from, std::min(block, size - from)), seq);
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
