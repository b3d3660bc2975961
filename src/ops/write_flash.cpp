// write_flash: every check before anything is erased, header patching,
// then each region through write_region (write_compare.cpp).
#include <fmt/format.h>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/flash_setup.hpp"
#include "espbak/ops/interruption.hpp"
#include "espbak/ops/manifest_io.hpp"
#include "espbak/ops/security_checks.hpp"
#include "espbak/ops/write_compare.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

namespace {

// The differing parts of a region named one by one, up to this many.
constexpr std::size_t kErasePartsNamed = 4;

// esptool's line for the sectors a write of [address, address + length) erases.
std::string erase_line(std::uint32_t address, std::uint32_t length) {
  const std::uint64_t first = address / kFlashSectorSize * kFlashSectorSize;
  const std::uint64_t end = std::uint64_t(address) + length;
  const std::uint64_t last = (end + kFlashSectorSize - 1) / kFlashSectorSize * kFlashSectorSize - 1;
  return fmt::format("Flash will be erased from {:#010x} to {:#010x}...", first, last);
}

}  // namespace

std::vector<FlashRegion> prepare_write_flash(const WriteFlashArgs& args, Reporter& report) {
  if (args.pairs.empty()) throw Error(ErrorKind::usage, "write_flash needs ADDRESS FILE pairs");
  check_input_files(args.pairs);
  auto regions = load_regions(args.pairs);
  check_no_overlap(regions);
  attach_manifests(regions, report);  // FILE.json beside a backup: read and checked now
  if (args.params.size != "keep" && args.params.size != "detect") {
    auto end = size_of_name(args.params.size);
    if (!end) throw Error(ErrorKind::usage, fmt::format("invalid --flash_size '{}'", args.params.size));
    check_regions_fit(regions, *end);
  }
  return regions;
}

namespace {

// How far each region got, for the line an interruption ends with.
enum class RegionState { not_written, writing, verified, unverified, unchanged };

std::string describe_states(const std::vector<FlashRegion>& regions, const std::vector<RegionState>& states,
                            bool erased_all) {
  std::string text = erased_all ? "the whole flash was erased (--erase-all)" : "";
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (regions[i].data.empty() && states[i] == RegionState::not_written) continue;
    const char* what = "not written (unchanged)";
    switch (states[i]) {
      case RegionState::not_written: what = erased_all ? "not written (erased)" : "not written (unchanged)"; break;
      case RegionState::writing: what = "partly written (its sectors may hold old, erased or new data)"; break;
      case RegionState::verified: what = "written and verified"; break;
      case RegionState::unverified: what = "written, not verified"; break;
      case RegionState::unchanged: what = "already on the flash (verified)"; break;
    }
    if (!text.empty()) text += "; ";
    text += fmt::format("{:#010x} ({}) {}", regions[i].address, regions[i].file, what);
  }
  return "flash state: " + text;
}

void write_regions(Session& s, const WriteFlashArgs& args, std::vector<FlashRegion>& regions,
                   std::vector<RegionState>& states, bool& erased_all);

}  // namespace

void cmd_write_flash(Session& s, const WriteFlashArgs& args, std::vector<FlashRegion> regions) {
  // From the first erase to the last verification a signal is deferred to
  // the loops, so the line that ends the run can say what the flash holds.
  DeferredSignals deferred;
  std::vector<RegionState> states(regions.size(), RegionState::not_written);
  bool erased_all = false;
  try {
    write_regions(s, args, regions, states, erased_all);
  } catch (const Interrupted& e) {
    throw e.with(describe_states(regions, states, erased_all));
  }
  // The files were read once, before the first erase; one that changed since
  // is not what the flash now holds (docs/errors.md).
  for (const auto& region : regions)
    if (auto change = file_change(region))
      throw Error(ErrorKind::input,
                  fmt::format("'{}' changed while it was being written ({}): the flash at {:#010x} holds the file "
                              "as it was read before writing (MD5 {})",
                              region.file, *change, region.address, to_hex(region.file_md5)));
}

namespace {

void write_regions(Session& s, const WriteFlashArgs& args, std::vector<FlashRegion>& regions,
                   std::vector<RegionState>& states, bool& erased_all) {
  Reporter& r = s.report();
  const ChipInfo& chip = s.chip();
  const bool sdm = s.secure_download_mode();
  if (sdm && args.params.size == "detect")
    s.refuse_in_secure_download_mode("write_flash --flash_size detect",
                                     "flash size detection is impossible in it: give a size, or keep");
  if (sdm && args.erase_all)
    s.refuse_in_secure_download_mode("write_flash --erase-all", "the ROM has no ERASE_FLASH");
  check_flash_params(chip, args.params);
  if (args.erase_all && !s.stub())
    throw Error(ErrorKind::unsupported,
                fmt::format("--erase-all needs the flasher stub (the {} ROM has no ERASE_FLASH); {}", chip.name,
                            s.stub_advice()));
  // Is this the board the backups were read from (FILE.json)?
  check_manifests_against_chip(s, regions, args.force);
  // esptool write_flash's safety checks, before anything is erased; with
  // --erase-all also erase_flash's.
  const SecurityState security = read_security_state(s);
  check_write_flash_allowed(s, security, regions, args.force);
  check_images_suit_chip(s, regions, args.force);
  if (args.erase_all && !args.force) check_erase_allowed(security);
  // esptool: no header patching with secure boot on (a signed image) nor in
  // Secure Download Mode, --force or not.
  const bool keep_headers = sdm || security.secure_boot;
  FlashSizeChoice size = s.with_recovery("reading the flash ID", [&] {
    s.attach_flash();
    return set_flash_parameters(s, args.params.size);
  });
  // Every region must fit before anything is erased (esptool write_flash).
  if (size.flash_end) check_regions_fit(regions, *size.flash_end);

  bool compress = args.compress.value_or(s.stub());  // esptool v5: compress when the stub runs
  if (sdm) {
    // esptool writes uncompressed there (no stub); whether the ROM takes
    // FLASH_DEFL_* in the mode is unverified (docs/espsim.md).
    if (compress) r.warning("Secure Download Mode: writing uncompressed (FLASH_DATA).");
    compress = false;
    r.warning("Secure Download Mode: the ROM offers no flash MD5, so the data written cannot be verified.");
  }
  if (compress && !s.stub() && !chip.rom.deflate) {
    r.warning(fmt::format("The {} ROM cannot decompress; writing uncompressed.", chip.name));
    compress = false;
  }
  FlashParams params = args.params;
  params.size = size.header_size;

  if (args.erase_all) {
    r.info("Erasing flash (this may take a while)...");
    const auto t0 = s.clock().now();
    s.loader().erase_flash();
    erased_all = true;
    r.info(fmt::format("Chip erase completed successfully in {:.1f} seconds.", s.clock().seconds_since(t0)));
    check_interrupted();
  } else {
    for (const auto& region : regions) {
      if (region.data.empty()) continue;
      if (std::uint32_t over = region.address % kFlashSectorSize)
        r.info(fmt::format("Note: Flash address {:#010x} is not aligned to a {:#x} byte flash sector. "
                           "{:#x} bytes before this address will be erased.",
                           region.address, kFlashSectorSize, over));
    }
  }

  for (std::size_t index = 0; index < regions.size(); ++index) {
    FlashRegion& region = regions[index];
    check_interrupted();
    if (region.data.empty()) {
      r.warning(fmt::format("File {} is empty", region.file));
      continue;
    }
    Bytes image = pad_to(region.data, 4);
    std::uint32_t address = region.address;
    if (!s.stub()) {
      // The ROM writes whole sectors from the start address: pad the front
      // with erased bytes (esptool write_flash does the same).
      std::uint32_t over = address % kFlashSectorSize;
      address -= over;
      image.insert(image.begin(), over, 0xFF);
    }
    if (keep_headers) {
      // esptool write_flash: no header patching with security features on.
      if (address == chip.bootloader_offset) r.warning("Security features enabled, so not changing any flash settings.");
    } else {
      PatchOutcome patched = patch_image_header(chip, address, params, std::move(image));
      for (const auto& w : patched.warnings) r.warning(w);
      for (const auto& n : patched.notes) r.info(n);
      image = std::move(patched.image);
    }

    const auto local_md5 = Md5::of(image);
    const auto t0 = s.clock().now();
    const std::string what = fmt::format("writing {} at {:#010x}", region.file, address);
    RegionWriteStats stats;
    states[index] = RegionState::writing;
    // "Flash will be erased from X to Y" (esptool's line) for what is erased:
    // the whole region, or the parts that differ from the flash.
    auto announce = [&](const std::vector<RegionSpan>& parts) {
      if (args.erase_all) return;
      for (std::size_t i = 0; i < parts.size() && i < kErasePartsNamed; ++i)
        r.info(erase_line(address + parts[i].offset, parts[i].length));
      if (parts.size() > kErasePartsNamed) {
        std::uint64_t rest = 0;
        for (std::size_t i = kErasePartsNamed; i < parts.size(); ++i) rest += parts[i].length;
        r.info(fmt::format("... and {} more parts, {} bytes in all, will be erased.", parts.size() - kErasePartsNamed,
                           rest));
      }
    };
    auto flash_md5 = write_region(s, address, image, local_md5, compress, args.diff && !args.erase_all, what,
                                  progress_for(r, "Writing", 0, image.size()), announce, stats);
    r.progress_end();
    // The write's own time: the comparison with the chip is reported apart.
    const double t = s.clock().seconds_since(t0) - stats.compare_seconds;
    const std::uint64_t unchanged = stats.unchanged, written = image.size() - unchanged;
    if (unchanged == image.size())
      r.info(fmt::format("Skipped all {} bytes at {:#010x}: the flash already holds them (compared in {:.1f} seconds).",
                         unchanged, address, stats.compare_seconds));
    else if (unchanged)
      r.info(fmt::format("Skipped {} unchanged bytes at {:#010x} (compared in {:.1f} seconds); wrote the {} bytes "
                         "that differ.",
                         unchanged, address, stats.compare_seconds, written));
    if (written && stats.compressed) {
      std::string speed = t > 0 ? fmt::format(" (effective {:.1f} kbit/s)", double(written) / t * 8 / 1000) : "";
      r.info(fmt::format("Wrote {} bytes ({} compressed) at {:#010x} in {:.1f} seconds{}...", written, stats.sent,
                         address, t, speed));
    } else if (written) {
      r.info(fmt::format("Wrote {} bytes at {:#010x} in {:.1f} seconds{}...", written, address, t,
                         rate_text(written, t)));
    }

    JsonObject rj;
    rj.set("address", address);
    rj.set("file", region.file);
    rj.set("size", std::uint64_t(image.size()));
    rj.set("compressed", stats.compressed);
    rj.set("bytes_unchanged", unchanged);
    rj.set("bytes_written", written);
    rj.set("bytes_sent", stats.sent);
    rj.set("md5", to_hex(local_md5));
    if (!flash_md5) {
      // esptool skips the check where the ROM has no SPI_FLASH_MD5 (and in
      // Secure Download Mode, warned about once above).
      if (!sdm)
        r.warning(fmt::format("The {} ROM cannot compute MD5; data written at {:#010x} not verified.", chip.name,
                              address));
      rj.set("verified", false);
      states[index] = RegionState::unverified;
    } else {
      if (*flash_md5 != local_md5) {
        r.info("File  MD5: " + to_hex(local_md5));
        r.info("Flash MD5: " + to_hex(*flash_md5));
        Bytes erased(image.size(), 0xFF);
        if (*flash_md5 == Md5::of(erased))
          throw Error(ErrorKind::verify, fmt::format("Write failed, the written flash region at {:#010x} ({}) is empty.",
                                                     address, region.file));
        throw Error(ErrorKind::verify,
                    fmt::format("MD5 of file does not match data in flash! (region {:#010x}, {}; written {} times)",
                                address, region.file, Session::kUnitAttempts));
      }
      r.info("Hash of data verified.");
      rj.set("verified", true);
      states[index] = unchanged == image.size() ? RegionState::unchanged : RegionState::verified;
    }
    r.json().push("regions", rj);
  }
}

}  // namespace

}  // namespace espbak
