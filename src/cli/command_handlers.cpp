#include "command_handlers.hpp"

#include <cctype>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "global_options.hpp"
#include "espbak/chips/chip.hpp"
#include "espbak/loader/stub_images.hpp"
#include "espbak/ops/commands.hpp"
#include "espbak/ops/image_commands.hpp"
#include "espbak/ops/list_ports.hpp"
#include "espbak/ops/nvs_dump.hpp"
#include "espbak/ops/ram_image.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

#ifndef ESPBAK_VERSION
#define ESPBAK_VERSION "0.0.0"
#endif

namespace espbak::cli {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::uint32_t parse_address(const std::string& text, const char* what) {
  auto v = parse_u32(text);
  if (!v) throw Error(ErrorKind::usage, fmt::format("invalid {} '{}' (a number, decimal or 0x hex)", what, text));
  return *v;
}

std::uint32_t parse_size_arg(const std::string& text, const char* what) {
  auto v = parse_size(text);
  if (!v)
    throw Error(ErrorKind::usage,
                fmt::format("invalid {} '{}' (a number, decimal or 0x hex, k/M/KB/MB suffix allowed)", what, text));
  return *v;
}

// write_flash / verify_flash: ADDRESS FILE [ADDRESS FILE ...].
std::vector<std::pair<std::uint32_t, std::string>> parse_pairs(const std::vector<std::string>& items,
                                                               const char* command) {
  if (items.empty() || items.size() % 2)
    throw Error(ErrorKind::usage,
                fmt::format("{}: must be pairs of an address and the binary filename to write there", command));
  std::vector<std::pair<std::uint32_t, std::string>> pairs;
  for (std::size_t i = 0; i < items.size(); i += 2) {
    auto a = parse_u32(items[i]);
    if (!a) throw Error(ErrorKind::usage, fmt::format("{}: address \"{}\" must be a number", command, items[i]));
    pairs.emplace_back(*a, items[i + 1]);
  }
  return pairs;
}

// esptool v5.3.1 add_spi_flash_options: ESPTOOL_FM / ESPTOOL_FF / ESPTOOL_FS
// are the defaults of -fm / -ff / -fs.
FlashParams flash_params(const ParsedArgs& args) {
  FlashParams params;
  params.mode = lower(option_or_env(args, "flash-mode", "ESPTOOL_FM"));
  params.freq = lower(option_or_env(args, "flash-freq", "ESPTOOL_FF"));
  params.size = option_or_env(args, "flash-size", "ESPTOOL_FS");
  return params;
}

}  // namespace

void run_version(const Invocation& call) {
  call.report.result("espbak " ESPBAK_VERSION);
  call.report.result(std::string("flasher stub: ") + kStubRelease);
  call.report.json().set("version", ESPBAK_VERSION);
  call.report.json().set("stub_release", kStubRelease);
}

void run_list_ports(const Invocation& call) {
  ListPortsArgs args;
  args.port_list = env_text("ESPBAK_PORTS");
  args.port_filters = call.global.list("port-filter");
  cmd_list_ports(call.report, args);
}

void run_image_info(const Invocation& call) {
  // esptool v4's --version 2 is v5's only output; v4's legacy form (1) is gone.
  if (call.args.given("version")) {
    const std::string& version = call.args.text("version");
    if (version != "1" && version != "2")
      throw Error(ErrorKind::usage, fmt::format("image_info: --version '{}' is not 1 or 2", version));
    if (version == "1")
      call.report.warning("image_info --version 1 (esptool v4's legacy output) is gone from esptool v5; "
                          "printing the v2 output");
  }
  cmd_image_info(call.report, call.args.text("filename"), chosen_chip(call.global));
}

void run_merge_bin(const Invocation& call) {
  MergeBinArgs mb;
  mb.pairs = parse_pairs(call.args.list("addr_filename"), "merge_bin");
  mb.chip = chosen_chip(call.global);
  mb.output = call.args.text("output");
  const std::string format = lower(call.args.text("format"));
  if (format == "raw") mb.format = MergeFormat::raw;
  else if (format == "uf2") mb.format = MergeFormat::uf2;
  else if (format == "hex") mb.format = MergeFormat::hex;
  else
    throw Error(ErrorKind::usage,
                fmt::format("Invalid format: '{}', choose from 'raw', 'uf2', 'hex'.", call.args.text("format")));
  mb.params = flash_params(call.args);
  mb.target_offset = parse_address(call.args.text("target-offset"), "--target-offset");
  if (call.args.given("pad-to-size")) {
    const std::string& size = call.args.text("pad-to-size");
    auto bytes = parse_flash_size_name(size);  // esptool's choices: 256KB ... 128MB
    if (!bytes || *bytes < (256u << 10) || (*bytes & (*bytes - 1)))
      throw Error(ErrorKind::usage, fmt::format("invalid --pad-to-size '{}' (256KB, 512KB, 1MB ... 128MB)", size));
    mb.pad_to_size = *bytes;
  }
  if (call.args.given("chunk-size")) mb.chunk_size = parse_address(call.args.text("chunk-size"), "--chunk-size");
  mb.md5 = !call.args.flag("md5-disable");
  cmd_merge_bin(call.report, mb);
}

SessionStep prepare_chip_id(const Invocation&) { return cmd_chip_id; }
SessionStep prepare_read_mac(const Invocation&) { return cmd_read_mac; }
SessionStep prepare_flash_id(const Invocation&) { return cmd_flash_id; }
SessionStep prepare_get_security_info(const Invocation&) { return cmd_get_security_info; }
SessionStep prepare_erase_flash(const Invocation& call) {
  const bool force = call.args.flag("force");
  return [force](Session& s) { cmd_erase_flash(s, force); };
}
SessionStep prepare_run(const Invocation&) { return cmd_run; }

SessionStep prepare_read_flash(const Invocation& call) {
  ReadFlashArgs rf;
  rf.address = parse_address(call.args.text("address"), "address");
  const std::string& size = call.args.text("size");
  if (lower(size) != "all") rf.size = parse_size_arg(size, "size");
  rf.file = call.args.text("filename");
  rf.skip_erased = !call.args.flag("no-skip-erased");
  rf.diff_with = call.args.text("diff-with");
  rf.flash_size = option_or_env(call.args, "flash-size", "ESPTOOL_FS");
  if (rf.flash_size != "detect" && rf.flash_size != "keep") {
    // esptool's choices: 256KB ... 128MB, powers of two (checked before connecting).
    auto bytes = parse_flash_size_name(rf.flash_size);
    if (!bytes || *bytes < (256u << 10) || (*bytes & (*bytes - 1)))
      throw Error(ErrorKind::usage,
                  fmt::format("invalid --flash_size '{}' (detect, keep, or 256KB ... 128MB)", rf.flash_size));
  }
  check_read_flash_args(rf);
  return [rf](Session& s) { cmd_read_flash(s, rf); };
}

SessionStep prepare_write_flash(const Invocation& call) {
  WriteFlashArgs wf;
  wf.pairs = parse_pairs(call.args.list("addr_filename"), "write_flash");
  wf.params = flash_params(call.args);
  if (call.args.flag("no-compress")) wf.compress = false;
  if (call.args.flag("compress")) wf.compress = true;
  wf.erase_all = call.args.flag("erase-all");
  wf.diff = !call.args.flag("no-diff");
  wf.force = call.args.flag("force");
  // esptool options espbak answers in its own way (docs/cli.md).
  if (call.args.flag("encrypt") || call.args.given("encrypt-files"))
    throw Error(ErrorKind::unsupported,
                fmt::format("write_flash {}: espbak does not support flash encryption; use esptool for encrypted "
                            "writes",
                            call.args.flag("encrypt") ? "--encrypt" : "--encrypt-files"));
  if (call.args.flag("verify"))
    call.report.info("espbak verifies every write (MD5 of each region); --verify (esptool v4) is not needed.");
  if (call.args.given("diff-with"))
    call.report.info("espbak compares with the flash itself (MD5 of each block) and writes only what differs; "
                     "the --diff-with files are not needed.");
  // The regions hold the files' bytes: shared, so the step stays copyable.
  auto regions = std::make_shared<std::vector<FlashRegion>>(espbak::prepare_write_flash(wf, call.report));
  return [wf, regions](Session& s) { cmd_write_flash(s, wf, std::move(*regions)); };
}

SessionStep prepare_verify_flash(const Invocation& call) {
  VerifyFlashArgs vf;
  vf.pairs = parse_pairs(call.args.list("addr_filename"), "verify_flash");
  const std::string& diff = call.args.text("diff");
  std::string d = lower(diff);
  if (d != "yes" && d != "no") throw Error(ErrorKind::usage, fmt::format("invalid --diff value '{}' (yes or no)", diff));
  vf.diff = d == "yes";
  vf.params = flash_params(call.args);
  auto regions = std::make_shared<std::vector<FlashRegion>>(espbak::prepare_verify_flash(vf));
  return [vf, regions](Session& s) { cmd_verify_flash(s, vf, std::move(*regions)); };
}

SessionStep prepare_erase_region(const Invocation& call) {
  std::uint32_t address = parse_address(call.args.text("address"), "address");
  std::uint32_t size = parse_size_arg(call.args.text("size"), "size");
  check_erase_region_args(address, size);
  const bool force = call.args.flag("force");
  return [address, size, force](Session& s) { cmd_erase_region(s, address, size, force); };
}

SessionStep prepare_read_mem(const Invocation& call) {
  std::uint32_t address = parse_address(call.args.text("address"), "address");
  return [address](Session& s) { cmd_read_mem(s, address); };
}

SessionStep prepare_write_mem(const Invocation& call) {
  std::uint32_t address = parse_address(call.args.text("address"), "address");
  std::uint32_t value = parse_address(call.args.text("value"), "value");
  std::uint32_t mask = parse_address(call.args.text("mask"), "mask");
  return [address, value, mask](Session& s) { cmd_write_mem(s, address, value, mask); };
}

SessionStep prepare_dump_mem(const Invocation& call) {
  std::uint32_t address = parse_address(call.args.text("address"), "address");
  std::uint32_t size = parse_size_arg(call.args.text("size"), "size");
  std::string file = call.args.text("filename");
  check_dump_mem_args(address, size, file);
  return [address, size, file](Session& s) { cmd_dump_mem(s, address, size, file); };
}

namespace {
unsigned status_bytes(const Invocation& call) {
  const std::string& text = call.args.text("bytes");
  auto n = parse_u32(text);
  if (!n) throw Error(ErrorKind::usage, fmt::format("invalid --bytes '{}' (1, 2 or 3 status bytes)", text));
  check_flash_status_bytes(*n);
  return *n;
}
}  // namespace

SessionStep prepare_read_flash_status(const Invocation& call) {
  unsigned bytes = status_bytes(call);
  return [bytes](Session& s) { cmd_read_flash_status(s, bytes); };
}

SessionStep prepare_write_flash_status(const Invocation& call) {
  unsigned bytes = status_bytes(call);
  std::uint32_t value = parse_address(call.args.text("value"), "status value");
  check_write_flash_status_value(value, bytes);
  bool non_volatile = call.args.flag("non-volatile");
  return [value, bytes, non_volatile](Session& s) { cmd_write_flash_status(s, value, bytes, non_volatile); };
}

SessionStep prepare_read_flash_sfdp(const Invocation& call) {
  std::uint32_t address = parse_address(call.args.text("address"), "SFDP address");
  std::uint32_t bytes = parse_address(call.args.text("bytes"), "byte count");
  check_read_flash_sfdp_args(address, bytes);
  return [address, bytes](Session& s) { cmd_read_flash_sfdp(s, address, bytes); };
}

SessionStep prepare_load_ram(const Invocation& call) {
  std::string file = call.args.text("filename");
  // Checked before the port is opened, in the header form --chip implies;
  // without one, a file neither form reads is refused (the ESP32 form's
  // error). cmd_load_ram reads it again for the chip found.
  const std::string chip_name = option_or_env(call.global, "chip", "ESPTOOL_CHIP");
  if (const ChipInfo* chip = find_chip(lower(chip_name))) {
    read_ram_image_file(file, chip->quirks.extended_image_header);
  } else {
    try {
      read_ram_image_file(file, true);
    } catch (const Error&) {
      try {
        read_ram_image_file(file, false);
      } catch (const Error&) {
        read_ram_image_file(file, true);  // rethrows the first form's error
      }
    }
  }
  return [file](Session& s) { cmd_load_ram(s, file); };
}

namespace {
NvsDumpArgs nvs_dump_args(const Invocation& call) {
  NvsDumpArgs args;
  args.file = call.args.text("filename");
  args.partition = call.args.text("partition");
  args.table_offset = parse_address(call.args.text("partition-table-offset"), "--partition-table-offset");
  check_nvs_dump_args(args);
  return args;
}
}  // namespace

bool nvs_dump_runs_offline(const Invocation& call) { return !call.args.text("filename").empty(); }
void run_nvs_dump(const Invocation& call) { cmd_nvs_dump_file(call.report, nvs_dump_args(call)); }
SessionStep prepare_nvs_dump(const Invocation& call) {
  const NvsDumpArgs args = nvs_dump_args(call);
  return [args](Session& s) { cmd_nvs_dump_partition(s, args); };
}

}  // namespace espbak::cli
