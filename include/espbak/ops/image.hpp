#pragma once
// Pure helpers for what write_flash / verify_flash do to files before any
// byte goes to the chip: padding, region checks, and esptool's bootloader
// header patching (cmds.py _update_image_flash_params, v5.3.1).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/backup/manifest.hpp"
#include "espbak/chips/chip.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/util/md5.hpp"
#include "espbak/util/sha256.hpp"

namespace espbak {

constexpr std::uint8_t kImageMagic = 0xE9;  // esptool ESP_IMAGE_MAGIC

// Appends `fill` bytes until the size is a multiple of `alignment` (esptool pad_to).
Bytes pad_to(Bytes data, std::size_t alignment, std::uint8_t fill = 0xFF);

// What a file was when it was read: a later stat that differs means it
// changed (size, modification time, or a new file under the name).
struct FileStamp {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t device = 0, inode = 0;
  bool operator==(const FileStamp&) const = default;
};

// A file to be written at an address (or compared, for verify_flash).
struct FlashRegion {
  std::uint32_t address = 0;
  std::string file;
  Bytes data;  // the file's bytes, read once; padded / patched by the caller later
  FileStamp stamp;          // the file as it was read
  Md5::Digest file_md5{};   // of `data` as read
  std::optional<backup::Manifest> manifest;  // FILE.json beside the file (write_flash reads it)
};

// Reads every file, once. Throws Error(input) naming the file when one
// cannot be read, or changed while it was read (its stamp before and after
// differ). Empty files are kept (callers warn and skip them, as esptool does).
std::vector<FlashRegion> load_regions(const std::vector<std::pair<std::uint32_t, std::string>>& pairs);

// How the region's file differs now from when it was read ("size 131072 ->
// 4096 bytes", "modified", "replaced", "removed"); nullopt if it does not.
std::optional<std::string> file_change(const FlashRegion& region);

// esptool's AddrFilenamePairAction rule: regions must not share a 4 KB
// sector (each write erases whole sectors). Throws Error(input).
void check_no_overlap(const std::vector<FlashRegion>& regions);

// Every region must end inside `flash_end` bytes. Throws Error(input).
void check_regions_fit(const std::vector<FlashRegion>& regions, std::uint32_t flash_end);

// --flash_mode / --flash_freq / --flash_size for header patching; "keep"
// leaves the image's value. flash_size must be a size name ("4MB") or "keep"
// by the time it reaches patch_image_header ("detect" is resolved first).
struct FlashParams {
  std::string mode = "keep";
  std::string freq = "keep";
  std::string size = "keep";
  bool all_keep() const { return mode == "keep" && freq == "keep" && size == "keep"; }
};

// Where an image's checksum ends and its appended SHA-256 starts, when the
// data parses as an image of this chip (header, <= 16 segments, checksum
// byte inside the data, digest present when announced). nullopt otherwise.
struct ImageLayout {
  std::size_t data_length = 0;  // header .. checksum byte, inclusive
  bool sha256_appended = false;
};
std::optional<ImageLayout> parse_image_layout(const ChipInfo& chip, std::span<const std::uint8_t> image);

// The result of patching: the bytes to write plus what to tell the user.
struct PatchOutcome {
  Bytes image;
  std::vector<std::string> notes;     // "Flash params set to 0x0220"
  std::vector<std::string> warnings;  // "Image file at 0x1000 doesn't look like an image file, ..."
};
// Throws Error(usage) for a mode / freq / size the chip row does not know.
PatchOutcome patch_image_header(const ChipInfo& chip, std::uint32_t address, const FlashParams& params, Bytes image);

// An image header's flash mode byte as esptool names it (cmds.py
// FLASH_MODES: "qio", "qout", "dio", "dout"); nullopt for another value.
std::optional<std::string_view> flash_mode_name(std::uint8_t code);

// Checks the values of FlashParams against the chip row without an image,
// so a bad value is refused before anything is written. Throws Error(usage).
void check_flash_params(const ChipInfo& chip, const FlashParams& params);

}  // namespace espbak
