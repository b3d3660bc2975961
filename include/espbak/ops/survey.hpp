#pragma once
// The read survey's results (docs/cli.md "read_flash"): the chip's
// SPI_FLASH_MD5 of each block, and the check of an assembled backup file
// against them.
#include <cstdint>
#include <span>

#include "espbak/ops/part_file.hpp"
#include "espbak/util/md5.hpp"

namespace espbak {

struct SurveyedBlock {
  std::uint32_t offset, length;  // within the region read
  Md5::Digest digest;            // the chip's MD5 of those bytes
};

// The whole assembled file, as it lies in FILE.part, block by block against
// the chip's MD5s from the survey, so that every byte of the file is vouched
// for by the chip, whether it was read, written as 0xFF or copied from an old
// image. Error(verify) naming the first block that differs. `address` is the
// flash address of offset 0 (for the message).
void verify_file_against_survey(const PartFile& part, std::span<const SurveyedBlock> survey, std::uint32_t address);

}  // namespace espbak
