#include "command_handlers.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "global_options.hpp"
#include "espbak/chips/chip.hpp"
#include "espbak/loader/stub_images.hpp"
#include "espbak/ops/commands.hpp"
#include "espbak/ops/diff_command.hpp"
#include "espbak/ops/image_commands.hpp"
#include "espbak/ops/list_ports.hpp"
#include "espbak/ops/nvs_dump.hpp"
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
// are the defaults of -fm / -ff / -fs. The values are checked against esptool v5.3.1's
// click.Choice lists (__init__.py add_spi_flash_options), before the port is
// opened as click does; whether the connected chip takes the value is
// checked once it is known (check_flash_params).
FlashParams flash_params(const ParsedArgs& args) {
  FlashParams params;
  params.mode = lower(option_or_env(args, "flash-mode", "ESPTOOL_FM"));
  params.freq = lower(option_or_env(args, "flash-freq", "ESPTOOL_FF"));
  params.size = option_or_env(args, "flash-size", "ESPTOOL_FS");
  auto check = [&args](const char* key, const char* env, const std::string& value,
                       std::initializer_list<const char*> choices) {
    for (const char* c : choices)
      if (value == c) return;
    std::string listed;
    for (const char* c : choices) listed += (listed.empty() ? "" : ", ") + std::string(c);
    std::string option = key;
    std::replace(option.begin(), option.end(), '-', '_');  // --flash_size, as docs/cli.md names them
    option = args.given(key) ? "--" + option : std::string(env);
    throw Error(ErrorKind::usage, fmt::format("invalid {} value '{}' (choose from {})", option, value, listed));
  };
  check("flash-mode", "ESPTOOL_FM", params.mode, {"keep", "qio", "qout", "dio", "dout"});
  check("flash-freq", "ESPTOOL_FF", params.freq,
        {"keep", "80m", "60m", "48m", "40m", "30m", "26m", "24m", "20m", "16m", "15m", "12m"});
  check("flash-size", "ESPTOOL_FS", params.size,
        {"detect", "keep", "256KB", "512KB", "1MB", "2MB", "2MB-c1", "4MB", "4MB-c1", "8MB", "16MB", "32MB", "64MB",
         "128MB"});
  return params;
}

// --partition NAME [--partition-table-offset N] (ops/partitions.hpp), with
// `words` what the positionals got: CLI11 fills them in order, so the one
// FILE a command takes with --partition is the first word. nullopt without
// --partition. `shape` is the command line with it ("read_flash
// --partition NAME FILE"), `replaced` what the partition gives ("ADDRESS comes").
std::optional<PartitionChoice> partition_choice(const Invocation& call, const std::vector<std::string>& words,
                                                const char* shape, const char* replaced, bool takes_file) {
  if (!call.args.given("partition")) {
    if (call.args.given("partition-table-offset"))
      throw Error(ErrorKind::usage, fmt::format("--partition-table-offset is for {}", shape));
    return std::nullopt;
  }
  PartitionChoice choice;
  choice.name = call.args.text("partition");
  if (choice.name.empty()) throw Error(ErrorKind::usage, fmt::format("{}: NAME is empty", shape));
  choice.table_offset = parse_address(call.args.text("partition-table-offset"), "--partition-table-offset");
  if (takes_file && words.empty()) throw Error(ErrorKind::usage, fmt::format("{}: FILE is missing", shape));
  if (words.size() > (takes_file ? 1u : 0u))
    throw Error(ErrorKind::usage,
                fmt::format("{}: {} from the partition; give {} (got {} argument{})", shape, replaced,
                            takes_file ? "only FILE" : "no arguments", words.size(), words.size() == 1 ? "" : "s"));
  return choice;
}

// An empty FILE with --partition, refused as check_input_files refuses one
// at an address.
void check_partition_file(const std::string& file, const std::string& partition) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(file, ec) && std::filesystem::file_size(file, ec) == 0 && !ec)
    throw Error(ErrorKind::input, fmt::format("'{}' is empty: nothing to write to partition '{}'", file, partition));
}

// write_flash's --diff-with, --skip-flashed and --trust-flash-content as
// esptool v5.3.1 checks them before connecting (__init__.py write_flash_cli,
// cli_util.py DiffWithType: click.Path(exists=True, dir_okay=False,
// readable=True), the `skip` keyword; MutuallyExclusiveOption). espbak does
// not use the files' bytes, but a line esptool refuses is refused here too.
void check_write_flash_diff_options(const ParsedArgs& args) {
  namespace fs = std::filesystem;
  const bool diff_with = args.given("diff-with");
  if (args.flag("skip-flashed") && (diff_with || args.flag("trust-flash-content")))
    throw Error(ErrorKind::usage, fmt::format("--skip-flashed cannot be used with {} (esptool: mutually exclusive)",
                                              diff_with ? "--diff-with" : "--trust-flash-content"));
  if (args.flag("trust-flash-content") && !diff_with)
    throw Error(ErrorKind::usage, "Option --trust-flash-content requires --diff-with.");
  if (!diff_with) return;
  for (const auto& file : args.list("diff-with")) {
    std::error_code ec;
    if (lower(file) == "skip") {
      if (fs::exists(file, ec))
        throw Error(ErrorKind::input, fmt::format("--diff-with: a file named '{}' exists, but this name is the 'skip' "
                                                  "keyword (rename the file)",
                                                  file));
      continue;
    }
    if (!fs::exists(file, ec)) throw Error(ErrorKind::input, fmt::format("--diff-with: '{}' does not exist", file));
    if (fs::is_directory(file, ec)) throw Error(ErrorKind::input, fmt::format("--diff-with: '{}' is a directory", file));
    if (!std::ifstream(file, std::ios::binary))
      throw Error(ErrorKind::input, fmt::format("--diff-with: cannot read '{}'", file));
  }
}

// The words given to text positionals, in order.
std::vector<std::string> given_words(const ParsedArgs& args, std::initializer_list<const char*> keys) {
  std::vector<std::string> words;
  for (const char* key : keys)
    if (args.given(key)) words.push_back(args.text(key));
  return words;
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
  // esptool v4's --version: 2 is v5's only output, 1 v4's legacy lines
  // (v4's default; without --version espbak prints v5's).
  bool legacy = false;
  if (call.args.given("version")) {
    const std::string& version = call.args.text("version");
    if (version != "1" && version != "2")
      throw Error(ErrorKind::usage, fmt::format("image_info: --version '{}' is not 1 or 2", version));
    legacy = version == "1";
  }
  cmd_image_info(call.report, call.args.text("filename"), chosen_chip(call.global), legacy);
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

void run_diff(const Invocation& call) {
  DiffArgs d{.file_a = call.args.text("a"), .file_b = call.args.text("b"), .chip = chosen_chip(call.global)};
  d.table_offset = parse_address(call.args.text("partition-table-offset"), "--partition-table-offset");
  call.status = cmd_diff(call.report, d);
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
  const auto partition = partition_choice(call, given_words(call.args, {"address", "size", "filename"}),
                                          "read_flash --partition NAME FILE", "ADDRESS and SIZE come", true);
  if (partition) {
    rf.file = call.args.text("address");  // the one word given (partition_choice)
  } else {
    rf.address = parse_address(call.args.text("address"), "address");
    const std::string& size = call.args.text("size");
    if (lower(size) != "all") rf.size = parse_size_arg(size, "size");
    rf.file = call.args.text("filename");
  }
  rf.skip_erased = !call.args.flag("no-skip-erased");
  rf.manifest = !call.args.flag("no-manifest");
  rf.espbak_version = ESPBAK_VERSION;
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
  if (partition) return [rf, choice = *partition](Session& s) { cmd_read_flash_partition(s, rf, choice); };
  return [rf](Session& s) { cmd_read_flash(s, rf); };
}

SessionStep prepare_write_flash(const Invocation& call) {
  WriteFlashArgs wf;
  const auto partition = partition_choice(call, call.args.list("addr_filename"),
                                          "write_flash --partition NAME FILE", "ADDRESS comes", true);
  // With --partition the file is loaded at 0 and moved once the table is read.
  wf.pairs = partition ? std::vector<std::pair<std::uint32_t, std::string>>{{0, call.args.list("addr_filename")[0]}}
                       : parse_pairs(call.args.list("addr_filename"), "write_flash");
  if (partition) check_partition_file(wf.pairs[0].second, partition->name);
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
  check_write_flash_diff_options(call.args);
  if (call.args.given("diff-with"))
    call.report.info("espbak compares with the flash itself (MD5 of each block) and writes only what differs; "
                     "the --diff-with files are not needed.");
  // The regions hold the files' bytes: shared, so the step stays copyable.
  auto regions = std::make_shared<std::vector<FlashRegion>>(espbak::prepare_write_flash(wf, call.report));
  if (partition)
    return [wf, regions, choice = *partition](Session& s) {
      cmd_write_flash_partition(s, wf, std::move(*regions), choice);
    };
  return [wf, regions](Session& s) { cmd_write_flash(s, wf, std::move(*regions)); };
}

SessionStep prepare_verify_flash(const Invocation& call) {
  VerifyFlashArgs vf;
  const auto partition = partition_choice(call, call.args.list("addr_filename"),
                                          "verify_flash --partition NAME FILE", "ADDRESS comes", true);
  vf.pairs = partition ? std::vector<std::pair<std::uint32_t, std::string>>{{0, call.args.list("addr_filename")[0]}}
                       : parse_pairs(call.args.list("addr_filename"), "verify_flash");
  if (partition) check_partition_file(vf.pairs[0].second, partition->name);
  const std::string& diff = call.args.text("diff");
  std::string d = lower(diff);
  if (d != "yes" && d != "no") throw Error(ErrorKind::usage, fmt::format("invalid --diff value '{}' (yes or no)", diff));
  vf.diff = d == "yes";
  vf.params = flash_params(call.args);
  auto regions = std::make_shared<std::vector<FlashRegion>>(espbak::prepare_verify_flash(vf));
  if (partition)
    return [vf, regions, choice = *partition](Session& s) {
      cmd_verify_flash_partition(s, vf, std::move(*regions), choice);
    };
  return [vf, regions](Session& s) { cmd_verify_flash(s, vf, std::move(*regions)); };
}

SessionStep prepare_erase_region(const Invocation& call) {
  const bool force = call.args.flag("force");
  if (const auto partition = partition_choice(call, given_words(call.args, {"address", "size"}),
                                              "erase_region --partition NAME", "ADDRESS and SIZE come", false))
    return [force, choice = *partition](Session& s) { cmd_erase_partition(s, choice, force); };
  std::uint32_t address = parse_address(call.args.text("address"), "address");
  std::uint32_t size = parse_size_arg(call.args.text("size"), "size");
  check_erase_region_args(address, size);
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
    read_load_ram_image(file, *chip);
  } else {
    const ChipInfo& esp32 = *find_chip("esp32");
    const ChipInfo& esp8266 = *find_chip("esp8266");
    try {
      read_load_ram_image(file, esp32);
    } catch (const Error&) {
      try {
        read_load_ram_image(file, esp8266);
      } catch (const Error&) {
        read_load_ram_image(file, esp32);  // rethrows the first form's error
      }
    }
  }
  return [file](Session& s) { cmd_load_ram(s, file); };
}

namespace {
std::uint32_t table_offset(const Invocation& call) {
  return parse_address(call.args.text("partition-table-offset"), "--partition-table-offset");
}
NvsDumpArgs nvs_dump_args(const Invocation& call) {
  NvsDumpArgs args;
  args.file = call.args.text("filename");
  args.partition = call.args.text("partition");
  args.table_offset = table_offset(call);
  check_nvs_dump_args(args);
  return args;
}
}  // namespace

void run_partition_table_file(const Invocation& call) {
  cmd_partition_table_file(call.report, call.args.text("file"), table_offset(call));
}

SessionStep prepare_partition_table(const Invocation& call) {
  const std::uint32_t offset = table_offset(call);
  return [offset](Session& s) { cmd_partition_table(s, offset); };
}

bool nvs_dump_offline(const ParsedArgs& args) { return !args.text("filename").empty(); }
void run_nvs_dump(const Invocation& call) { cmd_nvs_dump_file(call.report, nvs_dump_args(call)); }
SessionStep prepare_nvs_dump(const Invocation& call) {
  const NvsDumpArgs args = nvs_dump_args(call);
  return [args](Session& s) { cmd_nvs_dump_partition(s, args); };
}

}  // namespace espbak::cli
