#pragma once
// Backup manifests on a connected chip (issue 15, docs/manifest.md): the
// FILE.json read_flash writes beside FILE, and write_flash's checks of a
// backup against the chip it is about to be written onto. The model and
// the reader are espbak/backup/manifest.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "espbak/backup/manifest.hpp"
#include "espbak/ops/image.hpp"
#include "espbak/ops/session.hpp"
#include "espbak/util/md5.hpp"
#include "espbak/util/sha256.hpp"

namespace espbak {

// The manifest as one line of JSON and a newline, keys in the order of
// docs/manifest.md (the partition table in ops/partitions.hpp's form).
std::string manifest_json(const backup::Manifest& m);

// What a finished read_flash knows about its file.
struct BackupRead {
  std::string file;  // the backup's path
  std::uint32_t address = 0, size = 0;
  Md5::Digest md5{};
  Sha256::Digest sha256{};
  std::vector<backup::ManifestRange> erased;  // flash addresses the survey skipped
  std::string espbak_version;
  std::optional<std::uint32_t> flash_size;  // what RDID says (not --flash-size)
};

// The manifest for it: chip, MAC and flash ID from the session; the image
// header at the chip row's bootloader_offset and the partition table at
// 0x8000, read back from the file, where the range covers them (the header
// when it has the image magic, the table when it parses).
backup::Manifest manifest_for_read(Session& s, const BackupRead& read);

// FILE.json through a PartFile: never a half-written FILE.json under its
// name. Error(input) when it cannot be written.
void write_manifest_beside(const backup::Manifest& m, const std::string& backup_path);

// write_flash, before connecting: each file's FILE.json, read and checked
// (Error(input) for a corrupt one or one of another version), then compared
// with the file itself (a warning when its MD5 differs).
void attach_manifests(std::vector<FlashRegion>& regions, Reporter& report);

// write_flash, after connecting and before anything is erased: a backup of
// another chip family, or a whole-flash backup onto a flash of another
// size, is refused with Error(identity), or only warned about with `force`;
// a backup of another MAC, or written at another address than it was read
// from, is a warning.
void check_manifests_against_chip(Session& s, const std::vector<FlashRegion>& regions, bool force);

}  // namespace espbak
