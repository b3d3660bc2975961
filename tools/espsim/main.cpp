// espsim: a simulated ESP8266 / ESP32 in ROM download mode on a TCP socket or
// a pty. Usage and model: docs/espsim.md.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "espbak/chips/chip.hpp"
#include "espbak/sim/bridge.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/fault.hpp"
#include "espbak/sim/server.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"
#include "stop_signals.hpp"

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

[[noreturn]] void usage_error(const std::string& what) {
  std::cerr << "espsim: " << what << "\n";
  std::exit(2);
}

espbak::sim::Endpoint parse_listen(const std::string& spec) {
  // tcp:HOST:PORT or rfc2217:HOST:PORT (HOST may be [v6]).
  const char* form = "--listen takes tcp:HOST:PORT or rfc2217:HOST:PORT, got '";
  espbak::sim::Endpoint e;
  std::string rest;
  if (spec.starts_with("tcp:")) {
    e.kind = espbak::sim::Endpoint::Kind::tcp;
    rest = spec.substr(4);
  } else if (spec.starts_with("rfc2217:")) {
    e.kind = espbak::sim::Endpoint::Kind::rfc2217;
    rest = spec.substr(8);
  } else {
    usage_error(form + spec + "'");
  }
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) usage_error(form + spec + "'");
  std::string host = rest.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto port = espbak::parse_u32(rest.substr(colon + 1));
  if (!port || *port > 65535) usage_error("bad port in --listen '" + spec + "'");
  e.host = host;
  e.port = std::uint16_t(*port);
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace espbak;
  CLI::App app{"espsim: simulated ESP8266/ESP32/ESP32-S3 serial bootloader and flasher stub"};
  std::string chip_name, flash_size_text, flash_file, mac_text, jedec_text, listen, pty, link_mode = "instant";
  std::optional<std::uint32_t> latency_ms;
  app.add_option("--chip", chip_name, chip_cli_names(" | "))->required();
  bool secure_download_mode = false;
  std::string ram_code = "stub";
  app.add_option("--ram-code", ram_code,
                 "stub | app: what RAM code that is no known stub image does after MEM_END: answer as the stub "
                 "(default), or run as an application (esptool load_ram; the loader is gone)")
      ->check(CLI::IsMember({"stub", "app"}));
  app.add_flag("--secure-download-mode", secure_download_mode,
               "ESP32-S3: the ROM in Secure Download Mode (SECURE_DOWNLOAD_ENABLE set; register, RAM and flash "
               "reads refused; see docs/espsim.md)");
  app.add_option("--flash-size", flash_size_text, "1MB | 2MB | 4MB | 8MB | 16MB")->required();
  app.add_option("--flash-file", flash_file, "file holding the flash contents (created 0xFF-filled)");
  app.add_option("--mac", mac_text, "MAC address XX:XX:XX:XX:XX:XX");
  std::vector<std::string> efuse_texts;
  app.add_option("--efuse", efuse_texts,
                 "set a register field of the chip file's table, NAME=VALUE (repeatable; e.g. CHIP_PACKAGE=5 on an "
                 "esp32 makes a PICO-D4); see docs/espsim.md");
  app.add_option("--jedec-id", jedec_text, "RDID: manufacturer byte then 16-bit device id, hex (e.g. ef4016)");
  std::string revision_text;
  app.add_option("--chip-revision", revision_text,
                 "silicon revision MAJOR.MINOR for chips whose eFuse row can hold one (esp32p4: 1.0 default, "
                 "3.1 = ECO6 with its flash powered off until the host's power-on sequence; docs/espsim.md)");
  auto* listen_opt = app.add_option("--listen", listen,
                                    "tcp:HOST:PORT, or rfc2217:HOST:PORT for a board with DTR/RTS reset "
                                    "(port 0: any free port)");
  bool usb_jtag_serial = false, no_auto_reset = false;
  std::uint32_t en_delay_ms = 5;
  std::uint32_t usb_jtag_wdt_ms = 9000;
  bool usb_otg = false;
  app.add_flag("--usb-jtag-serial", usb_jtag_serial,
               "download over the chip's USB-Serial/JTAG port (UARTDEV_BUF_NO, the RTC watchdog left running; "
               "rfc2217: its reset logic instead of the auto-reset circuit)");
  app.add_flag("--usb-otg", usb_otg,
               "download over the chip's USB-OTG port (esp32s2, esp32s3, esp32p4, esp32s31): UARTDEV_BUF_NO, RAM and flash "
               "blocks of at most 0x800 bytes");
  std::optional<std::uint32_t> usb_reenumerate_ms;
  app.add_option("--usb-reenumerate-ms", usb_reenumerate_ms,
                 "--usb-otg / --usb-jtag-serial, pty and tcp: how long the port is gone after a reset that makes "
                 "the chip's USB device leave the bus (default 500)");
  app.add_flag("--no-auto-reset", no_auto_reset, "rfc2217: DTR/RTS not connected (reset by hand only)");
  app.add_option("--usb-jtag-wdt-ms", usb_jtag_wdt_ms,
                 "--usb-jtag-serial: when the RTC watchdog left running fires unless the host disables it "
                 "(default 9000, ESP-IDF's bootloader watchdog; 0: not running)");
  app.add_option("--en-delay-ms", en_delay_ms, "rfc2217: EN's RC delay before the chip samples GPIO0 (default 5)");
  auto* pty_opt = app.add_option("--pty", pty, "create a pty and a symlink LINKPATH to it");
  listen_opt->excludes(pty_opt);
  app.add_option("--link", link_mode, "instant | realistic");
  app.add_option("--latency-ms", latency_ms, "per-direction latency in ms (default 0 instant, 2 realistic)");
  std::string bridge_name;
  app.add_option("--bridge", bridge_name,
                 "USB bridge model: " + sim::bridge_names() +
                     " (corrupts bytes above its highest reliable baud; sets the --latency-ms default of "
                     "--link realistic); see docs/espsim.md");
  std::vector<std::string> fault_texts;
  std::uint64_t fault_seed = 1;
  app.add_option("--fault", fault_texts,
                 "inject a fault (repeatable): drop:RATE, corrupt:RATE, noise:RATE, stall:OFFSET:MS, reset:OFFSET, "
                 "close:OFFSET, each optionally :to-host (default) or :to-device; see docs/espsim.md");
  app.add_option("--seed", fault_seed, "seed for the random faults (default 1)");
  std::optional<std::uint32_t> crystal_mhz;
  app.add_option("--crystal", crystal_mhz,
                 "crystal fitted, MHz, where the chip comes with a choice (esp32c2: 26 | 40, esp32c5: 40 | 48); "
                 "see docs/espsim.md");
  std::uint32_t count = 1;
  auto* count_opt = app.add_option("--count", count,
                 "N independent boards: --listen ports PORT..PORT+N-1, --pty links LINKPATH0..LINKPATH{N-1}, MACs "
                 "the --mac (or default) plus 0..N-1, --flash-file FILE.0..FILE.{N-1}, even for N=1 (without "
                 "--count: one board, named as given); see docs/espsim.md")
      ->check(CLI::Range(1u, 64u));
  app.add_flag_callback("--version", [] {
    std::cout << "espsim " << ESPBAK_VERSION << "\n";
    std::exit(0);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (auto nl = what.find('\n'); nl != std::string::npos) what = what.substr(0, nl);
    usage_error(what);
  }

  const ChipInfo* chip = find_chip(chip_name);
  if (!chip) usage_error("unknown --chip '" + chip_name + "' (" + chip_cli_names() + ")");
  if (secure_download_mode && !chip->rom.security_info)
    usage_error("--secure-download-mode: the " + std::string(chip->name) +
                " has no Secure Download Mode (only ESP32-S2 and later chips do)");
  auto flash_size = parse_flash_size_name(flash_size_text);
  if (!flash_size || *flash_size < (1u << 20) || *flash_size > (16u << 20) || (*flash_size & (*flash_size - 1)))
    usage_error("--flash-size must be 1MB, 2MB, 4MB, 8MB or 16MB, got '" + flash_size_text + "'");
  if (listen.empty() == pty.empty())
    usage_error("give exactly one of --listen tcp:HOST:PORT, --listen rfc2217:HOST:PORT or --pty LINKPATH");
  if (!pty.empty() && !sim::kPtyAvailable)
    usage_error("--pty is not available on Windows (use --listen tcp:HOST:PORT or rfc2217:HOST:PORT)");
  if (usb_jtag_serial && no_auto_reset) usage_error("--usb-jtag-serial and --no-auto-reset exclude each other");
  if (usb_otg && usb_jtag_serial) usage_error("--usb-otg and --usb-jtag-serial exclude each other");
  if (usb_otg && !(chip->usb && chip->usb->has_otg()))
    usage_error("--usb-otg: the " + std::string(chip->name) +
                " has no USB-OTG download path (esp32s2, esp32s3, esp32p4, esp32s31 do)");
  if (usb_reenumerate_ms && !usb_otg && !usb_jtag_serial)
    usage_error("--usb-reenumerate-ms needs --usb-otg or --usb-jtag-serial (only the chip's own USB port goes away)");
  if (link_mode != "instant" && link_mode != "realistic")
    usage_error("--link must be instant or realistic, got '" + link_mode + "'");

  sim::DeviceConfig cfg;
  cfg.chip = chip;
  cfg.download_path = usb_otg           ? sim::DownloadPath::usb_otg
                      : usb_jtag_serial ? sim::DownloadPath::usb_jtag_serial
                                        : sim::DownloadPath::uart;
  // The RTC watchdog's timeout as the firmware's bootloader armed it before
  // the USB reset: ESP-IDF CONFIG_BOOTLOADER_WDT_TIME_MS default 9000
  // (an estimate of what a real board has running; docs/espsim.md).
  if (usb_jtag_serial) cfg.usb_jtag_rtc_wdt = sim::SimTime(usb_jtag_wdt_ms) * sim::kMs;
  for (const auto& text : efuse_texts) {
    std::string why;
    auto fv = sim::parse_efuse_setting(*chip, text, &why);
    if (!fv) usage_error("--efuse " + text + ": " + why);
    cfg.efuse_overrides.push_back(*fv);
  }
  if (crystal_mhz) {
    // The chip file lists the crystals its parts ship with; others only the one.
    std::vector<std::uint32_t> options = chip->sim.crystal_options_mhz;
    if (options.empty()) options.push_back(chip->sim.xtal_hz / 1'000'000);
    if (std::find(options.begin(), options.end(), *crystal_mhz) == options.end()) {
      std::string list;
      for (auto mhz : options) list += (list.empty() ? "" : " or ") + std::to_string(mhz);
      usage_error("--crystal " + std::to_string(*crystal_mhz) + ": the " + std::string(chip->name) +
                  " simulates a crystal of " + list + " MHz");
    }
    cfg.xtal_hz = *crystal_mhz * 1'000'000;
  }
  cfg.secure_download_mode = secure_download_mode;
  cfg.unknown_ram_code_is_app = ram_code == "app";
  cfg.mac = sim::default_mac(chip->id);
  if (!mac_text.empty()) {
    auto mac = parse_mac(mac_text);
    if (!mac) usage_error("bad --mac '" + mac_text + "' (want XX:XX:XX:XX:XX:XX)");
    if (!sim::mac_encodable(chip->id, *mac)) usage_error("--mac " + mac_text + " cannot be encoded in this chip's eFuse");
    cfg.mac = *mac;
  }
  if (!revision_text.empty()) {
    if (!chip->sim.encode_revision)
      usage_error("--chip-revision: espsim's " + std::string(chip->name) + " has a fixed revision");
    auto dot = revision_text.find('.');
    auto major = dot == std::string::npos ? std::nullopt : parse_u32(revision_text.substr(0, dot));
    auto minor = dot == std::string::npos ? std::nullopt : parse_u32(revision_text.substr(dot + 1));
    // The widest revision fields of a row (the P4's: 3-bit major, 4-bit minor).
    if (!major || !minor || *major > 7 || *minor > 15)
      usage_error("--chip-revision wants MAJOR.MINOR (0-7 . 0-15), got '" + revision_text + "'");
    // A row's fields may be narrower (the ESP32-C3's major is 2 bits): what
    // the chip would read back must be what was asked for.
    std::map<std::uint32_t, std::uint32_t> regs;
    FieldWriter writer(regs);
    chip->sim.encode_revision(*major, *minor, writer);
    if (chip->chip_revision(FieldReader([&](std::uint32_t a) { return regs[a]; })) != *major * 100 + *minor)
      usage_error("--chip-revision " + revision_text + ": espsim's " + std::string(chip->name) +
                  " cannot hold that revision in its eFuse fields");
    cfg.chip_revision = std::make_pair(*major, *minor);
  }
  auto capacity = capacity_code_for_size(*flash_size);
  std::uint32_t manufacturer = 0xEF, device_id = 0x4000 | *capacity;  // Winbond W25Qxx
  if (!jedec_text.empty()) {
    bool hex = jedec_text.size() == 6 && jedec_text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (!hex) usage_error("--jedec-id wants 6 hex digits MMDDDD, got '" + jedec_text + "'");
    std::uint32_t v = std::uint32_t(std::stoul(jedec_text, nullptr, 16));
    manufacturer = v >> 16;
    device_id = v & 0xFFFF;
  }
  // RDID shifts out manufacturer, memory type, capacity: W0 = mfr | type<<8 | cap<<16.
  cfg.jedec_id = manufacturer | (device_id >> 8) << 8 | (device_id & 0xFF) << 16;
  bool realistic = link_mode == "realistic";
  cfg.uart_timing = realistic;
  cfg.timings = realistic ? sim::FlashTimings::realistic() : sim::FlashTimings::instant();

  sim::LinkConfig link;
  link.realistic = realistic;
  if (!bridge_name.empty()) {
    link.bridge = sim::find_bridge(bridge_name);
    if (!link.bridge) usage_error("--bridge: unknown bridge '" + bridge_name + "' (" + sim::bridge_names() + ")");
  }
  const std::uint32_t default_latency = link.bridge ? link.bridge->latency_ms : 2;
  link.latency = sim::SimTime(latency_ms.value_or(realistic ? default_latency : 0)) * sim::kMs;

  for (const auto& text : fault_texts) {
    std::string why;
    auto f = sim::parse_fault(text, &why);
    if (!f) usage_error(why);
    link.faults.faults.push_back(*f);
  }
  link.faults.seed = fault_seed;
  if (usb_reenumerate_ms) link.usb_reenumeration = sim::SimTime(*usb_reenumerate_ms) * sim::kMs;
  // The port going away and coming back is logged as the faults are.
  if (!link.faults.empty() || usb_otg || usb_jtag_serial)
    link.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  if (!link.faults.empty()) {
    std::string list;
    for (const auto& f : link.faults.faults) list += " " + sim::describe(f);
    std::fprintf(stderr, "espsim: faults:%s, seed %llu\n", list.c_str(), static_cast<unsigned long long>(fault_seed));
  }

  sim::Endpoint where;
  if (!listen.empty()) {
    where = parse_listen(listen);
  } else {
    where.kind = sim::Endpoint::Kind::pty;
    where.link_path = pty;
  }
  if (no_auto_reset && where.kind != sim::Endpoint::Kind::rfc2217)
    usage_error("--no-auto-reset needs --listen rfc2217:HOST:PORT (tcp and pty carry no modem lines)");
  where.board.chip = chip;
  where.board.circuit = usb_jtag_serial ? sim::ResetCircuit::usb_jtag_serial
                        : no_auto_reset ? sim::ResetCircuit::none
                                        : sim::ResetCircuit::auto_reset;
  where.board.en_delay = sim::SimTime(en_delay_ms) * sim::kMs;
  where.board.uart_timing = realistic;

  on_stop_signals(on_signal);

  if (count_opt->count() > 0) {
    // --count: board i is the one board above with i added to its port,
    // link path, MAC and flash file name (docs/espsim.md "Many boards").
    if (where.kind != sim::Endpoint::Kind::pty && where.port != 0 && where.port + count - 1 > 65535)
      usage_error("--count " + std::to_string(count) + ": ports from " + std::to_string(where.port) + " pass 65535");
    std::vector<sim::BoardSpec> boards;
    for (std::uint32_t i = 0; i < count; ++i) {
      sim::BoardSpec b{cfg, *flash_size, flash_file.empty() ? "" : flash_file + "." + std::to_string(i), link, where};
      std::uint64_t mac = 0;
      for (auto byte : cfg.mac) mac = mac << 8 | byte;
      mac += i;
      for (int k = 5; k >= 0; --k, mac >>= 8) b.device.mac[std::size_t(k)] = std::uint8_t(mac);
      if (!sim::mac_encodable(chip->id, b.device.mac))
        usage_error("--count: board " + std::to_string(i) + "'s MAC " + format_mac(b.device.mac) +
                    " cannot be encoded in this chip's eFuse");
      if (where.kind == sim::Endpoint::Kind::pty) b.where.link_path = pty + std::to_string(i);
      else if (where.port != 0) b.where.port = std::uint16_t(where.port + i);
      if (b.link.log) {
        const std::string prefix = "[board " + std::to_string(i) + "] ";
        b.link.log = [prefix](const std::string& line) {
          std::fprintf(stderr, "%s%s\n", prefix.c_str(), line.c_str());
        };
      }
      boards.push_back(std::move(b));
    }
    try {
      sim::serve_boards(boards, g_stop, [](const std::string& line) {
        std::fputs((line + "\n").c_str(), stdout);
        std::fflush(stdout);
      });
    } catch (const Error& e) {
      std::cerr << "espsim: " << e.what() << "\n";
      return e.kind() == ErrorKind::usage ? 2 : e.exit_code();
    }
    return 0;
  }

  try {
    std::unique_ptr<sim::FlashModel> flash = flash_file.empty()
                                                 ? std::make_unique<sim::FlashModel>(*flash_size)
                                                 : std::make_unique<sim::FlashModel>(*flash_size, flash_file);
    sim::Device device(cfg, *flash);
    sim::serve(device, link, where, g_stop, [](const std::string& line) {
      std::fputs((line + "\n").c_str(), stdout);
      std::fflush(stdout);
    });
  } catch (const Error& e) {
    std::cerr << "espsim: " << e.what() << "\n";
    return e.kind() == ErrorKind::usage ? 2 : e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "espsim: " << e.what() << "\n";
    return 10;
  }
  return 0;
}
