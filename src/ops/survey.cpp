#include "espbak/ops/survey.hpp"

#include <fmt/format.h>

#include "espbak/util/error.hpp"
#include <vector>

namespace espbak {

// A read block is checked twice this way (its stream's MD5 and the
// survey's), which also catches a flash that changed between the survey and
// the read. One on-chip hashing pass is enough: a second SPI_FLASH_MD5 over
// the whole region would cost as much chip time as the survey again, and the
// incremental backup's time is mostly that hashing (bench/results).
void verify_file_against_survey(const PartFile& part, std::span<const SurveyedBlock> survey, std::uint32_t address) {
  std::vector<std::uint8_t> block;
  for (const SurveyedBlock& b : survey) {
    block.resize(b.length);
    part.read_back(b.offset, block);
    const auto local = Md5::of(block);
    if (local != b.digest)
      throw Error(ErrorKind::verify,
                  fmt::format("the assembled file at {:#010x} (MD5 {}) does not match the flash (MD5 {}); did the "
                              "flash change during the read? Run again, or with --no-skip-erased and without "
                              "--diff-with",
                              std::uint64_t(address) + b.offset, to_hex(local), to_hex(b.digest)));
  }
}

}  // namespace espbak
