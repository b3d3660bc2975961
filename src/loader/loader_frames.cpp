// Loader: packet framing. Frames out (SLIP-encoded, traced), frames in
// (SLIP decoder fed by transport reads, noise traced), and esptool's rules
// for matching a reply to its request and checking its status (loader.py
// command, check_command; fact sheet 1.4).
#include <fmt/format.h>

#include <iostream>

#include "espbak/loader/loader.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

std::string op_label(std::uint8_t op) { return fmt::format("{} (0x{:02x})", op_name(op), op); }

}  // namespace

// ---- trace -------------------------------------------------------------------

void Loader::trace_line(std::string_view what, std::span<const std::uint8_t> bytes) {
  if (!trace_) return;
  const auto now = link_.clock().now();
  double delta = last_trace_ ? std::chrono::duration<double>(now - *last_trace_).count() : 0.0;
  last_trace_ = now;
  std::string line = fmt::format("TRACE +{:.3f} {} len {}:", delta, what, bytes.size());
  line.reserve(line.size() + bytes.size() * 3);
  for (auto b : bytes) line += fmt::format(" {:02x}", b);
  if (trace_sink_) trace_sink_(line);
  else std::cerr << line << '\n';
}

// ---- frames --------------------------------------------------------------------

void Loader::send_frame(std::span<const std::uint8_t> payload, std::string_view label) {
  trace_line(fmt::format("write {}", label), payload);
  link_.write(slip::encode(payload));
}

void Loader::flush_input() {
  link_.flush_input();
  decoder_.reset();
  pending_frames_.clear();
}

bool Loader::read_more(milliseconds timeout) {
  std::array<std::uint8_t, 4096> buf;
  // Transport::read waits up to `timeout` for the first byte; 0 means the time is up.
  std::size_t n = link_.read(buf, timeout);
  if (n == 0) return false;
  rx_bytes_ += n;
  std::size_t noise_before = decoder_.noise_total();
  decoder_.feed(std::span(buf.data(), n), pending_frames_);
  if (trace_ && decoder_.noise_total() != noise_before) {
    auto noise = decoder_.take_noise();
    trace_line("read noise (outside SLIP frames)", noise);
  }
  return true;
}

Bytes Loader::take_frame() {
  Bytes f = std::move(pending_frames_.front());
  pending_frames_.erase(pending_frames_.begin());
  if (trace_) {
    if (f.size() >= 8 && f[0] == 0x01) trace_line(fmt::format("read  {}", op_label(f[1])), f);
    else trace_line("read  raw", f);
  }
  return f;
}

std::optional<Bytes> Loader::read_frame(milliseconds timeout) {
  Clock& clock = link_.clock();
  const auto deadline = clock.now() + timeout;
  while (pending_frames_.empty()) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - clock.now());
    if (left < 0ms) left = 0ms;
    if (!read_more(left)) return std::nullopt;
  }
  return take_frame();
}

void Loader::after_unsupported() {
  if (!defer_unsupported_drain_) return drain_after_unsupported();
  // The ROM sends its refusal 8 times (loader.py command(): "Unsupported
  // command response is sent 8 times") and answers commands in order, so
  // the 7 repeats come before the next command's reply: that command skips
  // them (wait_response) instead of this one waiting esptool's 0.2 s.
  stale_invalid_replies_ = kInvalidReplyRepeats - 1;
}

void Loader::drain_after_unsupported() {
  stale_invalid_replies_ = 0;
  // The ROM repeats its "invalid message" reply (esptool reads up to 8 x 14
  // bytes after 0.2 s, then flushes): drop all of it so the next command
  // does not see stale replies.
  sleep_(200ms);
  std::array<std::uint8_t, 256> junk;
  while (link_.read(junk, 1ms) > 0) {
  }
  flush_input();
}

Response Loader::wait_response(std::optional<std::uint8_t> op, milliseconds timeout) {
  timeout = tuning_.timeouts.capped(timeout);  // MAX_TIMEOUT
  std::string what = op ? std::string(op_name(*op)) : "SYNC";
  // Up to 100 frames: some ESP8266s send more SYNC replies than asked for.
  for (int i = 0; i < 100; ++i) {
    auto frame = read_frame(timeout);
    if (!frame) throw Error(ErrorKind::timeout, "timed out waiting for the chip to answer " + what);
    auto r = decode_response(*frame);
    if (!r) continue;  // shorter than a header, or not a response
    if (!op || r->op == *op) {
      stale_invalid_replies_ = 0;  // any left of an earlier refusal came before this reply
      return std::move(*r);
    }
    if (r->data.size() >= 2 && r->data[0] != 0 && r->data[1] == rom_error::invalid_message) {
      if (stale_invalid_replies_ > 0) {
        --stale_invalid_replies_;  // a repeat of the refusal before this command
        continue;
      }
      after_unsupported();
      throw Error(ErrorKind::unsupported,
                  fmt::format("{} is not supported by the {} {}", what, chip_name_for_messages(),
                              stub_ ? "flasher stub" : "ROM loader"));
    }
  }
  throw Error(ErrorKind::device, "the chip's replies do not match the " + what + " request");
}

void Loader::send_unanswered(Op op, std::span<const std::uint8_t> data) {
  send_frame(encode_command(op, data), op_label(static_cast<std::uint8_t>(op)));
}

Response Loader::command(Op op, std::span<const std::uint8_t> data, std::uint32_t chk,
                         std::optional<milliseconds> timeout) {
  auto code = static_cast<std::uint8_t>(op);
  send_frame(encode_command(op, data, chk), op_label(code));
  return wait_response(code, timeout.value_or(tuning_.timeouts.standard));
}

Bytes Loader::check(Op op, std::span<const std::uint8_t> data, std::size_t result_len, std::uint32_t chk,
                    std::optional<milliseconds> timeout) {
  Response r = command(op, data, chk, timeout);
  Status s = response_status(r, result_len);
  auto name = op_name(static_cast<std::uint8_t>(op));
  if (!s.present)
    throw Error(ErrorKind::device, fmt::format("{} failed: reply too short ({} bytes of data, expected {})", name,
                                               r.data.size(), result_len + 2));
  if (!s.ok()) {
    std::string text = fmt::format("{} failed: {} (0x{:02x} 0x{:02x})", name, status_text(s.s0, s.s1), s.s0, s.s1);
    if (s.unsupported()) {
      // Same opcode, "invalid message": the ROM may repeat this reply too.
      after_unsupported();
      throw Error(ErrorKind::unsupported, text);
    }
    if (s.stub_unsupported()) throw Error(ErrorKind::unsupported, text);
    throw Error(ErrorKind::device, text);
  }
  return Bytes(r.data.begin(), r.data.begin() + std::ptrdiff_t(result_len));
}


}  // namespace espbak
