// verify_flash: each region's MD5 on the chip against the (header-patched)
// file; with --diff, the differing bytes read back and listed.
#include <fmt/format.h>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/flash_setup.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {


namespace {

// A region past the end of the flash cannot match: say so before any MD5
// is asked for (the chip would answer with an SPI error).
void check_regions_inside(const std::vector<FlashRegion>& regions, std::uint32_t flash_end) {
  for (const auto& region : regions)
    if (std::uint64_t(region.address) + region.data.size() > flash_end)
      throw Error(ErrorKind::input,
                  fmt::format("verify_flash: {} ({} bytes at {:#x}) ends past the end of the {} flash", region.file,
                              region.data.size(), region.address, flash_size_name(flash_end)));
}

}  // namespace

std::vector<FlashRegion> prepare_verify_flash(const VerifyFlashArgs& args) {
  if (args.pairs.empty()) throw Error(ErrorKind::usage, "verify_flash needs ADDRESS FILE pairs");
  check_input_files(args.pairs);
  auto regions = load_regions(args.pairs);
  check_no_overlap(regions);
  if (args.params.size != "keep" && args.params.size != "detect") {
    auto end = size_of_name(args.params.size);
    if (!end) throw Error(ErrorKind::usage, fmt::format("invalid --flash_size '{}'", args.params.size));
    check_regions_inside(regions, *end);
  }
  return regions;
}

void cmd_verify_flash(Session& s, const VerifyFlashArgs& args, std::vector<FlashRegion> regions) {
  Reporter& r = s.report();
  const ChipInfo& chip = s.chip();
  s.refuse_in_secure_download_mode("verify_flash", "the ROM refuses flash reads and MD5 there");
  check_flash_params(chip, args.params);
  if (!s.stub() && !chip.rom.flash_md5)
    throw Error(ErrorKind::unsupported,
                fmt::format("the {} ROM loader cannot compute flash MD5; run without --no-stub", chip.name));
  FlashSizeChoice size = s.with_recovery("reading the flash ID", [&] {
    s.attach_flash();
    return set_flash_parameters(s, args.params.size);
  });
  if (size.flash_end) check_regions_inside(regions, *size.flash_end);
  FlashParams params = args.params;
  params.size = size.header_size;

  bool mismatch = false;
  for (auto& region : regions) {
    if (region.data.empty()) {
      r.warning(fmt::format("File {} is empty", region.file));
      continue;
    }
    PatchOutcome patched = patch_image_header(chip, region.address, params, pad_to(std::move(region.data), 4));
    for (const auto& w : patched.warnings) r.warning(w);
    for (const auto& n : patched.notes) r.info(n);
    const Bytes& image = patched.image;
    const auto n = std::uint32_t(image.size());
    r.info(fmt::format("Verifying {:#x} ({}) bytes @ {:#010x} in flash against {}...", n, n, region.address,
                       region.file));
    JsonObject rj;
    rj.set("address", region.address);
    rj.set("file", region.file);
    rj.set("size", n);
    auto digest = s.with_recovery(fmt::format("computing the MD5 at {:#010x}", region.address),
                                  [&] { return s.loader().flash_md5(region.address, n); });
    if (digest == Md5::of(image)) {
      r.result("-- verify OK (digest matched)");
      rj.set("ok", true);
      r.json().push("regions", rj);
      continue;
    }
    mismatch = true;
    rj.set("ok", false);
    if (!args.diff) {
      r.result("-- verify FAILED (digest mismatch)");
      r.json().push("regions", rj);
      continue;
    }
    Bytes flash;
    s.with_recovery(fmt::format("reading {:#x} bytes at {:#010x}", n, region.address),
                    [&] { s.loader().read_flash(region.address, n, flash, progress_for(r, "Reading", 0, n)); });
    r.progress_end();
    std::vector<std::uint32_t> differences;
    for (std::uint32_t i = 0; i < n && i < flash.size(); ++i)
      if (flash[i] != image[i]) differences.push_back(i);
    if (differences.empty()) {
      r.result("-- verify FAILED (digest mismatch, but the data read back matches)");
    } else {
      r.result(fmt::format("-- verify FAILED: {} differences, first at {:#010x}", differences.size(),
                           region.address + differences.front()));
      for (auto d : differences)
        r.result(fmt::format("   {:08x} {:02x} {:02x}", region.address + d, flash[d], image[d]));
    }
    rj.set("differences", std::uint64_t(differences.size()));
    r.json().push("regions", rj);
  }
  if (mismatch) throw Error(ErrorKind::verify, "Verify failed.");
}

}  // namespace espbak
