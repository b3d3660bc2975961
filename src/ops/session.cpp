#include "espbak/ops/session.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "espbak/link/discovery.hpp"
#include "espbak/link/reset/cycle.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/md5.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {

namespace {

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

}  // namespace

Session::Session(SessionOptions options, Reporter& report) : options_(std::move(options)), report_(report) {}

Session::~Session() = default;

namespace {
constexpr int kOnePass = -1000;  // connect_to(): one pass over the reset cycle
}  // namespace

std::uint32_t Session::initial_baud() const {
  // esptool main(): never sync faster than the ROM's default rate, unless
  // there is no sync at all (the chip is assumed to listen at --baud).
  return options_.before == BeforeReset::no_reset_no_sync ? options_.baud : std::min(kRomBaud, options_.baud);
}

void Session::connect_to(const std::string& port, int attempts) {
  loader_.reset();
  link_.reset();
  link_ = options_.open_port ? options_.open_port(port, initial_baud()) : open_transport(port, initial_baud());
  loader_ = std::make_unique<Loader>(*link_);
  if (options_.trace_sink) loader_->set_trace(options_.trace, options_.trace_sink);
  else loader_->set_trace(options_.trace);
  loader_->set_early_read_ack(options_.early_read_ack);
  loader_->set_tuning(options_.tuning);
  // Lines esptool prints from inside its loader (the ESP32-C5's crystal
  // line before a ROM baud change); notes and warnings stay the loader's.
  loader_->set_log([this](LoaderEvent e, const std::string& text) {
    if (e == LoaderEvent::info) report_.info(text);
    if (e == LoaderEvent::sync_failed) report_.partial(".");  // esptool's dot per failed try
  });
  report_.partial("Connecting...");
  ConnectOptions co;
  co.before = options_.before;
  co.attempts = attempts;
  co.expected_chip = options_.chip;
  co.custom_reset = options_.custom_reset;
  if (attempts == kOnePass) {
    // One try of each reset strategy (one SYNC round without reset lines).
    bool resets = link_->has_modem_lines() && before_resets_chip(co.before);
    co.attempts = resets ? int(reset_strategy_cycle(*link_, co.before, co.custom_reset).size()) : 1;
  }
  loader_->connect(co);
  if (const auto id = link_->usb_id(); id && !link_->usb_serial_number().empty())
    usb_identity_ = UsbIdentity{*id, link_->usb_serial_number()};
  else
    usb_identity_.reset();
}

void Session::connect_with_open_retries() {
  // esptool connect_loop: the first failure is printed with "Retrying failed
  // connection", then a dot a second; the last attempt's error ends the run.
  const int attempts = options_.open_port_attempts;
  for (int attempt = 1;; ++attempt) {
    try {
      connect_to(options_.port, options_.connect_attempts);
      return;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::port && e.kind() != ErrorKind::connect && e.kind() != ErrorKind::timeout) throw;
      loader_.reset();
      link_.reset();
      if (attempt == 1) report_.info(std::string(e.what()) + " Retrying failed connection...");
      if (attempts > 0 && attempt >= attempts) throw;
      clock().sleep(std::chrono::milliseconds(100));
    }
  }
}

namespace {

// The first sentence(s) of a connect error, without the long advice.
std::string short_reason(const std::string& message) {
  auto tried = message.find(" Tried ");
  return tried == std::string::npos ? message : message.substr(0, tried);
}

}  // namespace

void Session::discover() {
  // esptool v5 get_default_connected_device: every candidate is tried until
  // one answers; a port that cannot be opened (missing, busy, no
  // permission) is skipped with a note. Each candidate gets one pass over
  // the reset strategies unless --connect-attempts says otherwise, so a
  // dead port costs seconds, not the full default budget.
  const bool from_list = !options_.port_list.empty();
  std::vector<PortInfo> candidates =
      order_candidates(from_list ? parse_port_list(options_.port_list) : system_ports(),
                       parse_port_filters(options_.port_filters));
  std::string source = from_list ? "ESPBAK_PORTS" : "the system";
  if (candidates.empty()) {
    throw Error(ErrorKind::port,
                fmt::format("no serial port found ({}{}): connect the board with a data-capable USB cable, give "
                            "--port, or list candidates in ESPBAK_PORTS (see espbak list_ports)",
                            from_list ? "ESPBAK_PORTS lists none" : "none reported by the system",
                            options_.port_filters.empty() ? "" : " matching --port-filter"));
  }
  report_.info(fmt::format("No --port given: trying {} serial port{} from {}", candidates.size(),
                           candidates.size() == 1 ? "" : "s", source));
  std::vector<std::string> failures;
  bool any_connect_failure = false;
  bool permission_problem = false;
  for (const auto& candidate : candidates) {
    report_.info("Serial port " + candidate.device);
    try {
      connect_to(candidate.device, options_.discovery_attempts > 0 ? options_.discovery_attempts : kOnePass);
      options_.port = candidate.device;
      report_.info("Found chip on " + candidate.device);
      return;
    } catch (const Error& e) {
      std::string why = e.kind() == ErrorKind::connect ? short_reason(e.what()) : e.what();
      if (e.kind() == ErrorKind::port) {
        report_.warning(fmt::format("{}: skipped: {}", candidate.device, why));
        permission_problem |= why.find("permission denied") != std::string::npos;
      } else if (e.kind() == ErrorKind::connect || e.kind() == ErrorKind::timeout || e.kind() == ErrorKind::usage ||
                 e.kind() == ErrorKind::unsupported || e.kind() == ErrorKind::device) {
        report_.warning(fmt::format("{} failed to connect: {}", candidate.device, why));
        any_connect_failure = true;
      } else {
        throw;
      }
      failures.push_back(candidate.device);
    }
    loader_.reset();
    link_.reset();
  }
  std::string advice = permission_problem
                           ? " Some ports refused access: add your user to the dialout group (sudo usermod -aG "
                             "dialout $USER, then log in again)."
                           : "";
  throw Error(any_connect_failure ? ErrorKind::connect : ErrorKind::port,
              fmt::format("Could not connect to an Espressif device on any of the {} candidate serial port{} ({}). "
                          "Hold BOOT/GPIO0 low and press EN/RESET if the board has no auto-reset circuit, check "
                          "that the USB cable carries data, or name the port with --port.{}",
                          failures.size(), failures.size() == 1 ? "" : "s", join(failures, ", "), advice));
}

void Session::connect() {
  const std::uint32_t initial_baud = this->initial_baud();
  if (options_.open_port_attempts != 1 && (options_.port.empty() || !options_.chip)) {
    // esptool v5.3.1 __init__.py: the option is ignored with this warning.
    report_.warning("The ESPTOOL_OPEN_PORT_ATTEMPTS (open_port_attempts) option can only be used with --port and "
                    "--chip arguments.");
  }
  if (options_.port.empty()) {
    discover();
  } else {
    report_.info("Serial port " + options_.port);
    if (options_.candidate)
      connect_to(options_.port, options_.discovery_attempts > 0 ? options_.discovery_attempts : kOnePass);
    else if (options_.open_port_attempts != 1 && options_.chip) connect_with_open_retries();
    else connect_to(options_.port, options_.connect_attempts);
  }
  report_.json().set("port", options_.port);
  const ChipInfo& c = loader_->chip();
  if (!options_.chip) report_.info(fmt::format("Detecting chip type... {}", c.name));

  JsonObject chip_json;
  chip_json.set("name", std::string(c.name));
  // GET_SECURITY_INFO as answered during detection (ESP32-S2 and later).
  if (const auto& si = loader_->connect_security_info()) chip_json.set("security_flags", si->flags);
  if (loader_->secure_download_mode()) {
    report_.info(fmt::format("Chip is {} in Secure Download Mode", c.name));
    chip_json.set("secure_download_mode", true);
  } else {
    std::string description = with_recovery("reading the chip description", [&] { return loader_->chip_description(); });
    std::vector<std::string> features = with_recovery("reading the chip features", [&] { return loader_->chip_features(); });
    std::uint32_t xtal = with_recovery("reading the crystal frequency", [&] { return loader_->crystal_mhz(); });
    mac_ = with_recovery("reading the MAC", [&] { return loader_->mac(); });
    std::string mac = format_mac(*mac_);
    report_.info("Chip is " + description);
    report_.info("Features: " + join(features, ", "));
    report_.info(fmt::format("Crystal is {}MHz", xtal));
    report_.info("MAC: " + mac);
    description_ = description;
    chip_json.set("description", description);
    chip_json.set_strings("features", features);
    chip_json.set("crystal_mhz", xtal);
    chip_json.set("mac", mac);
  }
  report_.json().set("chip", chip_json);

  // Which stub the part gets, if any (a register read only for chips whose
  // stub depends on the silicon revision; none in Secure Download Mode).
  no_stub_reason_.clear();
  if (!loader_->secure_download_mode())
    no_stub_reason_ = with_recovery("reading the chip revision",
                                    [&] { return c.no_stub_reason(FieldReader(loader_->reg_reader())); });
  bool want_stub = !options_.no_stub;
  if (want_stub && loader_->secure_download_mode()) {
    // esptool: "Stub flasher is not supported in Secure Download Mode, it
    // has been disabled." (the ROM refuses MEM_* uploads there).
    report_.warning("Stub flasher is not supported in Secure Download Mode, continuing with the ROM loader");
    want_stub = false;
  } else if (want_stub && !stub_available()) {
    // esptool v5.3.1 disables the stub for such a part too (cmds.py
    // run_stub: "Stub flasher is not yet supported on ESP32-H21", "Stub
    // flasher has been disabled for compatibility" on an ESP32-C2 v0.0); no
    // --no-stub needed, one line says why.
    report_.info(no_stub_reason_ + "; using the ROM loader");
    want_stub = false;
  }
  bool baud_changed = false;
  if (want_stub && !loader_->stub_running()) {
    baud_changed = raise_rom_baud_for_upload(initial_baud);
    report_.info("Uploading stub...");
    with_recovery("uploading the stub", [&] {
      if (!loader_->stub_running()) loader_->run_stub();
    });
    report_.info("Running stub...");
    report_.info("Stub running...");
  }
  report_.json().set("stub", loader_->stub_running());

  if (options_.auto_baud) {
    choose_baud();
  } else if (options_.baud > initial_baud && !(baud_changed && link_->baud() == options_.baud)) {
    try {
      report_.info(fmt::format("Changing baud rate to {}", options_.baud));
      with_recovery(
          "changing the baud rate",
          [&] {
            if (link_->baud() < options_.baud) loader_->change_baud(options_.baud);
          },
          /*device_unsupported_is_noise=*/false);  // the ESP8266 ROM cannot: a warning below
      report_.info("Changed.");
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::unsupported) throw;
      report_.warning(fmt::format("ROM doesn't support changing baud rate. Keeping initial baud rate {}", initial_baud));
    }
  }
}

bool Session::raise_rom_baud_for_upload(std::uint32_t initial_baud) {
  // The stub (6.7 KB and more) takes most of a connect at 115200. A ROM that
  // takes CHANGE_BAUDRATE (the ESP32 family; esptool uses it in --no-stub
  // runs, loader.py change_baud) is moved to the transfer rate first, so the
  // stub goes up at that rate; -b auto uploads at 921600, which every bridge
  // model carries (docs/espsim.md "USB bridges"), then probes from there.
  // If the upload fails at the new rate, recovery re-syncs at 115200 (a
  // reset where the lines exist) and the upload is done there: one fallback,
  // no loop.
  const std::uint32_t rate = options_.auto_baud ? kAutoUploadBaud : options_.baud;
  const ChipInfo& chip = loader_->chip();
  if (rate <= initial_baud || !chip.rom.change_baud || loader_->secure_download_mode()) return false;
  try {
    if (!options_.auto_baud) report_.info(fmt::format("Changing baud rate to {}", rate));
    loader_->change_baud(rate);
    if (!options_.auto_baud) report_.info("Changed.");
    return true;
  } catch (const Error& e) {
    if (!recoverable(e) && e.kind() != ErrorKind::unsupported) throw;
    report_.info(fmt::format("{} baud: the ROM did not take it, uploading the stub at {}", rate, initial_baud));
    const std::uint32_t wanted = options_.baud;
    options_.baud = initial_baud;  // recovery stays at the ROM's rate
    recover(e, fmt::format("changing the ROM's baud rate to {}", rate), 1, /*announce=*/false);
    options_.baud = wanted;
    return false;
  }
}

std::uint32_t Session::baud() const { return link_->baud(); }

void Session::attach_flash() {
  if (loader_->stub_running()) return;  // esptool attach_flash(): ROM only
  report_.info("Enabling default SPI flash mode...");
  loader_->spi_attach();
  flash_attached_ = true;
}

void Session::configure_flash_size(std::uint32_t size) {
  report_.info("Configuring flash size...");
  // The ESP8266 ROM has no SPI_SET_PARAMS (esptool skips it there).
  if (loader_->stub_running() || loader_->chip().rom.spi_set_params) loader_->spi_set_params(size);
  configured_flash_size_ = size;
}

std::uint32_t Session::flash_id() {
  if (!flash_id_known_) {
    flash_id_ = loader_->flash_id();
    flash_id_known_ = true;
  }
  return flash_id_;
}

std::optional<std::uint32_t> Session::detected_flash_size() {
  if (loader_->secure_download_mode()) return std::nullopt;
  return flash_size_from_id(flash_id());
}

std::uint32_t Session::require_flash_size() {
  auto size = detected_flash_size();
  if (!size)
    throw Error(ErrorKind::device,
                fmt::format("Detecting flash size failed (flash ID {:#08x}). Set an exact size value.", flash_id()));
  return *size;
}

void Session::refuse_in_secure_download_mode(const std::string& command, const std::string& detail) const {
  if (!loader_->secure_download_mode()) return;
  throw Error(ErrorKind::unsupported,
              fmt::format("{} is not possible: the {} is in Secure Download Mode, which allows only write_flash "
                          "(unverified), erase_region and get_security_info{}",
                          command, loader_->chip().name, detail.empty() ? "" : "; " + detail));
}

void Session::finish() {
  switch (options_.after) {
    case AfterReset::hard_reset:
      report_.info("Leaving...");
      // Over USB-OTG the chip's hard_reset may take the watchdog instead:
      // the line follows the choice (below).
      if (loader_->usb_path() != UsbPath::usb_otg) report_.info("Hard resetting via RTS pin...");
      break;
    case AfterReset::soft_reset:
      report_.info("Soft resetting...");
      break;
    case AfterReset::no_reset:
      report_.info("Staying in bootloader.");
      break;
    case AfterReset::no_reset_stub:
      report_.info("Staying in flasher stub.");
      break;
    case AfterReset::watchdog_reset:
      report_.info("Leaving...");
      break;
  }
  const bool otg = loader_->usb_path() == UsbPath::usb_otg;
  AfterResetPlan plan = loader_->finish(options_.after, options_.custom_hard_reset);
  if (options_.after == AfterReset::hard_reset && otg)
    report_.info(plan.action == AfterResetAction::watchdog_reset ? "Hard resetting with a watchdog..."
                                                                 : "Hard resetting via RTS pin...");
  if (options_.after != AfterReset::watchdog_reset) return;
  // esptool's lines for this choice (cmds.py reset_chip, loader.py and
  // targets/*.py watchdog_reset): the fallback's reason, then what was done.
  if (!plan.warning.empty()) report_.warning(plan.warning);
  if (!plan.note.empty()) report_.info("Note: " + plan.note);
  if (plan.action == AfterResetAction::watchdog_reset) report_.info("Hard resetting with a watchdog...");
  else report_.info("Hard resetting via RTS pin...");
}

std::string Session::finish_after_interrupt() {
  const std::string mode = fmt::format("--after {}", after_reset_name(options_.after));
  if (!link_ || !loader_) return mode + " was not carried out: the link is gone";
  try {
    // A hard reset is the modem lines only (no command crosses the link,
    // where the stub may still be streaming); the modes that send commands
    // need a chip that listens again.
    const bool lines_only = options_.after == AfterReset::no_reset || options_.after == AfterReset::hard_reset;
    if (!lines_only) {
      if (!recovering_chip_) recovering_chip_ = &loader_->chip();
      resync();
      if (stub_wanted() && !loader_->stub_running() && loader_->sync_stub_detected()) loader_->run_stub();
    }
    finish();
  } catch (const Error& e) {
    return fmt::format("{} was not carried out: {}", mode, e.what());
  }
  switch (options_.after) {
    case AfterReset::no_reset: return "the chip was left in the bootloader (" + mode + ")";
    case AfterReset::no_reset_stub: return "the chip was left in the flasher stub (" + mode + ")";
    case AfterReset::hard_reset:
      if (!link_->has_modem_lines()) return "the chip was not reset (" + mode + ": the link has no DTR/RTS lines)";
      return "the chip was reset (" + mode + ")";
    default: return "the chip was reset (" + mode + ")";
  }
}

// ---- -b auto ----------------------------------------------------------------

void Session::probe_link() {
  // Short request/reply exchanges only (a READ_FLASH stream that breaks
  // would leave the stub in its read loop): a dozen SPI_FLASH_MD5 commands
  // of the same block must all arrive (to the chip) and all come back
  // alike (to the host). At 1 % corrupted bytes each exchange of ~60
  // bytes passes about half the time, the dozen about once in a thousand.
  constexpr int kProbes = 12;
  const auto first = loader_->flash_md5(0, 4096);
  for (int i = 1; i < kProbes; ++i)
    if (loader_->flash_md5(0, 4096) != first) throw Error(ErrorKind::verify, "the probe's MD5 replies disagree");
}

void Session::choose_baud() {
  // Rates a host UART commonly offers, high to low (esptool's own choices:
  // 115200 default, 460800 / 921600 / 2000000 in its docs).
  static constexpr std::uint32_t kAutoRates[] = {2'000'000, 1'500'000, 921'600, 460'800, 230'400};
  const std::uint32_t initial = initial_baud();
  auto settle = [&](std::uint32_t rate, const std::string& why) {
    options_.baud = rate;
    report_.info(fmt::format("Using {} baud (auto{})", rate, why));
    report_.json().set("baud", rate);
  };
  if (!loader_->stub_running()) {
    // Proving a rate needs the stub's verified reads.
    settle(link_->baud(), ": the ROM loader alone keeps the initial rate");
    return;
  }
  for (std::size_t i = 0; i < std::size(kAutoRates); ++i) {
    const std::uint32_t rate = kAutoRates[i];
    if (rate <= initial) break;
    options_.baud = rate;
    try {
      if (link_->baud() != rate) loader_->change_baud(rate);
      probe_link();
      settle(rate, "");
      return;
    } catch (const Error& e) {
      if (!recoverable(e) && e.kind() != ErrorKind::unsupported) throw;
      // Step down: recover() re-syncs (at this rate, or at the ROM's after a
      // reset) and moves the chip to options_.baud.
      options_.baud = i + 1 < std::size(kAutoRates) ? std::max(initial, kAutoRates[i + 1]) : initial;
      // One plain line per step; the cause (a garbled reply, a timeout) is
      // what a rate the bridge cannot carry looks like, so it goes to --trace.
      report_.info(fmt::format("{} baud: not carried by this link, trying {}", rate, options_.baud));
      if (options_.trace) report_.info(fmt::format("  ({} baud probe: {})", rate, e.what()));
      recover(e, fmt::format("probing {} baud", rate), 1, /*announce=*/false);
    }
  }
  settle(link_->baud(), "");
}

std::string Session::stub_advice() const {
  if (!stub_available()) return no_stub_reason_;
  return "run without --no-stub";
}

}  // namespace espbak
