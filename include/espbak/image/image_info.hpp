#pragma once
// What `image_info FILE` prints, as esptool v5.3.1 cmds.py image_info /
// _print_image_info prints it, line for line: the header, the extended
// header, the segments with the memory regions of the chip's MEMORY_MAP,
// the footer (checksum, SHA-256), and the application or bootloader
// description found in the segments. Pure: lines in, no I/O.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "espbak/chips/chip.hpp"
#include "espbak/image/firmware_image.hpp"

namespace espbak::image {

struct InfoLine {
  enum class Kind { info, warning } kind = Kind::info;
  std::string text;
};

// The whole report for the file's bytes. `chip`: the --chip given, or
// nullptr to detect it from the header (then "Detected image type: ESP32"
// follows the size line). Throws Error(input) as parse_firmware_image.
std::vector<InfoLine> describe_image_file(std::span<const std::uint8_t> bytes, const ChipInfo* chip);

// esptool v4's legacy report (image_info --version 1, v4's default).
std::vector<InfoLine> describe_image_file_v1(std::span<const std::uint8_t> bytes, const ChipInfo* chip);

// The report from the header title on, for an image already read.
std::vector<InfoLine> describe_image(const ChipInfo& chip, const FirmwareImage& image);

// esp_app_desc_t (ESP-IDF esp_app_format.h; esptool cmds.py _parse_app_info):
// the first 256 bytes of the first DROM segment, magic 0xABCD5432.
struct AppDescription {
  std::uint32_t secure_version = 0;
  std::string version, project_name, time, date, idf_ver;
  std::string elf_sha256;  // lower-case hex
  std::uint16_t min_efuse_blk_rev_full = 0, max_efuse_blk_rev_full = 0;
  std::uint8_t mmu_page_size = 0;  // log2 of the page size; 0: not recorded
};
constexpr std::uint32_t kAppDescMagic = 0xABCD5432;
constexpr std::size_t kAppDescSize = 256;
// nullopt: fewer than 256 bytes or another magic word.
std::optional<AppDescription> parse_app_description(std::span<const std::uint8_t> segment);

// esp_bootloader_desc_t (esptool cmds.py _parse_bootloader_info): the first
// 80 bytes of a DRAM segment, magic byte 0x50.
struct BootloaderDescription {
  std::uint32_t version = 0;
  std::string idf_ver, date_time;
};
constexpr std::uint8_t kBootloaderDescMagic = 0x50;
constexpr std::size_t kBootloaderDescSize = 80;
std::optional<BootloaderDescription> parse_bootloader_description(std::span<const std::uint8_t> segment);

}  // namespace espbak::image
