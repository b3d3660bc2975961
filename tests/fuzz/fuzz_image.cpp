// libFuzzer target: the firmware image parser and image_info's report
// (image/firmware_image.hpp, image/image_info.hpp) on arbitrary bytes.
// Input: byte 0 picks the chip (0: detected from the header as without
// --chip, else a chip row), the rest is the image file.
// Invariants checked (a violation aborts, which libFuzzer reports):
//  - only Error(input) is thrown, with a one-line message;
//  - a parsed image has at most 16 segments, each inside the file, and its
//    checksum byte inside the file;
//  - the report of a parsed image starts with the size line; no warning is
//    empty.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "espbak/image/image_info.hpp"
#include "espbak/util/error.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto chips = espbak::all_chips();
  const espbak::ChipInfo* chip = data[0] ? &chips[(data[0] - 1) % chips.size()] : nullptr;
  std::span<const std::uint8_t> file(data + 1, size - 1);
  try {
    const espbak::ChipInfo& target = chip ? *chip : espbak::image::detect_image_chip(file);
    auto image = espbak::image::parse_firmware_image(target, file);
    require(image.segments.size() <= espbak::image::kMaxSegments);
    require(image.data_length <= file.size());
    for (const auto& s : image.segments) require(s.file_offset + 8 + s.stored_length <= file.size());
    auto lines = espbak::image::describe_image_file(file, chip);
    require(!lines.empty() && lines.front().text.rfind("Image size: ", 0) == 0);
    for (const auto& line : lines)
      if (line.kind == espbak::image::InfoLine::Kind::warning) require(!line.text.empty());
  } catch (const espbak::Error& e) {
    require(e.kind() == espbak::ErrorKind::input);
    require(std::string(e.what()).find('\n') == std::string::npos);
  }
  try {  // esptool v4's legacy report (image_info --version 1)
    auto lines = espbak::image::describe_image_file_v1(file, chip);
    require(!lines.empty() && lines.front().text.rfind("File size: ", 0) == 0);
  } catch (const espbak::Error& e) {
    require(e.kind() == espbak::ErrorKind::input);
    require(std::string(e.what()).find('\n') == std::string::npos);
  }
  return 0;
}
