// RFC 2217: espbak's client transport against espsim's server codec on a
// loopback socket; the simulated board's reset circuits; UART mis-sampling.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <thread>

#include "espbak/chips/chip.hpp"
#include "espbak/link/transport.hpp"
#include "espbak/sim/board.hpp"
#include "espbak/sim/rfc2217.hpp"
#include "espbak/util/error.hpp"
#include "test_loopback_listener.hpp"

using namespace espbak;
using espbak::test::LoopbackListener;
using namespace std::chrono_literals;

namespace {

// A one-connection RFC 2217 server: answers every command with code + 100
// and the same value, echoes "ping" as "pong\xff", and before acknowledging
// a purge sends stale bytes the client must discard.
struct TestServer {
  LoopbackListener listener;
  std::thread thread;
  std::mutex mu;
  std::vector<sim::ComPortCommand> commands;
  std::vector<std::uint8_t> data;

  TestServer() { thread = std::thread([this] { run(); }); }
  ~TestServer() { thread.join(); }  // then the listener closes
  std::string url() const { return listener.url("rfc2217"); }

  void run() {
    int fd = accept(listener.fd, nullptr, nullptr);
    if (fd < 0) return;
    sim::TelnetServerCodec codec;
    std::uint8_t buf[4096];
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      std::vector<std::uint8_t> out;
      codec.feed(
          std::span<const std::uint8_t>(buf, std::size_t(n)),
          [&](std::span<const std::uint8_t> d) {
            std::lock_guard lock(mu);
            data.insert(data.end(), d.begin(), d.end());
            std::string text(data.begin(), data.end());
            if (text.size() >= 4 && text.substr(text.size() - 4) == "ping") {
              const std::uint8_t pong[] = {'p', 'o', 'n', 'g', 0xFF};
              sim::TelnetServerCodec::escape(pong, out);
            }
          },
          [&](const sim::ComPortCommand& c) {
            {
              std::lock_guard lock(mu);
              commands.push_back(c);
            }
            if (c.code == 12) {
              const std::uint8_t stale[] = {'s', 't', 'a', 'l', 'e'};
              sim::TelnetServerCodec::escape(stale, out);
            }
            sim::TelnetServerCodec::subnegotiation(std::uint8_t(c.code + 100), c.value, out);
          },
          out);
      if (!out.empty()) send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    }
    close(fd);
  }
};

std::string read_text(Transport& t, std::size_t want) {
  std::string got;
  std::uint8_t buf[64];
  while (got.size() < want) {
    std::size_t n = t.read(buf, 1000ms);
    if (n == 0) break;
    got.append(reinterpret_cast<char*>(buf), n);
  }
  return got;
}

}  // namespace

TEST_CASE("the rfc2217 client negotiates, sets 8N1 and the baud, drives DTR and RTS, escapes 0xFF") {
  TestServer server;
  {
    auto t = open_transport(server.url(), 115200);
    CHECK(t->has_modem_lines());
    CHECK_FALSE(t->sets_lines_together());  // esptool uses Classic over rfc2217
    CHECK(t->set_dtr(true));
    CHECK(t->set_rts(true));
    CHECK(t->set_rts(false));
    CHECK(t->set_dtr(false));
    t->set_baud(460800);
    const std::uint8_t ping[] = {0xFF, 'p', 'i', 'n', 'g'};
    t->write(ping);
    CHECK(read_text(*t, 5) == "pong\xff");
    t->flush_input();  // the server's stale bytes before the purge ack are dropped
    std::uint8_t b;
    CHECK(t->read(std::span(&b, 1), 100ms) == 0);
  }
  std::lock_guard lock(server.mu);
  std::vector<std::pair<int, std::vector<std::uint8_t>>> seen;
  for (auto& c : server.commands) seen.push_back({c.code, c.value});
  std::vector<std::pair<int, std::vector<std::uint8_t>>> expected = {
      {1, {0x00, 0x01, 0xC2, 0x00}},  // SET-BAUDRATE 115200, big-endian
      {2, {8}}, {3, {1}}, {4, {1}},   // 8 data bits, no parity, 1 stop bit
      {5, {1}},                       // no flow control
      {5, {8}}, {5, {11}}, {5, {12}}, {5, {9}},  // DTR on, RTS on, RTS off, DTR off
      {1, {0x00, 0x07, 0x08, 0x00}},  // 460800
      {12, {1}},                      // purge the server's receive buffer
  };
  CHECK(seen == expected);
  CHECK(server.data == std::vector<std::uint8_t>{0xFF, 'p', 'i', 'n', 'g'});
}

TEST_CASE("a server that does not speak RFC 2217 is named as such") {
  LoopbackListener listener;
  std::thread refuse([&] {
    int fd = accept(listener.fd, nullptr, nullptr);
    const std::uint8_t dont[] = {255, 254, 44};  // IAC DONT COM-PORT-OPTION
    send(fd, dont, sizeof dont, MSG_NOSIGNAL);
    std::uint8_t buf[256];
    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
    close(fd);
  });
  try {
    open_transport(listener.url("rfc2217"), 115200);
    FAIL("opened");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::port);
    CHECK(std::string(e.what()).find("not an RFC 2217 server") != std::string::npos);
  }
  refuse.join();
}

namespace {

struct BoardRig {
  sim::FlashModel flash{1u << 20};
  sim::Device device;
  sim::Link link;
  sim::Board board;
  std::vector<std::string> log;
  explicit BoardRig(sim::ResetCircuit circuit, sim::SimTime en_delay = 5 * sim::kMs)
      : device(config(), flash), link(device, sim::LinkConfig{}), board(link, chip(ChipId::esp32), board_config(circuit, en_delay)) {
    // A bootloader image header at 0x1000 (magic 0xE9, 3 segments): the
    // firmware boots to its application.
    const std::uint8_t header[] = {0xE9, 0x03, 0x02, 0x20};
    flash.program(chip(ChipId::esp32).bootloader_offset, header);
    board.log = [this](const std::string& s) { log.push_back(s); };
    board.power_on(0);
  }
  static sim::DeviceConfig config() {
    sim::DeviceConfig c;
    c.chip = &chip(ChipId::esp32);
    return c;
  }
  static sim::BoardConfig board_config(sim::ResetCircuit circuit, sim::SimTime en_delay) {
    sim::BoardConfig b;
    b.chip = &chip(ChipId::esp32);
    b.circuit = circuit;
    b.en_delay = en_delay;
    return b;
  }
  // Applies (dtr, rts) steps `step_ms` apart, then runs 100 ms more.
  sim::Board::State drive(std::vector<std::pair<bool, bool>> steps, sim::SimTime step = 100 * sim::kMs) {
    for (auto [dtr, rts] : steps) {
      now += step;
      board.set_lines(now, dtr, rts);
    }
    now += 100 * sim::kMs;
    board.pump(now);
    return board.state();
  }
  std::string output() {
    auto b = board.to_host(now);
    return std::string(b.begin(), b.end());
  }
  sim::SimTime now = 0;
};

}  // namespace

TEST_CASE("auto-reset circuit: UnixTight and Classic reach download mode, an RTS pulse boots the firmware") {
  BoardRig r(sim::ResetCircuit::auto_reset);
  r.output();
  // UnixTight: (0,0) (1,1) (0,1) ... (1,0) ... (0,0)
  CHECK(r.drive({{false, false}, {true, true}, {false, true}, {true, false}, {false, false}}) ==
        sim::Board::State::download);
  std::string banner = r.output();
  CHECK(banner.find("boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))") != std::string::npos);
  CHECK(banner.find("waiting for download") != std::string::npos);
  // Hard reset: RTS pulse with DTR released.
  CHECK(r.drive({{false, true}, {false, false}}) == sim::Board::State::firmware);
  r.now += 500 * sim::kMs;
  r.board.pump(r.now);
  std::string boot = r.output();
  CHECK(boot.find("boot:0x13 (SPI_FAST_FLASH_BOOT)") != std::string::npos);
  CHECK(boot.find("espsim_app") != std::string::npos);
  // Classic passes through (1,1) for a moment: the EN capacitor hides it.
  r.now += 100 * sim::kMs;
  r.board.set_lines(r.now, false, true);           // D0 R1: EN low
  r.now += 100 * sim::kMs;
  r.board.set_lines(r.now, true, true);            // D1: both asserted, EN released
  r.board.set_lines(r.now + sim::kMs, true, false);  // R0 1 ms later: IO0 low before the chip starts
  CHECK(r.drive({{false, false}}, 50 * sim::kMs) == sim::Board::State::download);
}

TEST_CASE("a slow EN capacitor makes a short IO0 hold boot the firmware") {
  BoardRig r(sim::ResetCircuit::auto_reset, 200 * sim::kMs);
  // UnixTight with 50 ms IO0 hold: IO0 is released before the chip starts.
  CHECK(r.drive({{false, true}, {true, false}, {false, false}}, 50 * sim::kMs) == sim::Board::State::in_reset);
  r.now += 300 * sim::kMs;
  r.board.pump(r.now);
  CHECK(r.board.state() == sim::Board::State::firmware);
  // 550 ms hold: download.
  r.now += 100 * sim::kMs;
  r.board.set_lines(r.now, false, true);
  r.now += 100 * sim::kMs;
  r.board.set_lines(r.now, true, false);
  r.now += 550 * sim::kMs;
  r.board.set_lines(r.now, false, false);
  r.board.pump(r.now);
  CHECK(r.board.state() == sim::Board::State::download);
}

TEST_CASE("USB-Serial/JTAG model follows esptool's sequences, no circuit ignores the lines") {
  BoardRig usb(sim::ResetCircuit::usb_jtag_serial);
  // esptool USBJTAGSerialReset: (0,0) (1,0) (1,1) (0,1) (0,0)
  CHECK(usb.drive({{false, false}, {true, false}, {true, true}, {false, true}, {false, false}}) ==
        sim::Board::State::download);
  CHECK(usb.drive({{false, true}, {false, false}}) == sim::Board::State::firmware);
  // The classic auto-reset sequence does not reach download mode through it.
  CHECK(usb.drive({{false, true}, {true, true}, {true, false}, {false, false}}) == sim::Board::State::firmware);

  BoardRig none(sim::ResetCircuit::none);
  CHECK(none.drive({{false, true}, {true, false}, {false, false}}) == sim::Board::State::firmware);
  CHECK(none.log.size() == 1);  // only the power-on
}

TEST_CASE("a UART at 115200 reads 74880-baud bytes as other bytes") {
  const std::uint8_t ff[] = {0xFF};
  // Start bit 1.54 receiver bits long: bit 0 is still read low.
  CHECK(sim::uart_missample(ff, 74880, 115200) == std::vector<std::uint8_t>{0xFE});
  std::string text = " ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n";
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  auto got = sim::uart_missample(bytes, 74880, 115200);
  CHECK(got != std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
  CHECK(got.size() >= text.size() / 2);
  CHECK(got.size() <= text.size() * 2);
  CHECK(sim::uart_missample(bytes, 74880, 74880) == std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
}
