// Every global option and command of espbak, declared once. Both spellings
// are accepted everywhere: commands as written here and with dashes
// (dashed_alias), long options as listed in their names.
#include "command_table.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "command_handlers.hpp"
#include "espbak/chips/chip.hpp"
#include "espbak/link/reset/modes.hpp"

// The entries name only the fields they set; the others keep their
// defaults on purpose, which GCC's -Wextra would report for each entry.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#ifndef ESPBAK_VERSION
#define ESPBAK_VERSION "0.0.0"
#endif

namespace espbak::cli {

namespace {

std::vector<std::string> names(std::initializer_list<std::string> short_names, std::string_view dashed_long) {
  std::vector<std::string> all(short_names);
  for (auto& n : dashed_and_underscored(dashed_long)) all.push_back(std::move(n));
  return all;
}

OptionSpec positional(std::string name, ValueKind kind, std::string help) {
  return {.names = {std::move(name)}, .kind = kind, .help = std::move(help), .positional = true, .required = true};
}

// "a|b|c" -> {"a", "b", "c"}.
std::vector<std::string> split_choices(const std::string& joined) {
  std::vector<std::string> out;
  for (std::size_t start = 0;;) {
    auto bar = joined.find('|', start);
    out.push_back(joined.substr(start, bar - start));
    if (bar == std::string::npos) return out;
    start = bar + 1;
  }
}

// --chip takes a chip row's name; flash sizes and frequencies are those some
// chip row knows.
std::vector<std::string> chip_names() {
  std::vector<std::string> values = {"auto"};
  for (const auto& chip : all_chips()) values.emplace_back(chip.cli_name);
  return values;
}

std::vector<std::string> flash_code_names(std::vector<FlashCode> ChipInfo::*codes, std::vector<std::string> values) {
  for (const auto& chip : all_chips())
    for (const auto& code : chip.*codes)
      if (std::find(values.begin(), values.end(), code.name) == values.end()) values.emplace_back(code.name);
  return values;
}

// --flash-mode/--flash-freq/--flash-size, shared by write_flash and verify_flash
// (verify_flash's help is shorter: it only compares).
std::vector<OptionSpec> flash_param_options(std::string mode_help, std::string freq_help, std::string size_help) {
  return {
      {.names = names({"-fm"}, "--flash-mode"), .help = std::move(mode_help), .default_value = "keep",
       .values = {"keep", "qio", "qout", "dio", "dout"}},
      {.names = names({"-ff"}, "--flash-freq"), .help = std::move(freq_help), .default_value = "keep",
       .values = flash_code_names(&ChipInfo::flash_freqs, {"keep"})},
      {.names = names({"-fs"}, "--flash-size"), .help = std::move(size_help), .default_value = "keep",
       .values = flash_code_names(&ChipInfo::flash_sizes, {"keep", "detect"})},
  };
}

// esptool v5's options of every flash command that espbak refuses:
// custom SPI flash pins and NAND flash (esptool v5.3.1 __init__.py
// add_spi_connection_arg, add_flash_type_arg).
std::vector<OptionSpec> refused_flash_options() {
  return {
      {.names = names({"-sc"}, "--spi-connection"),
       .help = "Not supported by espbak: custom SPI flash pins (use esptool)",
       .refusal = "espbak does not support --spi-connection (flash on custom SPI pins); use esptool for such boards"},
      {.names = names({"-ft"}, "--flash-type"), .help = "nor (the default; nand is not supported by espbak)",
       .values = {"nor", "nand"},
       .refusal = "espbak does not support NAND flash (--flash-type nand); use esptool for it",
       .refused_value = "nand"},
  };
}

std::vector<OptionSpec> with_refused_flash_options(std::vector<OptionSpec> arguments) {
  for (auto& option : refused_flash_options()) arguments.push_back(std::move(option));
  return arguments;
}

// esptool v5 read-flash / write-flash `--no-progress, -p` (after the
// command; before it -p is the port, as in esptool).
OptionSpec no_progress_option() {
  return {.names = names({"-p"}, "--no-progress"), .kind = ValueKind::flag, .help = "Suppress progress output"};
}

// --partition NAME and --partition-table-offset N (partitions by name:
// ops/partitions.hpp). With --partition a flash command's positionals may
// be left out (OptionSpec::optional_with); its handler takes the one FILE.
OptionSpec partition_table_offset_option() {
  return {.names = names({}, "--partition-table-offset"),
          .help = "Where the partition table is (default 0x8000, ESP-IDF's CONFIG_PARTITION_TABLE_OFFSET)",
          .default_value = "0x8000"};
}

std::vector<OptionSpec> with_partition_options(std::vector<OptionSpec> arguments, std::string help) {
  for (auto& option : arguments)
    if (option.positional) option.optional_with = "partition";
  arguments.push_back({.names = {"--partition"}, .help = std::move(help)});
  arguments.push_back(partition_table_offset_option());
  return arguments;
}

std::vector<OptionSpec> global_options() {
  return {
      {.names = {"-h", "--help"}, .kind = ValueKind::help_flag, .help = "Print this help message and exit"},
      {.names = {"--version"}, .kind = ValueKind::version_flag,
       .help = "Print the version and exit (as the version command)"},
      {.names = {"-p", "--port"},
       .help = "Serial device, socket://HOST:PORT or rfc2217://HOST:PORT (env ESPBAK_PORT, ESPTOOL_PORT); "
               "without one, the ports in ESPBAK_PORTS or the system's are tried (docs/connecting.md); "
               "repeatable: several boards at once (docs/cli.md \"Many boards\")",
       .repeatable = true},
      {.names = names({}, "--all-ports"), .kind = ValueKind::flag,
       .help = "Every port discovery finds a chip on, all at once (docs/cli.md \"Many boards\")"},
      {.names = names({}, "--port-filter"), .kind = ValueKind::text_list,
       .help = "Restrict port discovery: vid=X, pid=X, name=SUBSTRING, serial=SUBSTRING (repeatable)"},
      {.names = names({}, "--custom-reset-sequence"),
       .help = "esptool's custom reset sequence, e.g. 'D0|R1|W0.1|D1|R0|W0.05|D0'"},
      {.names = names({}, "--custom-hard-reset-sequence"),
       .help = "Sequence for --after hard_reset instead of the RTS pulse"},
      // No default_value: "not given" is what lets plan_baud pick one.
      {.names = {"-b", "--baud"},
       .help = "Baud rate, or auto: the fastest rate the link proves (default: auto for read_flash/write_flash, "
               "else 115200; env ESPBAK_BAUD, ESPTOOL_BAUD)",
       .values = {"auto", "115200", "230400", "460800", "921600", "1500000", "2000000"}},
      {.names = {"-c", "--chip"}, .help = "Target chip: auto, " + chip_cli_names(), .default_value = "auto",
       .values = chip_names()},
      {.names = {"--before"}, .help = before_reset_choices("|"), .default_value = "default_reset",
       .values = split_choices(before_reset_choices("|"))},
      {.names = {"-a", "--after"}, .help = after_reset_choices("|"), .default_value = "hard_reset",
       .values = split_choices(after_reset_choices("|"))},
      {.names = names({}, "--no-stub"), .kind = ValueKind::flag,
       .help = "Talk to the ROM loader only (no flasher stub)"},
      {.names = {"-t", "--trace"}, .kind = ValueKind::flag, .help = "Trace every packet on stderr"},
      {.names = names({}, "--connect-attempts"), .kind = ValueKind::integer,
       .help = "Connection attempts, 0 or less for infinite (default 7)", .default_value = "7"},
      {.names = names({}, "--open-port-attempts"), .kind = ValueKind::integer,
       .help = "Open and connect up to N times, 0 for ever, 0.1 s apart (with --port and --chip; env "
               "ESPTOOL_OPEN_PORT_ATTEMPTS; default 1)",
       .default_value = "1"},
      {.names = {"-q", "--quiet"}, .kind = ValueKind::flag, .help = "Only errors on stderr; results still on stdout"},
      {.names = {"-s", "--silent"}, .kind = ValueKind::flag, .help = "esptool v5: as --quiet"},
      {.names = {"-v", "--verbose"}, .kind = ValueKind::flag,
       .help = "esptool v5: every stage in full (espbak never collapses its output)"},
      {.names = names({}, "--stub-version"),
       .help = "esptool v5: 1|2, which stub build (env ESPTOOL_STUB_VERSION); espbak carries one, esptool-js 0.7.0's",
       .values = {"1", "2"}},
      {.names = names({}, "--override-vddsdio"),
       .help = "Not supported by espbak: ESP32 VDDSDIO regulator override (use esptool)",
       .refusal = "espbak does not support --override-vddsdio (ESP32 VDDSDIO regulator); use esptool for it"},
      {.names = {"--json"}, .kind = ValueKind::flag, .help = "Print a machine-readable result object on stdout"},
  };
}

std::vector<OptionSpec> read_flash_arguments() {
  return with_partition_options(with_refused_flash_options({
      positional("address", ValueKind::text, "Start address"),
      positional("size", ValueKind::text, "Bytes to read (k/M/KB/MB suffixes), or ALL for the rest of the flash"),
      positional("filename", ValueKind::text, "Output file"),
      {.names = names({}, "--no-skip-erased"), .kind = ValueKind::flag,
       .help = "Transfer erased (all 0xFF) blocks too; by default the chip's block MD5s skip erased blocks"},
      {.names = names({}, "--no-manifest"), .kind = ValueKind::flag,
       .help = "Write no FILE.json manifest beside FILE (docs/manifest.md; write_flash checks a backup against it)"},
      {.names = names({}, "--diff-with"),
       .help = "Earlier image (or directory of images, newest used): copy the blocks the chip still holds "
               "from it, read only the rest"},
      no_progress_option(),
      {.names = names({"-fs"}, "--flash-size"),
       .help = "Flash size for the read, e.g. 4MB (esptool 4.8: the ROM reads past 2 MB); default: detected",
       .default_value = "detect", .values = flash_code_names(&ChipInfo::flash_sizes, {"detect", "keep"})},
  }), "Read the partition NAME of the chip's table instead of ADDRESS SIZE: read_flash --partition NAME FILE");
}

// esptool's --force of erase-flash, erase-region and write-flash: its
// refusals on a chip with flash encryption or secure boot on (docs/cli.md).
OptionSpec force_option() {
  return {.names = {"--force"}, .kind = ValueKind::flag,
          .help = "Skip the safety checks for flash encryption and secure boot (esptool's; may brick the chip)"};
}

std::vector<OptionSpec> write_flash_arguments() {
  std::vector<OptionSpec> arguments = {
      positional("addr_filename", ValueKind::text_list, "Address followed by a file name, repeated")};
  for (auto& option : flash_param_options("keep|qio|qout|dio|dout (default keep)",
                                          "keep|80m|40m|26m|20m (default keep)",
                                          "keep|detect|1MB|2MB|4MB|8MB|16MB|... (default keep)"))
    arguments.push_back(std::move(option));
  arguments.push_back({.names = names({"-u"}, "--no-compress"), .kind = ValueKind::flag,
                       .help = "Send data uncompressed", .excludes = "compress"});
  arguments.push_back({.names = {"-z", "--compress"}, .kind = ValueKind::flag,
                       .help = "Compress data (default when the stub runs)"});
  arguments.push_back({.names = names({"-e"}, "--erase-all"), .kind = ValueKind::flag,
                       .help = "Erase the whole flash first (stub only)"});
  arguments.push_back(
      {.names = names({}, "--no-diff"), .kind = ValueKind::flag,
       .help = "Write every block; by default blocks the flash already holds (unchanged, same MD5) are skipped"});
  arguments.push_back(no_progress_option());
  // esptool's names for what espbak does anyway, accepted so that guides'
  // command lines work (docs/cli.md "esptool options").
  arguments.push_back({.names = names({"-s"}, "--skip-flashed"), .kind = ValueKind::flag,
                       .help = "esptool 5.2: skip what the flash already holds (espbak always does, block by block)",
                       .excludes = "no-diff"});
  arguments.push_back({.names = names({}, "--diff-with"), .kind = ValueKind::text_list,
                       .help = "esptool 5.2: earlier image(s) to compare with; espbak compares with the flash itself"});
  arguments.push_back({.names = {"--verify"}, .kind = ValueKind::flag,
                       .help = "esptool v4: verify after writing (espbak always verifies)"});
  OptionSpec force = force_option();
  force.help += "; also its check that an image is for this chip and revision, and the refusals of a backup of "
                "another chip or flash size (FILE.json)";
  arguments.push_back(std::move(force));
  arguments.push_back({.names = names({}, "--encrypt"), .kind = ValueKind::flag,
                       .help = "Not supported by espbak: flash encryption (use esptool)"});
  arguments.push_back({.names = names({}, "--encrypt-files"), .kind = ValueKind::text_list,
                       .help = "Not supported by espbak: flash encryption (use esptool)"});
  arguments.push_back({.names = names({}, "--ignore-flash-enc-efuse"), .kind = ValueKind::flag,
                       .help = "esptool: only for --encrypt, which espbak refuses (no effect on plain writes)"});
  arguments.push_back({.names = names({}, "--trust-flash-content"), .kind = ValueKind::flag,
                       .help = "esptool 5.2: no final check of unchanged files (espbak's unchanged blocks are "
                               "checked by MD5 anyway)"});
  return with_partition_options(with_refused_flash_options(std::move(arguments)),
                                "Write FILE to the partition NAME of the chip's table: write_flash --partition NAME "
                                "FILE (a FILE larger than the partition is refused)");
}

std::vector<OptionSpec> erase_region_arguments() {
  return with_partition_options(
      with_refused_flash_options({positional("address", ValueKind::text, "Start address"),
                                  positional("size", ValueKind::text, "Bytes to erase"), force_option()}),
      "Erase the partition NAME of the chip's table: erase_region --partition NAME");
}

std::vector<OptionSpec> verify_flash_arguments() {
  std::vector<OptionSpec> arguments = {
      positional("addr_filename", ValueKind::text_list, "Address followed by a file name, repeated"),
      {.names = {"-d", "--diff"}, .help = "List the differing bytes (esptool v5 flag; v4's --diff yes|no too)",
       .default_value = "no", .values = {"yes", "no"}, .implicit_value = "yes"},
  };
  for (auto& option : flash_param_options("keep|qio|qout|dio|dout", "keep|80m|40m|26m|20m", "keep|detect|1MB|..."))
    arguments.push_back(std::move(option));
  return with_partition_options(with_refused_flash_options(std::move(arguments)),
                                "Compare FILE with the partition NAME of the chip's table: verify_flash --partition "
                                "NAME FILE");
}

std::vector<OptionSpec> merge_bin_arguments() {
  std::vector<OptionSpec> arguments = {
      positional("addr_filename", ValueKind::text_list, "Address followed by a file name, repeated"),
      {.names = names({"-o"}, "--output"), .help = "Output file (written as OUTPUT.part, renamed when complete)",
       .required = true},
      {.names = names({"-f"}, "--format"), .help = "raw|uf2|hex (default raw)", .default_value = "raw",
       .values = {"raw", "uf2", "hex"}},
  };
  for (auto& option : flash_param_options("keep|qio|qout|dio|dout (default keep)",
                                          "keep|80m|40m|26m|20m|... (default keep)",
                                          "keep|1MB|2MB|4MB|... (default keep)"))
    arguments.push_back(std::move(option));
  // esptool v5 --pad-to-size; v4 called it --fill-flash-size (cli_util.py DEPRECATED_OPTIONS).
  arguments.push_back({.names = {"--pad-to-size", "--pad_to_size", "--fill-flash-size", "--fill_flash_size"},
                       .help = "raw: pad the output with 0xFF to this flash size (256KB ... 128MB)",
                       .values = {"256KB", "512KB", "1MB", "2MB", "4MB", "8MB", "16MB", "32MB", "64MB", "128MB"}});
  arguments.push_back({.names = names({"-t"}, "--target-offset"), .help = "raw: where the output will be flashed "
                                                                         "(default 0)",
                       .default_value = "0"});
  arguments.push_back({.names = names({}, "--chunk-size"),
                       .help = "uf2: data bytes per 512-byte block, a multiple of 4 (default: the largest, 452)"});
  arguments.push_back({.names = names({}, "--md5-disable"), .kind = ValueKind::flag,
                       .help = "uf2: no MD5 part in the blocks"});
  return arguments;
}

// nvs_dump FILE | --partition NAME (src/ops/nvs_dump.cpp).
std::vector<OptionSpec> nvs_dump_arguments() {
  return {
      {.names = {"filename"},
       .help = "NVS partition image, or a whole-flash backup with a partition table; without it the chip's "
               "--partition is read",
       .positional = true},
      {.names = {"--partition"},
       .help = "The data/nvs partition by name: in FILE's partition table, or on the chip when no FILE is given"},
      partition_table_offset_option(),
  };
}

std::vector<CommandSpec> commands() {
  return {
      {.name = "version", .help = "Print the espbak version (\"espbak X.Y.Z\") and the flasher stub release", .run_offline = run_version},
      {.name = "chip_id", .help = "Print the chip ID (ESP8266) or the MAC", .prepare = prepare_chip_id},
      {.name = "read_mac", .help = "Print the MAC address", .prepare = prepare_read_mac,
       .many_boards = ManyBoards::yes},
      {.name = "flash_id", .help = "Print the SPI flash manufacturer, device and size",
       .arguments = refused_flash_options(), .prepare = prepare_flash_id, .many_boards = ManyBoards::yes},
      {.name = "get_security_info",
       .help = "Print the chip's security info (ESP32-S2 and later; works in Secure Download Mode)",
       .prepare = prepare_get_security_info},
      {.name = "list_ports", .help = "List serial ports with VID:PID, serial number and product",
       .run_offline = run_list_ports},
      {.name = "read_flash", .help = "Read flash to a file: ADDRESS SIZE|ALL FILE",
       .arguments = read_flash_arguments(), .traffic = Traffic::bulk_transfer, .prepare = prepare_read_flash,
       .many_boards = ManyBoards::output_file},
      {.name = "write_flash", .help = "Write files to flash: ADDRESS FILE [ADDRESS FILE ...]",
       .arguments = write_flash_arguments(), .traffic = Traffic::bulk_transfer, .prepare = prepare_write_flash,
       .many_boards = ManyBoards::input_files},
      {.name = "erase_flash", .help = "Erase the whole flash (stub only)",
       .arguments = with_refused_flash_options({force_option()}),
       .prepare = prepare_erase_flash, .many_boards = ManyBoards::yes},
      {.name = "erase_region", .help = "Erase a region: ADDRESS SIZE (multiples of 4096)",
       .arguments = erase_region_arguments(), .prepare = prepare_erase_region},
      {.name = "verify_flash", .help = "Compare flash with files: ADDRESS FILE [ADDRESS FILE ...]",
       .arguments = verify_flash_arguments(), .prepare = prepare_verify_flash,
       .many_boards = ManyBoards::input_files},
      {.name = "partition_table",
       .help = "Print the partition table (ESP-IDF's format) of the chip, or of FILE: a table or a flash backup",
       .arguments = {{.names = {"file"}, .help = "A partition table (partition-table.bin) or a flash backup "
                                                 "(read at the table's offset); without it, the chip's",
                      .positional = true},
                     partition_table_offset_option()},
       .run_offline = run_partition_table_file, .prepare = prepare_partition_table,
       .offline_when = [](const ParsedArgs& args) { return args.given("file"); }},
      {.name = "read_mem", .help = "Read a 32-bit word of memory: ADDRESS",
       .arguments = {positional("address", ValueKind::text, "Address (32-bit aligned)")}, .prepare = prepare_read_mem},
      {.name = "write_mem", .help = "Write a 32-bit word of memory: ADDRESS VALUE [MASK]",
       .arguments = {positional("address", ValueKind::text, "Address (32-bit aligned)"),
                     positional("value", ValueKind::text, "Value"),
                     {.names = {"mask"}, .help = "Bits to change (default 0xFFFFFFFF)", .positional = true,
                      .default_value = "0xFFFFFFFF"}},
       .prepare = prepare_write_mem},
      {.name = "image_info", .help = "Describe a firmware image file: FILENAME (the chip: --chip or its header)",
       .arguments = {positional("filename", ValueKind::text, "Image file"),
                     {.names = {"--version"}, .help = "esptool v4's output version, 1 or 2 (espbak prints v5's, which "
                                                       "is v2)",
                      .values = {"1", "2"}}},
       .run_offline = run_image_info},
      {.name = "merge_bin", .help = "Merge files into one image: -o OUTPUT ADDRESS FILE [ADDRESS FILE ...] (needs "
                                    "--chip)",
       .arguments = merge_bin_arguments(), .run_offline = run_merge_bin},
      {.name = "diff", .help = "Compare two backups: A B; the differing sectors by partition or SDK area, exit 1 "
                               "when they differ (as diff(1))",
       .arguments = {positional("a", ValueKind::text, "Earlier backup (its manifest A.json is read when present)"),
                     positional("b", ValueKind::text, "Later backup"),
                     partition_table_offset_option()},
       .run_offline = run_diff},
      {.name = "read_flash_status", .help = "Print the SPI flash status register (RDSR, RDSR2, RDSR3)",
       .arguments = {{.names = {"--bytes"}, .help = "Status bytes to read: 1, 2 or 3 (default 2)",
                      .default_value = "2", .values = {"1", "2", "3"}}},
       .prepare = prepare_read_flash_status},
      {.name = "write_flash_status",
       .help = "Write the SPI flash status register: VALUE (volatile bits unless --non-volatile)",
       .arguments = {positional("value", ValueKind::text, "New status value"),
                     {.names = {"--bytes"}, .help = "Status bytes to write: 1, 2 or 3 (default 2)",
                      .default_value = "2", .values = {"1", "2", "3"}},
                     {.names = names({}, "--non-volatile"), .kind = ValueKind::flag,
                      .help = "Write the non-volatile bits too (WREN instead of 50h; use with caution)"}},
       .prepare = prepare_write_flash_status},
      {.name = "read_flash_sfdp", .help = "Print 1-4 bytes of the SPI flash's SFDP area: ADDRESS BYTES",
       .arguments = {positional("address", ValueKind::text, "SFDP address"),
                     positional("bytes", ValueKind::text, "Bytes to read (1-4)")},
       .prepare = prepare_read_flash_sfdp},
      {.name = "load_ram", .help = "Load a firmware image's segments to RAM and run it: FILE",
       .arguments = {positional("filename", ValueKind::text, "Firmware image (as elf2image builds it)")},
       .prepare = prepare_load_ram, .leaves_chip_running = true},
      {.name = "run", .help = "Run the application in flash (FLASH_END with the run flag)", .prepare = prepare_run},
      {.name = "nvs_dump",
       .help = "Print an NVS partition's namespaces, keys and values: FILE, or --partition NAME from the chip",
       .arguments = nvs_dump_arguments(), .run_offline = run_nvs_dump, .prepare = prepare_nvs_dump,
       .offline_when = nvs_dump_offline},
      {.name = "dump_mem", .help = "Dump memory to a file: ADDRESS SIZE FILE",
       .arguments = {positional("address", ValueKind::text, "Start address"),
                     positional("size", ValueKind::text, "Bytes (a multiple of 4)"),
                     positional("filename", ValueKind::text, "Output file")},
       .prepare = prepare_dump_mem},
  };
}

// esptool v5.3.1 commands espbak does not have yet, each refused in one line
// that names what to use instead.
std::vector<CommandSpec> refused_commands() {
  const std::string esptool = "; use esptool for it (pip install esptool)";
  auto refuse = [&](std::string name, std::string what, std::string instead) {
    return CommandSpec{.name = name, .help = "Not in espbak yet (" + what + ")",
                       .refusal = fmt::format("espbak does not implement {} ({}){}", name, what, instead)};
  };
  return {
      refuse("elf2image", "building firmware images from ELF files", esptool + " or ESP-IDF's idf.py"),
  };
}

}  // namespace

const ProgramSpec& program_spec() {
  static const ProgramSpec spec{
      .name = "espbak",
      .version = ESPBAK_VERSION,
      .description = "espbak " ESPBAK_VERSION
                     " - back up and restore the flash of Espressif chips (esptool-compatible)",
      .global_options = global_options(),
      .commands = [] {
        auto all = commands();
        for (auto& refused : refused_commands()) all.push_back(std::move(refused));
        return all;
      }(),
  };
  return spec;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto& command : program_spec().commands)
    if (command.name == name || dashed_alias(command.name) == name) return &command;
  return nullptr;
}

}  // namespace espbak::cli
