// erase_flash and erase_region.
#include <fmt/format.h>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/interruption.hpp"
#include "espbak/ops/security_checks.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {


void cmd_erase_flash(Session& s, bool force) {
  s.refuse_in_secure_download_mode("erase_flash", "the ROM has no ERASE_FLASH: erase_region erases a region");
  if (!s.stub())
    throw Error(ErrorKind::unsupported,
                fmt::format("erase_flash needs the flasher stub (the {} ROM has no ERASE_FLASH); {}, or use "
                            "erase_region",
                            s.chip().name, s.stub_advice()));
  check_erase_flash_allowed(s, force);
  Reporter& r = s.report();
  r.info("Erasing flash (this may take a while)...");
  const auto t0 = s.clock().now();
  {
    // A signal during the erase waits for its end (the chip erases anyway).
    DeferredSignals deferred;
    s.with_recovery("erasing the flash", [&] { s.loader().erase_flash(); });
    check_interrupted("the erase had completed");
  }
  r.info(fmt::format("Chip erase completed successfully in {:.1f} seconds.", s.clock().seconds_since(t0)));
}

void check_erase_region_args(std::uint32_t address, std::uint32_t size) {
  // esptool cmds.py erase_region wording.
  if (address % kFlashSectorSize)
    throw Error(ErrorKind::input, fmt::format("Offset to erase from must be a multiple of {} (got {:#x})",
                                              kFlashSectorSize, address));
  if (size % kFlashSectorSize)
    throw Error(ErrorKind::input,
                fmt::format("Size of data to erase must be a multiple of {} (got {:#x})", kFlashSectorSize, size));
  if (std::uint64_t(address) + size > 0x100000000ull)
    throw Error(ErrorKind::input, "erase_region: address + size is past 4 GB");
}

void cmd_erase_region(Session& s, std::uint32_t address, std::uint32_t size, bool force) {
  check_erase_region_args(address, size);
  check_erase_region_allowed(s, address, force);
  Reporter& r = s.report();
  const ChipInfo& chip = s.chip();
  auto detected = s.with_recovery("reading the flash ID", [&] {
    s.attach_flash();
    return s.detected_flash_size();
  });
  if (auto flash = detected; flash && std::uint64_t(address) + size > *flash)
    throw Error(ErrorKind::input, fmt::format("region {:#x}..{:#x} is past the end of the {} flash", address,
                                              std::uint64_t(address) + size, flash_size_name(*flash)));
  r.info("Erasing region (may be slow depending on size)...");
  const auto t0 = s.clock().now();
  DeferredSignals deferred;  // as for erase_flash
  if (s.stub()) {
    s.with_recovery("erasing the region", [&] { s.loader().erase_region(address, size); });
  } else if (!chip.quirks.rom_erase_size_bug) {
    // esptool: in the ROM, FLASH_BEGIN erases the region it announces (the
    // loader sends it with the chip's payload form; also in Secure Download Mode).
    s.with_recovery("erasing the region", [&] { s.loader().erase_region(address, size); });
  } else {
    throw Error(ErrorKind::unsupported,
                "erase_region needs the flasher stub on the ESP8266; run without --no-stub");
  }
  check_interrupted("the erase had completed");
  r.info(fmt::format("Erase completed successfully in {:.1f} seconds.", s.clock().seconds_since(t0)));
  r.json().set("address", address);
  r.json().set("size", size);
}

}  // namespace espbak
