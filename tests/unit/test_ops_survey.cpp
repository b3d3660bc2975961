// The backup file check after a surveyed read (docs/cli.md "read_flash"):
// every block of FILE.part against the chip's MD5 of that block.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "espbak/ops/part_file.hpp"
#include "espbak/ops/survey.hpp"
#include "espbak/util/error.hpp"

using namespace espbak;

namespace {

struct ScratchDir {
  std::string path;
  ScratchDir() {
    char tmpl[] = "/tmp/espbak-survey-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
};

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::uint8_t(i * 7 + (i >> 8));
  return v;
}

// Survey of `chip` in blocks of `block` bytes (the last one partial).
std::vector<SurveyedBlock> survey_of(const std::vector<std::uint8_t>& chip, std::uint32_t block) {
  std::vector<SurveyedBlock> survey;
  for (std::uint32_t at = 0; at < chip.size(); at += block) {
    const auto n = std::uint32_t(std::min<std::size_t>(block, chip.size() - at));
    survey.push_back({at, n, Md5::of(std::span(chip).subspan(at, n))});
  }
  return survey;
}

}  // namespace

TEST_CASE("a backup file equal to the chip, block by block, passes") {
  ScratchDir dir;
  const auto chip = pattern(3 * 4096 + 100);
  PartFile part(dir.path + "/out.bin");
  part.write(std::span(chip).first(5000));  // written in pieces, as a read does
  part.write(std::span(chip).subspan(5000));
  CHECK_NOTHROW(verify_file_against_survey(part, survey_of(chip, 4096), 0x10000));
  part.commit();
  CHECK(std::filesystem::file_size(dir.path + "/out.bin") == chip.size());
}

TEST_CASE("a backup file that differs from the chip's survey in one byte is refused, naming the block") {
  ScratchDir dir;
  const auto chip = pattern(4 * 4096);
  auto file = chip;
  file[2 * 4096 + 17] ^= 0x01;  // the flash changed after the survey, or the file was corrupted
  {
    PartFile part(dir.path + "/out.bin");
    part.write(file);
    try {
      verify_file_against_survey(part, survey_of(chip, 4096), 0x10000);
      FAIL("no error for a differing block");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::verify);
      CHECK(std::string(e.what()).find("0x00012000") != std::string::npos);
    }
  }
  // Not committed: neither FILE nor its temporary file remains.
  CHECK(std::filesystem::is_empty(dir.path));
}

TEST_CASE("a backup file shorter than the survey is refused") {
  ScratchDir dir;
  const auto chip = pattern(2 * 4096);
  PartFile part(dir.path + "/out.bin");
  part.write(std::span(chip).first(4096 + 10));
  CHECK_THROWS_AS(verify_file_against_survey(part, survey_of(chip, 4096), 0), Error);
}
