// espbak: esptool-compatible command line. Parses arguments (both the v4
// underscore and v5 dash spellings), checks everything it can before the
// port is opened, runs one command on a Session, and maps errors to exit
// codes (docs/exit-codes.md) in exactly one place: here.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "console_reporter.hpp"
#include "list_ports.hpp"
#include "espbak/chips/chip.hpp"
#include "espbak/link/discovery.hpp"
#include "espbak/link/reset/modes.hpp"
#include "espbak/loader/stub_images.hpp"
#include "espbak/ops/commands.hpp"
#include "espbak/ops/session.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

#ifndef ESPBAK_VERSION
#define ESPBAK_VERSION "0.0.0"
#endif

namespace {

using espbak::Error;
using espbak::ErrorKind;

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "--flash_mode" and "--flash-mode"; CLI11 wants them as one name list.
std::string both_spellings(const std::string& dashed) {
  std::string underscored = dashed;
  std::replace(underscored.begin() + 2, underscored.end(), '-', '_');
  return underscored == dashed ? dashed : dashed + "," + underscored;
}

const char* getenv_nonempty(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

std::uint32_t parse_address(const std::string& text, const char* what) {
  auto v = espbak::parse_u32(text);
  if (!v) throw Error(ErrorKind::usage, fmt::format("invalid {} '{}' (a number, decimal or 0x hex)", what, text));
  return *v;
}

std::uint32_t parse_size_arg(const std::string& text, const char* what) {
  auto v = espbak::parse_size(text);
  if (!v) throw Error(ErrorKind::usage, fmt::format("invalid {} '{}' (a number, decimal or 0x hex, k/M suffix allowed)",
                                                    what, text));
  return *v;
}

std::vector<std::pair<std::uint32_t, std::string>> parse_pairs(const std::vector<std::string>& items,
                                                               const char* command) {
  if (items.empty() || items.size() % 2)
    throw Error(ErrorKind::usage,
                fmt::format("{}: must be pairs of an address and the binary filename to write there", command));
  std::vector<std::pair<std::uint32_t, std::string>> pairs;
  for (std::size_t i = 0; i < items.size(); i += 2) {
    auto a = espbak::parse_u32(items[i]);
    if (!a) throw Error(ErrorKind::usage, fmt::format("{}: address \"{}\" must be a number", command, items[i]));
    pairs.emplace_back(*a, items[i + 1]);
  }
  return pairs;
}


struct GlobalArgs {
  std::string port;
  std::string baud;
  std::string chip = "auto";
  std::string before = "default_reset";
  std::string after = "hard_reset";
  bool no_stub = false;
  bool trace = false;
  int connect_attempts = 7;
  std::vector<std::string> port_filters;
  std::string reset_sequence, hard_reset_sequence;
  bool quiet = false;
  bool json = false;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"espbak " ESPBAK_VERSION " - back up and restore the flash of Espressif chips (esptool-compatible)",
               "espbak"};
  app.fallthrough();  // global options may also follow the command
  app.require_subcommand(1);
  app.set_help_flag("-h,--help", "Print this help message and exit");
  app.set_version_flag("--version", "espbak " ESPBAK_VERSION, "Print the version and exit (as the version command)");

  GlobalArgs g;
  app.add_option("-p,--port", g.port,
                 "Serial device, socket://HOST:PORT or rfc2217://HOST:PORT (env ESPBAK_PORT, ESPTOOL_PORT); "
                 "without one, the ports in ESPBAK_PORTS or the system's are tried (docs/connecting.md)");
  app.add_option(both_spellings("--port-filter"), g.port_filters,
                 "Restrict port discovery: vid=X, pid=X, name=SUBSTRING, serial=SUBSTRING (repeatable)");
  app.add_option(both_spellings("--custom-reset-sequence"), g.reset_sequence,
                 "esptool's custom reset sequence, e.g. 'D0|R1|W0.1|D1|R0|W0.05|D0'");
  app.add_option(both_spellings("--custom-hard-reset-sequence"), g.hard_reset_sequence,
                 "Sequence for --after hard_reset instead of the RTS pulse");
  app.add_option("-b,--baud", g.baud, "Baud rate, or auto: the fastest rate the link proves (default: auto for read_flash/write_flash, else 115200; env ESPBAK_BAUD, ESPTOOL_BAUD)");
  app.add_option("-c,--chip", g.chip, "Target chip: auto, esp8266, esp32, esp32s3");
  app.add_option("--before", g.before, espbak::before_reset_choices("|"));
  app.add_option("-a,--after", g.after, espbak::after_reset_choices("|"));
  app.add_flag("--no-stub,--no_stub", g.no_stub, "Talk to the ROM loader only (no flasher stub)");
  app.add_flag("-t,--trace", g.trace, "Trace every packet on stderr");
  app.add_option(both_spellings("--connect-attempts"), g.connect_attempts,
                 "Connection attempts, 0 or less for infinite (default 7)");
  app.add_flag("-q,--quiet", g.quiet, "Only errors on stderr; results still on stdout");
  app.add_flag("--json", g.json, "Print a machine-readable result object on stdout");

  auto add_command = [&](const std::string& name, const std::string& help) {
    CLI::App* sub = app.add_subcommand(name, help);
    std::string dashed = name;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    if (dashed != name) sub->alias(dashed);
    return sub;
  };

  auto* c_version = add_command("version", "Print the espbak version and the flasher stub release");
  auto* c_chip_id = add_command("chip_id", "Print the chip ID (ESP8266) or the MAC");
  auto* c_read_mac = add_command("read_mac", "Print the MAC address");
  auto* c_flash_id = add_command("flash_id", "Print the SPI flash manufacturer, device and size");
  auto* c_security_info = add_command("get_security_info",
                                      "Print the chip's security info (ESP32-S2 and later; works in Secure Download Mode)");
  auto* c_list_ports = add_command("list_ports", "List serial ports with VID:PID, serial number and product");

  std::string rf_address, rf_size, rf_file;
  auto* c_read_flash = add_command("read_flash", "Read flash to a file: ADDRESS SIZE|ALL FILE");
  c_read_flash->add_option("address", rf_address, "Start address")->required();
  c_read_flash->add_option("size", rf_size, "Bytes to read (k/M suffixes), or ALL for the rest of the flash")
      ->required();
  c_read_flash->add_option("filename", rf_file, "Output file")->required();
  bool rf_no_skip_erased = false;
  std::string rf_diff_with;
  c_read_flash->add_flag("--no-skip-erased", rf_no_skip_erased,
                         "Transfer erased (all 0xFF) blocks too; by default the chip's block MD5s skip erased blocks");
  c_read_flash->add_option("--diff-with", rf_diff_with,
                           "Earlier image (or directory of images, newest used): copy the blocks the chip still holds "
                           "from it, read only the rest");

  std::vector<std::string> wf_items;
  espbak::WriteFlashArgs wf;
  bool wf_no_compress = false, wf_compress = false;
  auto* c_write_flash = add_command("write_flash", "Write files to flash: ADDRESS FILE [ADDRESS FILE ...]");
  c_write_flash->add_option("addr_filename", wf_items, "Address followed by a file name, repeated")->required();
  c_write_flash->add_option(both_spellings("--flash-mode"), wf.params.mode, "keep|qio|qout|dio|dout (default keep)");
  c_write_flash->add_option(both_spellings("--flash-freq"), wf.params.freq, "keep|80m|40m|26m|20m (default keep)");
  c_write_flash->add_option(both_spellings("--flash-size"), wf.params.size,
                            "keep|detect|1MB|2MB|4MB|8MB|16MB|... (default keep)");
  auto* o_nc = c_write_flash->add_flag("-u," + both_spellings("--no-compress"), wf_no_compress,
                                       "Send data uncompressed");
  auto* o_c = c_write_flash->add_flag("-z,--compress", wf_compress, "Compress data (default when the stub runs)");
  o_nc->excludes(o_c);
  c_write_flash->add_flag("-e," + both_spellings("--erase-all"), wf.erase_all,
                          "Erase the whole flash first (stub only)");
  bool wf_no_diff = false;
  c_write_flash->add_flag("--no-diff", wf_no_diff,
                          "Write every block; by default blocks the flash already holds (unchanged, same MD5) are skipped");

  std::string er_address, er_size;
  add_command("erase_flash", "Erase the whole flash (stub only)");
  auto* c_erase_flash = app.get_subcommand("erase_flash");
  auto* c_erase_region = add_command("erase_region", "Erase a region: ADDRESS SIZE (multiples of 4096)");
  c_erase_region->add_option("address", er_address, "Start address")->required();
  c_erase_region->add_option("size", er_size, "Bytes to erase")->required();

  std::vector<std::string> vf_items;
  espbak::VerifyFlashArgs vf;
  std::string vf_diff = "no";
  auto* c_verify_flash = add_command("verify_flash", "Compare flash with files: ADDRESS FILE [ADDRESS FILE ...]");
  c_verify_flash->add_option("addr_filename", vf_items, "Address followed by a file name, repeated")->required();
  c_verify_flash->add_option("--diff", vf_diff, "yes|no: list the differing bytes (default no)");
  c_verify_flash->add_option(both_spellings("--flash-mode"), vf.params.mode, "keep|qio|qout|dio|dout");
  c_verify_flash->add_option(both_spellings("--flash-freq"), vf.params.freq, "keep|80m|40m|26m|20m");
  c_verify_flash->add_option(both_spellings("--flash-size"), vf.params.size, "keep|detect|1MB|...");

  espbak::cli::ConsoleMode mode;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    if (app.get_subcommands().empty()) {
      if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
        auto colon = msg.find(": ");
        std::string what = colon == std::string::npos ? msg : msg.substr(colon + 2);
        msg = fmt::format("unknown command '{}' (see espbak --help)", what);
      } else if (dynamic_cast<const CLI::RequiredError*>(&e) && msg.find("subcommand") != std::string::npos) {
        // CLI11 reports a missing subcommand before the stray word: name it.
        std::string stray;
        for (const auto& r : app.remaining())
          if (!r.empty() && r[0] != '-') {
            stray = r;
            break;
          }
        msg = stray.empty() ? "no command given (see espbak --help)"
                            : fmt::format("unknown command '{}' (see espbak --help)", stray);
      }
    }
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    std::fflush(stdout);
    std::fprintf(stderr, "espbak: error: %s\n", msg.c_str());
    return 2;
  }

  mode.quiet = g.quiet;
  mode.json = g.json;
  mode.progress_tty = isatty(STDERR_FILENO) != 0;
  espbak::cli::ConsoleReporter report(mode);
  CLI::App* command = app.get_subcommands().front();
  report.json().set("command", command->get_name());

  auto fail = [&](int code, const std::string& message) {
    report.error(message);
    if (g.json) {
      report.json().set("ok", false);
      report.json().set("error", message);
      report.json().set("exit_code", code);
      std::printf("%s\n", report.json().dump().c_str());
      std::fflush(stdout);
    }
    return code;
  };

  try {
    if (command == c_version) {
      report.result("espbak " ESPBAK_VERSION);
      report.result(std::string("flasher stub: ") + espbak::kStubRelease);
      report.json().set("version", ESPBAK_VERSION);
      report.json().set("stub_release", espbak::kStubRelease);
      report.json().set("ok", true);
      if (g.json) std::printf("%s\n", report.json().dump().c_str());
      return 0;
    }

    const char* port_list = getenv_nonempty("ESPBAK_PORTS");
    if (command == c_list_ports) {
      espbak::cli::list_ports(report, port_list ? port_list : "", g.port_filters);
      if (g.json) {
        report.json().set("ok", true);
        std::printf("%s\n", report.json().dump().c_str());
      }
      return 0;
    }

    // ---- global options ----
    espbak::SessionOptions opts;
    std::string baud_text = g.baud;
    if (baud_text.empty()) {
      if (const char* v = getenv_nonempty("ESPBAK_BAUD")) baud_text = v;
      else if (const char* v2 = getenv_nonempty("ESPTOOL_BAUD")) baud_text = v2;
    }
    if (lower(baud_text) == "auto") {
      opts.auto_baud = true;
    } else if (!baud_text.empty()) {
      auto b = espbak::parse_u32(baud_text);
      if (!b || *b == 0) throw Error(ErrorKind::usage, fmt::format("invalid baud rate '{}'", baud_text));
      opts.baud = *b;
    }
    std::string chip_name = lower(g.chip);
    chip_name.erase(std::remove(chip_name.begin(), chip_name.end(), '-'), chip_name.end());  // esptool strip_chip_name
    if (chip_name != "auto") {
      opts.chip = espbak::find_chip(chip_name);
      if (!opts.chip) {
        std::string choices = "auto";
        for (const auto& c : espbak::all_chips()) choices += ", " + std::string(c.cli_name);
        throw Error(ErrorKind::usage, fmt::format("invalid --chip value '{}' (choose from {})", g.chip, choices));
      }
    }
    auto before = espbak::parse_before(g.before);
    if (!before)
      throw Error(ErrorKind::usage, fmt::format("invalid --before value '{}' (choose from {})", g.before,
                                                espbak::before_reset_choices(", ")));
    auto after = espbak::parse_after(g.after);
    if (!after)
      throw Error(ErrorKind::usage, fmt::format("invalid --after value '{}' (choose from {})", g.after,
                                                espbak::after_reset_choices(", ")));
    opts.before = *before;
    opts.after = *after;
    // No rate given anywhere: the bulk transfers use -b auto (docs/cli.md),
    // proven against espsim's bridge models (issue 6). Only where espbak
    // resets the chip at both ends: a failed probe is recovered with a reset,
    // and a chip left in the loader (--after no_reset*) keeps 115200 for the
    // next run, as esptool does without -b. Short commands keep 115200: the
    // probe would cost more than it saves.
    const bool resets_both_ways =
        (opts.before == espbak::BeforeReset::default_reset || opts.before == espbak::BeforeReset::usb_reset) &&
        (opts.after == espbak::AfterReset::hard_reset || opts.after == espbak::AfterReset::soft_reset);
    if (baud_text.empty() && resets_both_ways && (command == c_read_flash || command == c_write_flash))
      opts.auto_baud = true;
    opts.no_stub = g.no_stub;
    opts.trace = g.trace;
    opts.connect_attempts = g.connect_attempts;
    // Discovery gives each candidate one pass over the reset strategies
    // unless the user set the budget.
    if (app.get_option("--connect-attempts")->count() > 0) opts.discovery_attempts = g.connect_attempts;
    opts.port_filters = g.port_filters;
    espbak::parse_port_filters(g.port_filters);  // a bad filter is a usage error before anything is opened
    if (!g.reset_sequence.empty()) opts.custom_reset = espbak::parse_reset_sequence(g.reset_sequence);
    if (!g.hard_reset_sequence.empty()) opts.custom_hard_reset = espbak::parse_reset_sequence(g.hard_reset_sequence);

    // ---- command arguments, checked before the port is touched ----
    espbak::ReadFlashArgs rf;
    std::vector<espbak::FlashRegion> regions;
    std::uint32_t erase_address = 0, erase_size = 0;
    if (command == c_read_flash) {
      rf.address = parse_address(rf_address, "address");
      if (lower(rf_size) != "all") rf.size = parse_size_arg(rf_size, "size");
      rf.file = rf_file;
      rf.skip_erased = !rf_no_skip_erased;
      rf.diff_with = rf_diff_with;
      espbak::check_read_flash_args(rf);
    } else if (command == c_write_flash) {
      wf.pairs = parse_pairs(wf_items, "write_flash");
      wf.params.mode = lower(wf.params.mode);
      wf.params.freq = lower(wf.params.freq);
      if (wf_no_compress) wf.compress = false;
      if (wf_compress) wf.compress = true;
      wf.diff = !wf_no_diff;
      regions = espbak::prepare_write_flash(wf, report);
    } else if (command == c_verify_flash) {
      vf.pairs = parse_pairs(vf_items, "verify_flash");
      std::string d = lower(vf_diff);
      if (d != "yes" && d != "no") throw Error(ErrorKind::usage, fmt::format("invalid --diff value '{}' (yes or no)", vf_diff));
      vf.diff = d == "yes";
      vf.params.mode = lower(vf.params.mode);
      vf.params.freq = lower(vf.params.freq);
      regions = espbak::prepare_verify_flash(vf);
    } else if (command == c_erase_region) {
      erase_address = parse_address(er_address, "address");
      erase_size = parse_size_arg(er_size, "size");
      espbak::check_erase_region_args(erase_address, erase_size);
    }

    // ---- port ----
    opts.port = g.port;
    if (opts.port.empty()) {
      if (const char* v = getenv_nonempty("ESPBAK_PORT")) opts.port = v;
      else if (const char* v2 = getenv_nonempty("ESPTOOL_PORT")) opts.port = v2;
    }
    if (opts.port.empty() && port_list) opts.port_list = port_list;
    // Benchmark A/B switch (docs/benchmarks.md): esptool's acknowledge-after-receipt.
    if (const char* ack = getenv_nonempty("ESPBAK_READ_ACK"); ack && std::string_view(ack) == "late")
      opts.early_read_ack = false;

    espbak::Session session(opts, report);
    session.connect();
    if (command == c_chip_id) espbak::cmd_chip_id(session);
    else if (command == c_read_mac) espbak::cmd_read_mac(session);
    else if (command == c_flash_id) espbak::cmd_flash_id(session);
    else if (command == c_security_info) espbak::cmd_get_security_info(session);
    else if (command == c_read_flash) espbak::cmd_read_flash(session, rf);
    else if (command == c_write_flash) espbak::cmd_write_flash(session, wf, std::move(regions));
    else if (command == c_verify_flash) espbak::cmd_verify_flash(session, vf, std::move(regions));
    else if (command == c_erase_flash) espbak::cmd_erase_flash(session);
    else if (command == c_erase_region) espbak::cmd_erase_region(session, erase_address, erase_size);
    session.finish();

    if (g.json) {
      report.json().set("ok", true);
      std::printf("%s\n", report.json().dump().c_str());
      std::fflush(stdout);
    }
    return 0;
  } catch (const Error& e) {
    std::string msg = e.what();
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    return fail(e.exit_code(), msg);
  } catch (const std::exception& e) {
    return fail(static_cast<int>(ErrorKind::internal), std::string("internal error: ") + e.what());
  }
}
