// The dev board around the simulated chip (board.hpp). Sources:
// - Auto-reset circuit truth table (NodeMCU / DevKitC, two NPN transistors
//   cross-coupled between DTR and RTS; lines active low, "1" = pin high):
//     DTR RTS -> EN IO0:  1 1 -> 1 1,  0 0 -> 1 1,  1 0 -> 0 1,  0 1 -> 1 0
//   i.e. EN is pulled low only while RTS is asserted and DTR is not, IO0 only
//   while DTR is asserted and RTS is not (fact sheet 5: RTS=True -> EN low,
//   DTR=True -> IO0 low). EN has a pull-up and a capacitor, so the chip
//   leaves reset a little after EN is released and samples IO0 then; that
//   is what lets esptool's sequences get IO0 low "before" EN rises
//   (esptool docs boot-mode-selection; FluidNC wiki "Resetting").
// - ROM boot messages: the chip file's BootBanners (fact sheet 7).
#include "espbak/sim/board.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace espbak::sim {

namespace {

// The application's first words after the boot log.
constexpr SimTime kAppStart = 300 * kMs;

}  // namespace

std::vector<std::uint8_t> uart_missample(std::span<const std::uint8_t> sent, std::uint32_t sender_baud,
                                         std::uint32_t receiver_baud) {
  if (sender_baud == receiver_baud || sent.empty()) return {sent.begin(), sent.end()};
  // The line as a bit sequence at the sender's rate: start 0, 8 data bits
  // LSB first, stop 1, bytes back to back; idle (1) after the end.
  std::vector<std::uint8_t> bits;
  bits.reserve(sent.size() * 10);
  for (auto b : sent) {
    bits.push_back(0);
    for (int i = 0; i < 8; ++i) bits.push_back((b >> i) & 1);
    bits.push_back(1);
  }
  const double ts = 1.0 / sender_baud, tr = 1.0 / receiver_baud;
  auto line_at = [&](double t) -> int {
    auto i = std::size_t(std::floor(t / ts));
    return i < bits.size() ? bits[i] : 1;
  };
  std::vector<std::uint8_t> got;
  double t = 0;
  std::size_t j = 0;  // next sender bit boundary to look for a falling edge
  for (;;) {
    // The next falling edge at or after t.
    j = std::max(j, std::size_t(std::ceil(t / ts - 1e-9)));
    while (j < bits.size() && !(bits[j] == 0 && (j == 0 || bits[j - 1] == 1))) ++j;
    if (j >= bits.size()) break;
    double edge = double(j) * ts;
    std::uint8_t v = 0;
    for (int k = 0; k < 8; ++k) v |= std::uint8_t(line_at(edge + (1.5 + k) * tr) << k);
    got.push_back(v);           // framing errors are delivered too
    t = edge + 9.5 * tr;        // mid stop bit: look for the next start bit
    ++j;
  }
  return got;
}

Board::Board(Link& link, const ChipInfo& chip, BoardConfig config) : link_(link), chip_(chip), cfg_(config) {}

void Board::power_on(SimTime now) {
  boot_from_flash(now, chip_.banners.firmware_power_on, "power on: booting the firmware");
}

void Board::set_lines(SimTime now, bool dtr, bool rts) {
  advance(now);
  dtr_ = dtr;
  rts_ = rts;
  evaluate_pins(now);
}

void Board::evaluate_pins(SimTime now) {
  bool en_low = false, io0_low = false;
  switch (cfg_.circuit) {
    case ResetCircuit::auto_reset:
      en_low = rts_ && !dtr_;
      io0_low = dtr_ && !rts_;
      break;
    case ResetCircuit::usb_jtag_serial:
      // Model of the USB-Serial/JTAG reset logic as esptool's
      // USBJTAGSerialReset drives it (reset.py: "inverted to go through
      // (1,1) instead of (0,0)"): DTR=1,RTS=0 arms the download-mode
      // override, DTR=0,RTS=0 clears it, DTR=0,RTS=1 holds the chip in
      // reset; leaving reset boots download mode when armed. The exact
      // register behaviour is not documented here: UNVERIFIED beyond
      // esptool's sequences (reset into download, RTS pulse to run).
      en_low = rts_ && !dtr_;
      if (dtr_ && !rts_) usb_download_flag_ = true;
      io0_low = usb_download_flag_;
      break;
    case ResetCircuit::none:
      break;
  }
  io0_low_ = io0_low;
  if (en_low && !en_low_) {
    if (state_ != State::in_reset) say("EN low: chip held in reset");
    state_ = State::in_reset;
    release_at_ = kNever;
    next_chatter_ = kNever;
    out_.clear();  // what the chip had not yet sent is lost
    link_drains_ = false;
  } else if (!en_low && en_low_) {
    // The EN capacitor charges: the chip starts en_delay later.
    release_at_ = cfg_.circuit == ResetCircuit::usb_jtag_serial ? now : now + cfg_.en_delay;
  }
  en_low_ = en_low;
  if (cfg_.circuit == ResetCircuit::usb_jtag_serial && !dtr_ && !rts_) {
    advance(now);  // a release at `now` sees the flag before it is cleared
    usb_download_flag_ = false;
    io0_low_ = false;
  }
}

void Board::advance(SimTime now) {
  if (release_at_ != kNever && release_at_ <= now) {
    SimTime at = release_at_;
    release_at_ = kNever;
    leave_reset(at, io0_low_);
  }
}

void Board::leave_reset(SimTime at, bool download) {
  const BootBanners& text = chip_.banners;
  out_.clear();
  booted_at_ = at;
  chatter_count_ = 0;
  if (download) {
    state_ = State::download;
    link_.start(at);  // the ROM loader, freshly reset (Device::reset)
    emit(at, text.download, rom_log_baud());
    next_chatter_ = kNever;
    say("EN released with GPIO0 low: ROM download mode");
  } else {
    boot_from_flash(at, text.firmware, "EN released with GPIO0 high: booting the firmware");
  }
}

std::optional<std::uint32_t> Board::invalid_header() const {
  if (chip_.banners.invalid_header.empty()) return std::nullopt;
  // esptool bin_image.py: magic 0xE9 at byte 0, the segment count at byte 1
  // (at most 16, ImageSegment verify). The ROM powers its flash itself, so
  // the bytes are read as stored.
  auto flash = link_.device().flash().bytes();
  std::uint32_t at = chip_.bootloader_offset;
  if (std::size_t(at) + 4 > flash.size()) return 0xFFFFFFFFu;
  std::uint8_t segments = flash[at + 1];
  if (flash[at] == 0xE9 && segments >= 1 && segments <= 16) return std::nullopt;
  return std::uint32_t(flash[at]) | std::uint32_t(flash[at + 1]) << 8 | std::uint32_t(flash[at + 2]) << 16 |
         std::uint32_t(flash[at + 3]) << 24;
}

void Board::boot_from_flash(SimTime at, std::string_view banner, const std::string& what) {
  state_ = State::firmware;
  booted_at_ = at;
  chatter_count_ = 0;
  emit(at, banner, rom_log_baud());
  bad_header_ = invalid_header();
  // The ROM's loop starts at once; the app after its bootloader has run.
  next_chatter_ = bad_header_ ? at : at + kAppStart;
  say(bad_header_ ? fmt::format("{} (no image at 0x{:x}: the ROM loops on an invalid header)", what,
                                chip_.bootloader_offset)
                  : what);
}

void Board::follow_device() {
  const Device& dev = link_.device();
  if (dev.self_resets() == seen_self_resets_) return;
  seen_self_resets_ = dev.self_resets();
  if (state_ != State::download) return;
  link_drains_ = true;
  out_.clear();
  boot_from_flash(dev.self_reset_at(), chip_.banners.firmware,
                  "the chip reset itself (RTC watchdog), GPIO0 high: booting the firmware");
}

std::uint32_t Board::rom_log_baud() const {
  // A ROM that assumes another crystal than the one fitted logs off its
  // nominal rate: a 26 MHz ESP32-C2 at 115200 * 26 / 40 = 74880.
  return std::uint32_t(double(chip_.banners.rom_log_baud) * link_.device().rom_uart_scale() + 0.5);
}

void Board::emit(SimTime at, std::string_view text, std::uint32_t sender_baud) {
  auto bytes = uart_missample(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                              sender_baud, host_baud_);
  SimTime byte_time = cfg_.uart_timing ? SimTime(10'000'000'000LL / sender_baud) : 0;
  if (bytes.size() != text.size() && !bytes.empty())  // spread over the same wire time
    byte_time = byte_time * SimTime(text.size()) / SimTime(bytes.size());
  SimTime t = std::max(at, out_.empty() ? at : out_.back().at);
  for (auto b : bytes) {
    t += byte_time;
    out_.push_back({t, b});
  }
}

void Board::from_host(SimTime now, std::span<const std::uint8_t> bytes) {
  advance(now);
  // Only the ROM loader listens; the firmware's console ignores the host.
  if (state_ == State::download) link_.from_host(now, bytes);
}

void Board::pump(SimTime now) {
  advance(now);
  if (state_ == State::download || link_drains_) link_.pump(now);
  follow_device();
  const BootBanners& text = chip_.banners;
  while (state_ == State::firmware && next_chatter_ <= now) {
    SimTime at = next_chatter_;
    std::uint64_t ms = std::uint64_t((at - booted_at_) / kMs);
    if (bad_header_) {
      // The ROM's line, at the ROM's rate (period UNVERIFIED: the chatter's).
      emit(at, fmt::format(fmt::runtime(text.invalid_header), *bad_header_), rom_log_baud());
    } else {
      // ESP-IDF log format "I (ms) tag: text" (esp_log.h LOG_FORMAT).
      emit(at, fmt::format("I ({}) espsim_app: application running, loop {}\r\n", ms, ++chatter_count_),
           text.app_baud);
    }
    next_chatter_ = at + cfg_.chatter_period;
  }
}

std::vector<std::uint8_t> Board::to_host(SimTime now) {
  std::vector<std::uint8_t> got;
  if (link_drains_) got = link_.to_host(now);  // the loader's replies came before the reset
  while (!out_.empty() && out_.front().at <= now) {
    got.push_back(out_.front().byte);
    out_.pop_front();
  }
  if (state_ == State::download) {
    auto dev = link_.to_host(now);
    got.insert(got.end(), dev.begin(), dev.end());
  }
  return got;
}

void Board::purge_to_host() { out_.clear(); }

SimTime Board::next_deadline() const {
  SimTime t = release_at_;
  if (!out_.empty()) t = std::min(t, out_.front().at);
  if (state_ == State::firmware) t = std::min(t, next_chatter_);
  if (state_ == State::download || link_drains_) t = std::min(t, link_.next_deadline());
  return t;
}

}  // namespace espbak::sim
