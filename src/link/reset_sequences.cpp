// Reset sequences, timings from esptool/reset.py (v5.3.1): the 0.1 s EN pulse
// is fixed here; how long IO0 stays low (DEFAULT_RESET_DELAY 0.05 s, or
// 0.55 s) comes from the strategy cycle (reset_cycle.cpp, loader.py
// _construct_reset_strategy_sequence); fact sheet section 5.
#include "espbak/link/reset/sequences.hpp"

#include <cmath>
#include <cstdlib>

#include "espbak/util/error.hpp"

namespace espbak {

using namespace std::chrono_literals;

std::string_view reset_kind_name(ResetKind kind) {
  switch (kind) {
    case ResetKind::unix_tight: return "UnixTight";
    case ResetKind::classic: return "Classic";
    case ResetKind::usb_jtag_serial: return "USB-JTAG-Serial";
  }
  return "?";
}

bool reset_into_bootloader(Transport& link, ResetKind kind, std::chrono::milliseconds delay,
                           const Sleeper& sleep) {
  // Sequences from esptool reset.py (v5.3.1); fact sheet section 5. `ok`
  // collects whether the medium accepted every line change.
  bool ok = true;
  switch (kind) {
    case ResetKind::classic:
      ok &= link.set_dtr(false);  // IO0 high
      ok &= link.set_rts(true);   // EN low: chip in reset
      if (!ok) return false;
      sleep(100ms);
      ok &= link.set_dtr(true);   // IO0 low
      ok &= link.set_rts(false);  // EN high: chip boots, samples IO0
      sleep(delay);
      ok &= link.set_dtr(false);  // release IO0
      break;
    case ResetKind::unix_tight:
      ok &= link.set_dtr_rts(false, false);
      ok &= link.set_dtr_rts(true, true);
      ok &= link.set_dtr_rts(false, true);  // IO0 high, EN low
      if (!ok) return false;
      sleep(100ms);
      ok &= link.set_dtr_rts(true, false);  // IO0 low, EN high
      sleep(delay);
      ok &= link.set_dtr_rts(false, false);
      ok &= link.set_dtr(false);  // esptool repeats it for drivers that ignore TIOCMSET's DTR
      break;
    case ResetKind::usb_jtag_serial:
      ok &= link.set_rts(false);
      ok &= link.set_dtr(false);  // idle
      if (!ok) return false;
      sleep(100ms);
      ok &= link.set_dtr(true);   // set IO0
      ok &= link.set_rts(false);
      sleep(100ms);
      ok &= link.set_rts(true);   // reset; DTR is written again so the change propagates
      ok &= link.set_dtr(false);
      ok &= link.set_rts(true);
      sleep(100ms);
      ok &= link.set_dtr(false);
      ok &= link.set_rts(false);  // chip out of reset
      break;
  }
  return ok;
}

ResetSequence parse_reset_sequence(std::string_view text) {
  ResetSequence seq;
  seq.text = std::string(text);
  auto bad = [&](std::string_view step, const char* why) {
    return Error(ErrorKind::usage, "invalid reset sequence step '" + std::string(step) + "' in '" + seq.text +
                                       "': " + why + " (steps: D0, D1, R0, R1, U0,1, W0.1 separated by '|')");
  };
  auto bit = [](std::string_view v) -> int { return v == "0" ? 0 : v == "1" ? 1 : -1; };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto bar = text.find('|', pos);
    std::string_view step = text.substr(pos, bar == std::string_view::npos ? std::string_view::npos : bar - pos);
    while (!step.empty() && step.front() == ' ') step.remove_prefix(1);
    while (!step.empty() && step.back() == ' ') step.remove_suffix(1);
    if (step.empty()) throw bad(step, "empty step");
    ResetStep s;
    std::string_view arg = step.substr(1);
    switch (step[0]) {
      case 'D':
      case 'R': {
        int v = bit(arg);
        if (v < 0) throw bad(step, "expects 0 or 1");
        s.kind = step[0] == 'D' ? ResetStep::Kind::dtr : ResetStep::Kind::rts;
        (step[0] == 'D' ? s.dtr : s.rts) = v == 1;
        break;
      }
      case 'U': {
        auto comma = arg.find(',');
        int d = comma == std::string_view::npos ? -1 : bit(arg.substr(0, comma));
        int r = comma == std::string_view::npos ? -1 : bit(arg.substr(comma + 1));
        if (d < 0 || r < 0) throw bad(step, "expects U<dtr>,<rts> with 0 or 1");
        s.kind = ResetStep::Kind::both;
        s.dtr = d == 1;
        s.rts = r == 1;
        break;
      }
      case 'W': {
        std::string num(arg);
        char* end = nullptr;
        double secs = num.empty() ? -1 : std::strtod(num.c_str(), &end);
        if (num.empty() || end != num.c_str() + num.size() || !std::isfinite(secs) || secs < 0 || secs > 60)
          throw bad(step, "expects a wait in seconds (0 to 60)");
        s.kind = ResetStep::Kind::wait;
        s.wait = std::chrono::microseconds(std::int64_t(std::llround(secs * 1e6)));
        break;
      }
      default:
        throw bad(step, "unknown command");
    }
    seq.steps.push_back(s);
    if (bar == std::string_view::npos) break;
    pos = bar + 1;
  }
  return seq;
}

bool run_reset_sequence(Transport& link, const ResetSequence& seq, const Sleeper& sleep) {
  bool ok = true;
  for (const auto& s : seq.steps) {
    switch (s.kind) {
      case ResetStep::Kind::dtr: ok &= link.set_dtr(s.dtr); break;
      case ResetStep::Kind::rts: ok &= link.set_rts(s.rts); break;
      case ResetStep::Kind::both: ok &= link.set_dtr_rts(s.dtr, s.rts); break;
      case ResetStep::Kind::wait:
        sleep(std::chrono::duration_cast<std::chrono::milliseconds>(s.wait + std::chrono::microseconds(999)));
        break;
    }
    if (!ok) return false;
  }
  return ok;
}

bool hard_reset(Transport& link, const Sleeper& sleep, bool uses_usb) {
  if (!link.has_modem_lines()) return false;
  if (!link.set_rts(true)) return false;  // EN low
  sleep(uses_usb ? 200ms : 100ms);
  if (!link.set_rts(false)) return false;
  if (uses_usb) sleep(200ms);
  return true;
}

std::optional<std::string> hard_reset_chip(Transport& link, const std::optional<ResetSequence>& custom,
                                           const Sleeper& sleep, bool uses_usb) {
  if (custom) {
    if (!run_reset_sequence(link, *custom, sleep))
      return link.name() + " refused a DTR/RTS change: the chip was not reset";
    return std::nullopt;
  }
  if (!hard_reset(link, sleep, uses_usb))
    return link.name() + " has no RTS line: the chip was not reset; reset it by hand to run its application";
  return std::nullopt;
}

}  // namespace espbak
