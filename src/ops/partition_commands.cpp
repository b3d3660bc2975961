// partition_table [FILE], and read_flash / write_flash / erase_region /
// verify_flash with --partition NAME: the table is read after connecting,
// before anything is erased or written, and the command then runs as if
// the partition's offset (and size) had been given.
#include <filesystem>

#include <fmt/format.h>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/flash_setup.hpp"
#include "espbak/ops/partitions.hpp"
#include "espbak/ops/security_checks.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

namespace {

void report_table(Reporter& r, const backup::PartitionTable& table) {
  for (const auto& line : partition_table_lines(table)) r.result(line);
  for (const auto& warning : table.warnings) r.warning(warning);
  r.json().set("partition_table", partition_table_json(table));
  if (!table.warnings.empty()) r.json().set_strings("warnings", table.warnings);
}

// An encrypted partition holds ciphertext only where the chip's flash
// encryption is on (ESP-IDF encrypts the partitions flagged so when it
// enables it); the loader reads and writes the raw flash, never through
// the chip's decryption.
bool holds_ciphertext(Session& s, const backup::Partition& part) {
  return part.encrypted() && read_security_state(s).flash_encryption;
}

// write_flash / verify_flash: the one file must fit the partition.
void check_file_fits(const char* command, const FlashRegion& region, const backup::Partition& part) {
  if (region.data.size() > part.size)
    throw Error(ErrorKind::input,
                fmt::format("{} --partition {}: '{}' ({} bytes) is larger than the partition ({:#x} = {} bytes); "
                            "nothing written",
                            command, backup::printable_name(part.name), region.file, region.data.size(), part.size,
                            part.size));
}

}  // namespace

backup::Partition resolve_partition(Session& s, const PartitionChoice& choice) {
  const backup::PartitionTable table = read_partition_table(s, choice.table_offset);
  for (const auto& warning : table.warnings) s.report().warning(warning);
  backup::Partition part = find_partition(table, choice.name);
  s.report().info(partition_line(part));
  s.report().json().set("partition", partition_json(part));
  return part;
}

void cmd_partition_table(Session& s, std::uint32_t table_offset) {
  report_table(s.report(), read_partition_table(s, table_offset));
}

void cmd_partition_table_file(Reporter& report, const std::string& file, std::uint32_t table_offset) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw Error(ErrorKind::input, fmt::format("cannot read '{}': it is a directory", file));
  auto regions = load_regions({{0, file}});  // names the open error (missing, permission)
  const Bytes& bytes = regions.front().data;
  if (bytes.empty()) throw Error(ErrorKind::input, fmt::format("'{}' is empty: not a partition table", file));
  report.json().set("file", file);
  report_table(report, partition_table_from_file(bytes, table_offset, file));
}

void cmd_read_flash_partition(Session& s, ReadFlashArgs args, const PartitionChoice& choice) {
  const backup::Partition part = resolve_partition(s, choice);
  if (holds_ciphertext(s, part))
    s.report().warning(fmt::format("Partition '{}' is encrypted and the chip's flash encryption is on: the bytes "
                                   "read are ciphertext (a backup to restore on this chip as it is)",
                                   backup::printable_name(part.name)));
  args.address = part.offset;
  args.size = part.size;
  check_read_flash_args(args);  // the free-space check, now that the size is known
  cmd_read_flash(s, args);
}

void cmd_write_flash_partition(Session& s, const WriteFlashArgs& args, std::vector<FlashRegion> regions,
                               const PartitionChoice& choice) {
  const backup::Partition part = resolve_partition(s, choice);
  check_file_fits("write_flash", regions.front(), part);
  // As esptool's write_flash without --encrypt: the bytes go as they are
  // (its refusals for flash encryption in release mode still apply, and
  // --force still overrides them). espbak has no --encrypt.
  if (holds_ciphertext(s, part))
    s.report().warning(fmt::format("Partition '{}' is encrypted and the chip's flash encryption is on: the file is "
                                   "written as it is, so it must be ciphertext already (as a read_flash backup of "
                                   "this chip is); to encrypt plaintext use esptool write_flash --encrypt",
                                   backup::printable_name(part.name)));
  WriteFlashArgs at = args;
  at.pairs = {{part.offset, regions.front().file}};
  regions.front().address = part.offset;
  if (auto end = size_of_name(args.params.size)) check_regions_fit(regions, *end);
  cmd_write_flash(s, at, std::move(regions));
}

void cmd_verify_flash_partition(Session& s, const VerifyFlashArgs& args, std::vector<FlashRegion> regions,
                                const PartitionChoice& choice) {
  const backup::Partition part = resolve_partition(s, choice);
  check_file_fits("verify_flash", regions.front(), part);
  if (holds_ciphertext(s, part))
    s.report().warning(fmt::format("Partition '{}' is encrypted and the chip's flash encryption is on: the file is "
                                   "compared with the ciphertext in the flash",
                                   backup::printable_name(part.name)));
  VerifyFlashArgs at = args;
  at.pairs = {{part.offset, regions.front().file}};
  regions.front().address = part.offset;
  cmd_verify_flash(s, at, std::move(regions));
}

void cmd_erase_partition(Session& s, const PartitionChoice& choice, bool force) {
  const backup::Partition part = resolve_partition(s, choice);
  cmd_erase_region(s, part.offset, part.size, force);
}

}  // namespace espbak
