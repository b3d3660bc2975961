#pragma once
// The commands that work on image files and need no chip: image_info and
// merge_bin (src/ops/image_commands.cpp). The formats themselves are pure
// functions in espbak/image/.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "espbak/chips/chip.hpp"
#include "espbak/ops/image.hpp"
#include "espbak/ops/report.hpp"

namespace espbak {

// image_info FILE: esptool v5's report. chip nullptr: detected from the header.
// legacy: esptool v4's `--version 1` lines (image::describe_image_file_v1).
void cmd_image_info(Reporter& report, const std::string& file, const ChipInfo* chip, bool legacy = false);

enum class MergeFormat { raw, uf2, hex };

struct MergeBinArgs {
  std::vector<std::pair<std::uint32_t, std::string>> pairs;
  const ChipInfo* chip = nullptr;  // required (esptool: "Specify the --chip argument")
  std::string output;
  MergeFormat format = MergeFormat::raw;
  FlashParams params;                       // header patching at the chip's bootloader offset
  std::uint32_t target_offset = 0;          // raw: where the output will be flashed
  std::uint64_t pad_to_size = 0;            // raw: pad with 0xFF to this flash size (0: no)
  std::optional<std::uint32_t> chunk_size;  // uf2: data bytes per block (default: the largest)
  bool md5 = true;                          // uf2: the MD5 part of each block
};

// Every check that needs no file content (Error(usage)): the chip, the
// flash parameters against its row, the UF2 chunk size.
void check_merge_bin_args(const MergeBinArgs& args);
// Reads and checks the files (Error(input): unreadable, overlapping, before
// --target-offset), patches the bootloader's header as write_flash does,
// and writes the output through OUTPUT.part, renamed when complete.
void cmd_merge_bin(Reporter& report, const MergeBinArgs& args);

}  // namespace espbak
