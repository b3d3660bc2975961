#pragma once
// A scripted in-memory Transport for loader tests: the "device" reacts to
// each SLIP frame the host writes (a small ROM/stub model whose answers each
// test can override), and records everything the host sent.
#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "espbak/link/transport.hpp"
#include "espbak/loader/loader.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"

namespace espbak::test {

class FakeLink : public Transport {
 public:
  // Device -> host bytes not yet read.
  std::deque<std::uint8_t> rx;
  // Every complete frame the host wrote, decoded.
  std::vector<Bytes> host_frames;
  // Device reaction to each host frame.
  std::function<void(const Bytes& frame)> on_frame;
  bool modem_lines = false;
  std::vector<std::pair<char, bool>> line_changes;  // ('D'|'R', asserted)
  std::function<void()> on_reset_released;          // called when RTS goes false
  int flushes = 0;
  std::uint32_t baud_rate = 115200;

  std::size_t read(std::span<std::uint8_t> buf, std::chrono::milliseconds) override {
    std::size_t n = 0;
    while (n < buf.size() && !rx.empty()) {
      buf[n++] = rx.front();
      rx.pop_front();
    }
    return n;
  }
  void write(std::span<const std::uint8_t> data) override {
    std::vector<Bytes> frames;
    decoder_.feed(data, frames);
    for (auto& f : frames) {
      host_frames.push_back(f);
      if (on_frame) on_frame(f);
    }
  }
  void flush_input() override {
    ++flushes;
    rx.clear();
  }
  void set_baud(std::uint32_t b) override { baud_rate = b; }
  std::uint32_t baud() const override { return baud_rate; }
  bool set_dtr(bool on) override {
    if (!modem_lines) return false;
    line_changes.push_back({'D', on});
    return true;
  }
  bool set_rts(bool on) override {
    if (!modem_lines) return false;
    line_changes.push_back({'R', on});
    if (!on && on_reset_released) on_reset_released();
    return true;
  }
  bool has_modem_lines() const override { return modem_lines; }
  // Like a termios port: both lines in one call (so connect uses UnixTight).
  bool sets_lines_together() const override { return modem_lines; }
  std::string name() const override { return "fake://device"; }

  // Queue a frame / bytes for the host to read.
  void push_frame(std::span<const std::uint8_t> payload) {
    auto enc = slip::encode(payload);
    rx.insert(rx.end(), enc.begin(), enc.end());
  }
  void push_bytes(std::string_view text) { rx.insert(rx.end(), text.begin(), text.end()); }
  void reply(std::uint8_t op, std::uint32_t value, std::span<const std::uint8_t> data) {
    push_frame(encode_response(op, value, data));
  }

  // Host commands seen (decoded), optionally only one opcode.
  std::vector<Command> commands(std::optional<Op> only = std::nullopt) const {
    std::vector<Command> out;
    for (const auto& f : host_frames) {
      auto c = decode_command(f);
      if (c && (!only || c->op == std::uint8_t(*only))) out.push_back(*c);
    }
    return out;
  }

 private:
  slip::Decoder decoder_;
};

// A minimal chip model answering as the ESP32 or ESP8266 ROM, or a stub.
struct FakeChip {
  enum class Kind { esp32_rom, esp8266_rom, stub };
  FakeLink& link;
  Kind kind;
  std::map<std::uint32_t, std::uint32_t> regs;
  std::vector<std::array<std::uint32_t, 4>> reg_writes;  // WRITE_REG entries
  std::vector<std::uint32_t> reg_reads;
  int syncs_to_ignore = 0;
  std::uint32_t spi_cmd_reg = 0, spi_w0_reg = 0, flash_id = 0;
  // Per-opcode override: return true when handled.
  std::function<bool(const Command&)> custom;
  // Frames that are not commands (READ_FLASH acknowledgements).
  std::function<void(const Bytes&)> raw;

  FakeChip(FakeLink& l, Kind k) : link(l), kind(k) {
    regs[0x40001000] = k == Kind::esp8266_rom ? 0xFFF0C101 : 0x00F01D83;
    spi_cmd_reg = k == Kind::esp8266_rom ? 0x60000200 : 0x3FF42000;
    spi_w0_reg = k == Kind::esp8266_rom ? 0x60000240 : 0x3FF42080;
    link.on_frame = [this](const Bytes& f) { handle(f); };
  }

  Bytes ok_status() const { return kind == Kind::esp32_rom ? Bytes{0, 0, 0, 0} : Bytes{0, 0}; }
  Bytes fail_status(std::uint8_t code) const {
    if (kind == Kind::stub) return Bytes{code, 0};
    return kind == Kind::esp32_rom ? Bytes{1, code, 0, 0} : Bytes{1, code};
  }
  void ok(std::uint8_t op, std::uint32_t value = 0, Bytes result = {}) {
    auto st = ok_status();
    result.insert(result.end(), st.begin(), st.end());
    link.reply(op, value, result);
  }

  void handle(const Bytes& frame) {
    auto c = decode_command(frame);
    if (!c) {  // raw frames (READ_FLASH ACKs) are the test's business
      if (raw) raw(frame);
      return;
    }
    if (custom && custom(*c)) return;
    switch (static_cast<Op>(c->op)) {
      case Op::sync:
        if (syncs_to_ignore > 0) {
          --syncs_to_ignore;
          return;
        }
        for (int i = 0; i < 8; ++i) ok(c->op, kind == Kind::stub ? 0 : 0x20120707);
        return;
      case Op::read_reg: {
        std::uint32_t a = get_u32(c->data, 0);
        reg_reads.push_back(a);
        ok(c->op, regs.count(a) ? regs[a] : 0);
        return;
      }
      case Op::write_reg:
        for (std::size_t at = 0; at + 16 <= c->data.size(); at += 16) {
          std::array<std::uint32_t, 4> e{get_u32(c->data, at), get_u32(c->data, at + 4), get_u32(c->data, at + 8),
                                         get_u32(c->data, at + 12)};
          reg_writes.push_back(e);
          regs[e[0]] = e[1];
          if (e[0] == spi_cmd_reg && (e[1] & (1u << 18))) {
            // The SPI controller finishes the user command at once: RDID result in W0.
            regs[e[0]] = e[1] & ~(1u << 18);
            regs[spi_w0_reg] = flash_id;
          }
        }
        ok(c->op);
        return;
      case Op::get_security_info:
        if (kind != Kind::stub) {
          // ESP8266/ESP32 ROM: "invalid message" reply.
          link.reply(c->op, 0, fail_status(0x05));
          return;
        }
        link.reply(c->op, 0, Bytes{0xFF, 0});
        return;
      default:
        ok(c->op);
        return;
    }
  }
};

// A Loader talking to a FakeChip over a FakeLink, never sleeping, with every
// event it logs kept in `events`.
struct LoaderRig {
  FakeLink link;
  FakeChip chip;
  Loader loader{link};
  std::vector<std::pair<LoaderEvent, std::string>> events;
  explicit LoaderRig(FakeChip::Kind k) : chip(link, k) {
    loader.set_sleeper([](std::chrono::milliseconds) {});
    loader.set_log([this](LoaderEvent e, const std::string& t) { events.push_back({e, t}); });
  }
  int count(LoaderEvent e) const {
    return int(std::count_if(events.begin(), events.end(), [&](auto& p) { return p.first == e; }));
  }
};

// A LoaderRig already connected (no reset; a stub is taken as running, nothing
// uploaded), with the connect traffic forgotten: tests see only their own.
struct ConnectedRig : LoaderRig {
  explicit ConnectedRig(FakeChip::Kind k) : LoaderRig(k) {
    ConnectOptions o;
    o.before = BeforeReset::no_reset;
    loader.connect(o);
    if (k == FakeChip::Kind::stub) loader.run_stub();  // already running: no upload
    link.host_frames.clear();
    chip.reg_writes.clear();
    chip.reg_reads.clear();
    events.clear();
  }
};

}  // namespace espbak::test
