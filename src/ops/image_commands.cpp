// image_info and merge_bin: files in, files or lines out, no chip. The
// wording of what they print is esptool v5.3.1 cmds.py image_info /
// merge_bin's; the formats are espbak/image/'s.
#include "espbak/ops/image_commands.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "espbak/image/image_info.hpp"
#include "espbak/image/merge.hpp"
#include "espbak/ops/part_file.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

void cmd_image_info(Reporter& report, const std::string& file, const ChipInfo* chip, bool legacy) {
  auto regions = load_regions({{0, file}});
  std::vector<std::string> lines;
  const auto& bytes = regions.front().data;
  for (const auto& line :
       legacy ? image::describe_image_file_v1(bytes, chip) : image::describe_image_file(bytes, chip)) {
    if (line.kind == image::InfoLine::Kind::warning) {
      report.warning(line.text);
    } else {
      report.result(line.text);
      lines.push_back(line.text);
    }
  }
  report.json().set("file", file);
  report.json().set_strings("lines", lines);
}

void check_merge_bin_args(const MergeBinArgs& args) {
  if (!args.chip)
    throw Error(ErrorKind::usage, fmt::format("Specify the --chip argument (choose from {}).", chip_cli_names()));
  if (args.params.size == "detect")
    throw Error(ErrorKind::usage,
                "merge_bin: --flash-size detect needs a connected chip; give a size (such as 4MB) or keep");
  check_flash_params(*args.chip, args.params);
  if (args.chunk_size) {
    // esptool cli_util.py AutoChunkSizeType; beyond the block's room
    // uf2_writer.py's assertions fail, so espbak refuses it up front.
    if (*args.chunk_size % 4) throw Error(ErrorKind::usage, "Chunk size should be a 4-byte aligned number.");
    const std::size_t most = image::uf2_max_chunk(args.md5);
    if (args.format == MergeFormat::uf2 && (*args.chunk_size == 0 || *args.chunk_size > most))
      throw Error(ErrorKind::usage, fmt::format("merge_bin: --chunk-size {} does not fit a UF2 block (4 to {} bytes{})",
                                                *args.chunk_size, most, args.md5 ? ", or 476 with --md5-disable" : ""));
  }
}

void cmd_merge_bin(Reporter& report, const MergeBinArgs& args) {
  check_merge_bin_args(args);
  auto regions = load_regions(args.pairs);
  check_no_overlap(regions);
  std::stable_sort(regions.begin(), regions.end(),
                   [](const FlashRegion& a, const FlashRegion& b) { return a.address < b.address; });
  if (regions.front().address < args.target_offset)
    throw Error(ErrorKind::input, fmt::format("Output data target offset is {:#x}. Input data offset {:#x} is before "
                                              "this.",
                                              args.target_offset, regions.front().address));
  if (args.format == MergeFormat::uf2 && args.chip->image.uf2_family_id == 0)
    report.warning(fmt::format("No UF2 family ID found for {}, using 0x0 as default.", args.chip->name));
  if (args.format == MergeFormat::hex && regions.size() == 1)
    report.warning("Only one input file specified, output may include additional padding if input file was "
                   "previously merged. Please refer to the documentation for more information: "
                   "https://docs.espressif.com/projects/esptool/en/latest/esptool/basic-commands.html"
                   "#hex-output-format");

  std::vector<image::PlacedFile> placed;
  for (auto& region : regions) {
    if (args.format == MergeFormat::uf2) report.info(fmt::format("Adding '{}' at {:#x}...", region.file, region.address));
    PatchOutcome patched = patch_image_header(*args.chip, region.address, args.params, std::move(region.data));
    for (const auto& w : patched.warnings) report.warning(w);
    for (const auto& n : patched.notes) report.info(n);
    placed.push_back({region.address, std::move(patched.image)});
  }

  std::vector<std::uint8_t> out;
  switch (args.format) {
    case MergeFormat::raw: out = image::merge_raw(placed, args.target_offset, args.pad_to_size); break;
    case MergeFormat::uf2:
      out = image::merge_uf2(placed, args.chip->image.uf2_family_id,
                             args.chunk_size.value_or(image::uf2_max_chunk(args.md5)), args.md5);
      break;
    case MergeFormat::hex: {
      std::string text = image::merge_intel_hex(placed);
      out.assign(text.begin(), text.end());
      break;
    }
  }
  PartFile file(args.output);
  file.write(out);
  file.commit();
  report.json().set("output", args.output);
  report.json().set("bytes", std::uint64_t(out.size()));
  if (args.format == MergeFormat::uf2)
    report.info(fmt::format("Wrote {:#x} bytes to file '{}', ready to be flashed with any ESP USB Bridge.", out.size(),
                            args.output));
  else
    report.info(fmt::format("Wrote {:#x} bytes to file '{}', ready to flash to offset {:#x}.", out.size(), args.output,
                            args.target_offset));
}

}  // namespace espbak
