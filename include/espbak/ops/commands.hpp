#pragma once
// What a user asks for, one function per espbak command. Each validates its
// arguments (and every file) before opening the port, then runs on a Session.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "espbak/image/firmware_image.hpp"
#include "espbak/ops/image.hpp"
#include "espbak/ops/partitions.hpp"
#include "espbak/ops/session.hpp"

namespace espbak {

void cmd_chip_id(Session& s);
void cmd_read_mac(Session& s);
void cmd_flash_id(Session& s);
// GET_SECURITY_INFO (ESP32-S2 and later; works in Secure Download Mode):
// flags, flash crypt count, key purposes, chip id, API version
// (src/ops/security_info.cpp).
void cmd_get_security_info(Session& s);

struct ReadFlashArgs {
  std::uint32_t address = 0;
  std::optional<std::uint32_t> size;  // nullopt: ALL (flash size minus address)
  std::string file;
  std::uint32_t chunk = 256 * 1024;   // bytes per Loader::read_flash call
  // Blocks whose MD5 on the chip is that of erased flash are not
  // transferred (--no-skip-erased turns this off).
  bool skip_erased = true;
  // --diff-with: an older image (or a directory of them); blocks whose MD5
  // on the chip equals the old image's bytes at the same offset are copied
  // from it instead of being read.
  std::string diff_with;
  // --flash-size (esptool 4.8 read_flash): a size name ("4MB") is the flash
  // size the read sets (SPI_SET_PARAMS) and is bounded by, ALL included;
  // "detect"/"keep"/empty: the detected size.
  std::string flash_size;
  // FILE.json beside FILE (ops/manifest_io.hpp; --no-manifest turns it off),
  // naming this espbak version.
  bool manifest = true;
  std::string espbak_version;
};
// Refuses before connecting when the output directory is missing or not writable.
void check_read_flash_args(const ReadFlashArgs& args);
void cmd_read_flash(Session& s, const ReadFlashArgs& args);

// read_mem ADDRESS, write_mem ADDRESS VALUE [MASK], dump_mem ADDRESS SIZE
// FILE (memory.cpp). check_dump_mem_args runs before connecting.
void cmd_read_mem(Session& s, std::uint32_t address);
void cmd_write_mem(Session& s, std::uint32_t address, std::uint32_t value, std::uint32_t mask);
void check_dump_mem_args(std::uint32_t address, std::uint32_t size, const std::string& file);
void cmd_dump_mem(Session& s, std::uint32_t address, std::uint32_t size, const std::string& file);

struct WriteFlashArgs {
  std::vector<std::pair<std::uint32_t, std::string>> pairs;
  FlashParams params;
  std::optional<bool> compress;  // nullopt: esptool v5 default (compress when the stub runs)
  bool erase_all = false;
  // Compare block MD5s with the chip first and write only the blocks that
  // differ (--no-diff turns this off).
  bool diff = true;
  // --force: skip esptool's safety checks for chips with security features
  // on (ops/security_checks.hpp).
  bool force = false;
};
// Files read and checked before connecting (readable, no overlap, fit when
// --flash_size names a size). Returned for cmd_write_flash.
std::vector<FlashRegion> prepare_write_flash(const WriteFlashArgs& args, Reporter& report);
void cmd_write_flash(Session& s, const WriteFlashArgs& args, std::vector<FlashRegion> regions);

struct VerifyFlashArgs {
  std::vector<std::pair<std::uint32_t, std::string>> pairs;
  FlashParams params;
  bool diff = false;
};
std::vector<FlashRegion> prepare_verify_flash(const VerifyFlashArgs& args);
void cmd_verify_flash(Session& s, const VerifyFlashArgs& args, std::vector<FlashRegion> regions);

// read_flash_status [--bytes N], write_flash_status [--bytes N]
// [--non-volatile] VALUE, read_flash_sfdp ADDRESS BYTES (flash_status.cpp):
// raw SPI flash commands, esptool's lines. The checks run before connecting.
void check_flash_status_bytes(unsigned bytes);
void check_write_flash_status_value(std::uint32_t value, unsigned bytes);
void check_read_flash_sfdp_args(std::uint32_t address, std::uint32_t bytes);
void cmd_read_flash_status(Session& s, unsigned bytes);
void cmd_write_flash_status(Session& s, std::uint32_t value, unsigned bytes, bool non_volatile);
void cmd_read_flash_sfdp(Session& s, std::uint32_t address, std::uint32_t bytes);

// load_ram FILE (load_ram.cpp): segments to RAM, then a jump to the entry
// point; the session then leaves the chip running it (no --after).
// read_load_ram_image: the file read by the shared image parser in `chip`'s
// header form (image/firmware_image.hpp), Error(input) naming the file and
// what is wrong (docs/errors.md); an ESP8266 V2 image is refused.
image::FirmwareImage read_load_ram_image(const std::string& path, const ChipInfo& chip);
void cmd_load_ram(Session& s, const std::string& path);

// run (load_ram.cpp): esptool's run(), FLASH_BEGIN(0, 0) + FLASH_END(run).
void cmd_run(Session& s);

// force (--force): skip the security-feature checks (ops/security_checks.hpp).
void cmd_erase_flash(Session& s, bool force = false);
// Alignment checks before connecting (esptool cmds.py erase_region).
void check_erase_region_args(std::uint32_t address, std::uint32_t size);
void cmd_erase_region(Session& s, std::uint32_t address, std::uint32_t size, bool force = false);

// ---- partitions by name (partition_commands.cpp) ----
// partition_table [FILE]: the table from the chip, or from a file (a bare
// table or a flash backup covering it), printed and in the JSON as
// "partition_table".
void cmd_partition_table(Session& s, std::uint32_t table_offset);
void cmd_partition_table_file(Reporter& report, const std::string& file, std::uint32_t table_offset);
// The flash commands with --partition NAME: the table is read after
// connecting, then the command runs on the partition's offset (and size).
// read_flash / verify_flash warn where the partition is encrypted and the
// chip's flash encryption is on; write_flash / verify_flash refuse a file
// larger than the partition before anything is written. `regions`: the one
// file, loaded at address 0 (prepare_write_flash / prepare_verify_flash).
void cmd_read_flash_partition(Session& s, ReadFlashArgs args, const PartitionChoice& choice);
void cmd_write_flash_partition(Session& s, const WriteFlashArgs& args, std::vector<FlashRegion> regions,
                               const PartitionChoice& choice);
void cmd_verify_flash_partition(Session& s, const VerifyFlashArgs& args, std::vector<FlashRegion> regions,
                                const PartitionChoice& choice);
void cmd_erase_partition(Session& s, const PartitionChoice& choice, bool force);

}  // namespace espbak
