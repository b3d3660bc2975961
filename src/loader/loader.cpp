// The ESP serial loader, host side: SYNC and connect, chip detection,
// registers. Behaviour follows esptool v5.3.1 (esptool/loader.py, cmds.py);
// facts in ../shared/docs/protocol-facts.md.
#include "espbak/loader/loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <thread>

#include "espbak/link/reset/after.hpp"
#include "espbak/link/reset/cycle.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// Waits go through the link's clock: real time on a port, virtual time on a
// simulated link.
Loader::Loader(Transport& link) : link_(link), sleep_([&link](milliseconds d) { link.clock().sleep(d); }) {}

void Loader::set_tuning(const LoaderTuning& tuning) {
  tuning_ = tuning;
  link_.set_write_timeout(tuning_.timeouts.serial_write);
}

const ChipInfo& Loader::chip() const {
  if (!chip_) throw Error(ErrorKind::internal, "no chip detected yet (connect() first)");
  return *chip_;
}

std::uint32_t Loader::flash_write_size() const {
  if (!stub_) return kRomFlashWriteSize;
  // esptool's stub loaders over OTG: FLASH_WRITE_SIZE = USB_RAM_BLOCK.
  return usb_path_ == UsbPath::usb_otg ? kUsbOtgBlockSize : kStubFlashWriteSize;
}

std::uint32_t Loader::ram_block_size() const {
  return usb_path_ == UsbPath::usb_otg ? kUsbOtgBlockSize : kRamBlockSize;
}

std::string Loader::chip_name_for_messages() const {
  if (chip_) return std::string(chip_->name);
  if (expected_chip_) return std::string(expected_chip_->name);
  return "Espressif device";  // esptool's base-class CHIP_NAME while auto-detecting
}

// ---- registers -----------------------------------------------------------------

std::uint32_t Loader::read_reg(std::uint32_t addr) {
  Response r = command(cmd::ReadReg{addr});
  Status s = response_status(r);
  if (!s.ok()) {
    std::string text =
        fmt::format("READ_REG 0x{:08x} failed: {} (0x{:02x} 0x{:02x})", addr, status_text(s.s0, s.s1), s.s0, s.s1);
    if (s.unsupported()) after_unsupported();
    if (s.unsupported() || s.stub_unsupported()) throw Error(ErrorKind::unsupported, text);
    throw Error(ErrorKind::device, text);
  }
  return r.value;
}

void Loader::write_reg(std::uint32_t addr, std::uint32_t value, std::uint32_t mask, std::uint32_t delay_us) {
  // Any write may change what a field word reads (a power-on step, the
  // user's write_mem): read them again afterwards.
  field_regs_.clear();
  check(cmd::WriteReg{{{addr, value, mask, delay_us}}});
}

RegReader Loader::reg_reader() {
  return [this](std::uint32_t addr) {
    if (auto it = field_regs_.find(addr); it != field_regs_.end()) return it->second;
    const std::uint32_t value = read_reg(addr);
    field_regs_.emplace(addr, value);
    return value;
  };
}

// ---- connect ---------------------------------------------------------------------

void Loader::sync() {
  Response first = command(cmd::Sync{});
  // ROMs answer SYNC with a non-zero value; a flasher stub answers 0 (loader.py
  // sync()), and then no stub upload is needed.
  bool stub = first.value == 0;
  for (int i = 1; i < cmd::Sync::kReplies; ++i)
    stub &= wait_response(std::nullopt, cmd::Sync::later_replies_timeout(tuning_.timeouts)).value == 0;
  sync_stub_detected_ = stub;
}

struct Loader::AttemptResult {
  bool ok = false;
  std::string error;
};

namespace {

// A short printable excerpt of bytes that were not SLIP frames.
std::string printable_excerpt(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  std::size_t printable = 0;
  for (auto b : bytes) {
    if (b == '\r' || b == '\n' || b == '\t') b = ' ';
    if (b >= 0x20 && b < 0x7F) {
      ++printable;
      if (!(b == ' ' && !out.empty() && out.back() == ' ')) out += char(b);
    } else if (out.empty() || out.back() != '.') {
      out += '.';
    }
  }
  // Mostly unprintable bytes: a baud-rate mismatch (e.g. the ESP8266 ROM's
  // 74880-baud boot log), not readable text.
  if (printable * 2 < bytes.size()) return {};
  while (!out.empty() && (out.front() == ' ' || out.front() == '.')) out.erase(out.begin());
  if (out.size() > 60) out = out.substr(out.size() - 60);
  return out;
}

}  // namespace

Loader::AttemptResult Loader::connect_attempt(BeforeReset mode, const ResetStrategy& strategy) {
  std::optional<std::string> boot_mode;
  bool download_mode = false;
  if (mode != BeforeReset::no_reset) {
    flush_input();
    if (!run_reset_strategy(link_, strategy, sleep_))
      log(LoaderEvent::warning, link_.name() + ": the port refused a DTR/RTS change; the chip was not reset");
    // The ROM boot log tells a chip in the wrong boot mode from a dead link.
    std::string boot_log;
    std::array<std::uint8_t, 1024> buf;
    while (boot_log.size() < 65536) {
      std::size_t n = link_.read(buf, 0ms);
      if (n == 0) break;
      rx_bytes_ += n;
      boot_log.append(reinterpret_cast<const char*>(buf.data()), n);
    }
    if (trace_ && !boot_log.empty())
      trace_line("read boot log", std::span(reinterpret_cast<const std::uint8_t*>(boot_log.data()), boot_log.size()));
    static const std::regex boot_re("boot:(0x[0-9a-fA-F]+)([\\s\\S]*waiting for download)?");
    std::smatch m;
    if (std::regex_search(boot_log, m, boot_re)) {
      boot_mode = m[1].str();
      download_mode = m[2].matched;
    }
  }

  std::string last_error;
  last_noise_.clear();
  std::string noise_seen;  // a slow board's boot log may arrive during the SYNC tries
  for (int i = 0; i < 5; ++i) {
    std::uint64_t rx_before = rx_bytes_;
    try {
      // Keep what arrived since the last try (a late boot log) before the
      // flush throws it away: it explains a failure better than silence.
      std::array<std::uint8_t, 1024> pending;
      for (std::size_t n; noise_seen.size() < 65536 && (n = link_.read(pending, 0ms)) > 0;) {
        rx_bytes_ += n;
        noise_seen.append(reinterpret_cast<const char*>(pending.data()), n);
      }
      flush_input();
      sync();
      return {true, {}};
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::port) throw;
      if (rx_bytes_ == rx_before) last_error = "No serial data received.";
      else if (e.kind() == ErrorKind::timeout) last_error = "The chip sent data, but no complete SYNC reply.";
      else last_error = e.what();
      if (auto noise = decoder_.take_noise(); !noise.empty()) {
        if (noise_seen.size() < 65536) noise_seen.append(noise.begin(), noise.end());
        std::string text = printable_excerpt(noise);
        if (!text.empty()) last_noise_ = text;
      }
      log(LoaderEvent::sync_failed, last_error);
      sleep_(50ms);
    }
  }
  static const std::regex boot_re_late("boot:(0x[0-9a-fA-F]+)([\\s\\S]*waiting for download)?");
  std::smatch late;
  if (!boot_mode && std::regex_search(noise_seen, late, boot_re_late)) {
    boot_mode = late[1].str();
    download_mode = late[2].matched;
  }
  if (boot_mode) {
    last_error = download_mode ? "Download mode successfully detected, but getting no sync reply: "
                                 "the serial TX path seems to be down."
                               : "Wrong boot mode detected (" + *boot_mode +
                                     ")! The chip needs to be in download mode.";
  } else if (!last_noise_.empty()) {
    last_error += " The port carries text instead (\"" + last_noise_ +
                  "\"): the chip seems to be running its application, not the bootloader.";
  }
  return {false, last_error};
}

void Loader::connect(const ConnectOptions& opts) {
  expected_chip_ = opts.expected_chip;
  chip_ = nullptr;
  stub_ = false;
  sdm_ = false;
  connect_si_.reset();
  field_regs_.clear();
  stale_invalid_replies_ = 0;
  sync_stub_detected_ = false;
  usb_path_ = UsbPath::uart;
  flash_id_cache_.reset();
  BeforeReset mode = opts.before;

  if (before_resets_chip(mode) && !link_.has_modem_lines()) {
    // esptool forces no-reset on socket://; ptys cannot carry the lines either.
    log(LoaderEvent::note, link_.name() +
                               " has no DTR/RTS lines, so the chip cannot be reset automatically: "
                               "put it in download mode by hand (hold BOOT/GPIO0 low and reset)");
    mode = BeforeReset::no_reset;
  }

  if (mode != BeforeReset::no_reset_no_sync) {
    std::vector<ResetStrategy> cycle = reset_strategy_cycle(link_, mode, opts.custom_reset, tuning_.reset_delay);
    AttemptResult result;
    long attempt = 0;
    for (; opts.attempts <= 0 || attempt < opts.attempts; ++attempt) {
      result = connect_attempt(mode, cycle[std::size_t(attempt) % cycle.size()]);
      if (result.ok) break;
    }
    if (!result.ok) {
      // Say what was tried and what to do next (esptool's message plus the
      // usual causes: no auto-reset circuit, charge-only cable, permissions).
      std::string tried;
      if (mode == BeforeReset::no_reset) {
        tried = fmt::format("{} attempt{} on {} without resetting the chip ({})", attempt, attempt == 1 ? "" : "s",
                            link_.name(),
                            opts.before == BeforeReset::no_reset ? "--before no_reset" : "the port has no DTR/RTS");
      } else {
        std::string names;
        for (std::size_t i = 0; i < cycle.size() && i < std::size_t(attempt); ++i)
          names += (names.empty() ? "" : ", ") + cycle[i].name();
        tried = fmt::format("{} attempt{} on {} with DTR/RTS reset{} {}", attempt, attempt == 1 ? "" : "s",
                            link_.name(), cycle.size() > 1 && attempt > 1 ? "s" : "", names);
      }
      std::string advice =
          mode == BeforeReset::no_reset
              ? (link_.has_modem_lines()
                     ? "Put the chip in download mode first (hold BOOT/GPIO0 low and press EN/RESET), or let "
                       "espbak reset it with --before default_reset."
                     : "Put the chip in download mode by hand: hold BOOT/GPIO0 low and press EN/RESET.")
              : "If the board has no auto-reset circuit, hold BOOT/GPIO0 low and press EN/RESET, then retry. "
                "Check that the USB cable carries data (not a charge-only cable) and that the port is the "
                "board's.";
      throw Error(ErrorKind::connect, fmt::format("Failed to connect to {}: {} Tried {}. {} (See docs/connecting.md.)",
                                                  chip_name_for_messages(), result.error, tried, advice));
    }
  }
  detect_chip(opts.expected_chip);
  post_connect_usb();
  // esptool _post_connect: chips whose flash is unpowered after reset get it
  // switched on before anything reads it (not in Secure Download Mode, where
  // the ROM refuses register access). esptool does this also when the stub
  // is reused: only disable_watchdogs is skipped then.
  if (!sdm_) power_on_flash();
}

Loader::SecurityInfo Loader::security_info() {
  // 20 bytes (S3 and later) first, 12 bytes (S2) when that fails with a status.
  Bytes res;
  bool short_form = false;
  try {
    res = check(cmd::GetSecurityInfo{}, cmd::SecurityInfo::kSize);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::device) throw;
    res = check(cmd::GetSecurityInfo{}, cmd::SecurityInfo::kShortSize);
    short_form = true;
  }
  if (short_form) res.resize(12);
  return parse_security_info(res);
}

Loader::SecurityInfo Loader::parse_security_info(std::span<const std::uint8_t> res) {
  auto si = cmd::SecurityInfo::decode(res);
  if (!si)
    throw Error(ErrorKind::device,
                fmt::format("GET_SECURITY_INFO returned {} bytes; expected 20 (or 12 on the ESP32-S2)", res.size()));
  return *si;
}

void Loader::detect_chip(const ChipInfo* expected) {
  // esptool detect_chip / connect (fact sheet 4.1): GET_SECURITY_INFO first;
  // ESP8266 and ESP32 ROMs refuse it, then the magic register decides.
  const ChipInfo* found = nullptr;
  std::string detected_name;  // a chip esptool knows but espbak does not
  std::optional<std::uint32_t> chip_id;
  std::optional<std::uint32_t> magic;
  try {
    // The ESP8266 and ESP32 ROMs refuse it; the READ_REG that follows skips
    // the refusal's repeats (after_unsupported).
    defer_unsupported_drain_ = true;
    SecurityInfo si = security_info();
    defer_unsupported_drain_ = false;
    sdm_ = si.flags & kSecureDownloadEnableFlag;
    connect_si_ = si;
    if (si.chip_id && *si.chip_id != 0) chip_id = si.chip_id;
  } catch (const Error& e) {
    defer_unsupported_drain_ = false;
    if (e.kind() == ErrorKind::port) throw;
  }
  if (chip_id) {
    found = chip_by_security_id(*chip_id);
  } else {
    for (int tries = 0; tries < 2 && !magic; ++tries) {
      try {
        magic = read_reg(kChipDetectMagicReg);
      } catch (const Error& e) {
        if (e.kind() == ErrorKind::port) throw;
        if (e.kind() == ErrorKind::unsupported) {
          // Only the ESP32-S2 in Secure Download Mode refuses READ_REG
          // (esptool detect_chip): the chip whose GET_SECURITY_INFO has no
          // chip id, found as such in the table.
          sdm_ = true;
          for (const auto& c : all_chips())
            if (c.rom.security_info && !c.security_chip_id) found = &c;
          detected_name = found ? std::string(found->name) : "ESP32-S2";
          break;
        }
        if (tries == 1) throw;
        flush_input();
      }
    }
    if (magic && !found) found = chip_by_magic(*magic);
  }

  std::string what_was_read = chip_id ? fmt::format("chip ID {}", *chip_id)
                              : magic ? fmt::format("chip magic value 0x{:08x}", *magic)
                                      : std::string("no chip magic value (Secure Download Mode)");
  if (expected) {
    std::string detected = found ? std::string(found->name) : detected_name;
    if (!detected.empty() && detected != expected->name)
      throw Error(ErrorKind::usage,
                  fmt::format("This chip is {}, not {}. Wrong --chip argument?", detected, expected->name));
    if (!found) {
      log(LoaderEvent::warning, fmt::format("This chip doesn't appear to be an {} ({}). Will attempt to continue anyway.",
                                            expected->name, what_was_read));
    }
    chip_ = expected;
  } else {
    if (!found) {
      std::string names;
      for (const auto& c : all_chips()) names += (names.empty() ? "" : ", ") + std::string(c.name);
      throw Error(ErrorKind::unsupported,
                  fmt::format("unsupported chip ({}{}): espbak supports {}", detected_name.empty() ? "" : detected_name + ", ",
                              what_was_read, names));
    }
    chip_ = found;
  }
  if (sync_stub_detected_) log(LoaderEvent::note, "The chip answered SYNC like the flasher stub: a stub is already running.");
}

// ---- chip information ----------------------------------------------------------------

std::string Loader::chip_description() {
  FieldReader fields(reg_reader());
  return chip().describe(fields);
}

std::vector<std::string> Loader::chip_features() {
  FieldReader fields(reg_reader());
  return chip().features(fields);
}

std::array<std::uint8_t, 6> Loader::mac() {
  FieldReader fields(reg_reader());
  auto m = chip().mac(fields);
  if (!m) throw Error(ErrorKind::device, "cannot read the MAC address: unknown OUI in the chip's eFuses");
  return *m;
}

std::uint32_t Loader::crystal_mhz() {
  // loader.py get_crystal_freq(): our baud times the UART divider gives the
  // APB clock (ESP8266: twice the crystal). Some chips' crystal is fixed.
  const Crystal& xtal = chip().crystal;
  if (xtal.fixed_mhz) return *xtal.fixed_mhz;
  std::uint32_t div = read_reg(xtal.uart_clkdiv_reg) & 0xFFFFF;
  double est = double(link_.baud()) * double(div) / 1e6 / double(xtal.clk_divider);
  std::uint32_t norm = est > 45 ? 48 : est > 33 ? 40 : 26;
  if (std::abs(est - double(norm)) > 1)
    log(LoaderEvent::warning, fmt::format("Detected crystal freq {:.2f} MHz is quite different to normalized freq {} "
                                          "MHz. Unsupported crystal in use?",
                                          est, norm));
  return norm;
}

// ---- leaving -----------------------------------------------------------------

AfterResetPlan Loader::finish(AfterReset after, const std::optional<ResetSequence>& hard_reset_sequence) {
  AfterResetState state;
  state.stub_running = stub_;
  // Only some stubs start the application on RUN_USER_CODE (the ESP8266's).
  state.stub_can_run_user_code = stub_ && chip().quirks.stub_runs_user_code;
  state.has_custom_hard_reset_sequence = hard_reset_sequence.has_value();
  state.has_watchdog_reset = chip().rtc_watchdog.has_value();
  state.secure_download_mode = sdm_;
  state.chip_name = std::string(chip().name);
  AfterResetPlan plan = plan_after_reset(after, state);
  if (!plan.warning.empty()) log(LoaderEvent::warning, plan.warning);
  if (!plan.note.empty()) log(LoaderEvent::note, plan.note);
  switch (plan.action) {
    case AfterResetAction::rts_pulse:
    case AfterResetAction::custom_hard_sequence: {
      // esptool's chip classes with USB-OTG look at the straps first: an RTS
      // reset would take the USB device away (targets/esp32s3.py hard_reset).
      if (after == AfterReset::hard_reset && otg_watchdog_hard_reset()) {
        plan.action = AfterResetAction::watchdog_reset;
        return plan;
      }
      auto custom = plan.action == AfterResetAction::custom_hard_sequence ? hard_reset_sequence : std::nullopt;
      if (auto not_reset = hard_reset_chip(link_, custom, sleep_, usb_path_ == UsbPath::usb_otg))
        log(LoaderEvent::note, *not_reset);
      return plan;
    }
    case AfterResetAction::rom_run_user_code:
      flash_begin(0, 0);
      check(cmd::FlashEnd{cmd::FlashEnd::kRunUserCode});
      return plan;
    case AfterResetAction::stub_run_user_code:
      // No answer comes: the stub jumps to the application at once.
      send_unanswered(cmd::RunUserCode{});
      return plan;
    case AfterResetAction::stub_return_to_rom:
      flash_begin(0, 0);
      check(cmd::FlashEnd{cmd::FlashEnd::kReboot});
      stub_ = false;
      return plan;
    case AfterResetAction::watchdog_reset:
      // esptool watchdog_reset (targets/esp32s3.py and the others the chip
      // row cites): the chip resets itself; the last write's answer comes
      // before the watchdog's timeout runs out.
      run_watchdog_reset();
      return plan;
    case AfterResetAction::nothing:
      return plan;
  }
  return plan;
}

}  // namespace espbak
