// espsim's RFC 2217 server as a raw Telnet client sees it: the modem-state
// notifications and polls, the mask acknowledgements and flow-control
// suspend that RFC 2217 (sections 2, 4, 5) asks of an access server, with
// pyserial's reference PortManager's choices where the RFC leaves room (a
// first NOTIFY-MODEMSTATE once the client agrees to COM-PORT-OPTION; a
// client's NOTIFY-* is a poll answered with the current state).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>

#include "espbak/protocol/telnet.hpp"
#include "harness.hpp"

using namespace e2e;
using namespace espbak::telnet;
using namespace espbak::telnet::com;
using namespace std::chrono_literals;

namespace {

// A bare RFC 2217 client: what it received, decoded, in order.
class RawClient {
 public:
  explicit RawClient(const std::string& url) {
    auto colon = url.rfind(':');
    int port = std::stoi(url.substr(colon + 1));
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(std::uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~RawClient() { ::close(fd_); }

  void send_bytes(std::vector<std::uint8_t> b) { REQUIRE(::send(fd_, b.data(), b.size(), MSG_NOSIGNAL) == ssize_t(b.size())); }
  void command(std::uint8_t code, std::vector<std::uint8_t> value = {}) {
    std::vector<std::uint8_t> out;
    com_port_command_into(code, value, out);
    send_bytes(out);
  }
  // Reads for `for_time` (or until `done` says so), decoding as it goes.
  void pump(std::chrono::milliseconds for_time, const std::function<bool()>& done = [] { return false; }) {
    auto end = std::chrono::steady_clock::now() + for_time;
    while (!done() && std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      std::uint8_t buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return;
      decoder_.feed(std::span<const std::uint8_t>(buf, std::size_t(n)),
                    Events{[&](std::span<const std::uint8_t> d) { data.insert(data.end(), d.begin(), d.end()); },
                           [&](std::uint8_t verb, std::uint8_t option) { negotiations.push_back({verb, option}); },
                           [&](std::span<const std::uint8_t> sb) {
                             if (sb.size() >= 2 && sb[0] == kOptComPort)
                               answers.push_back({sb[1], std::vector<std::uint8_t>(sb.begin() + 2, sb.end())});
                           }});
    }
  }
  // The first answer with `code` not yet taken, waiting up to 5 s for it.
  std::optional<std::vector<std::uint8_t>> take(std::uint8_t code) {
    auto find = [&]() -> std::optional<std::size_t> {
      for (std::size_t i = 0; i < answers.size(); ++i)
        if (answers[i].first == code) return i;
      return std::nullopt;
    };
    pump(5000ms, [&] { return find().has_value(); });
    auto i = find();
    if (!i) return std::nullopt;
    auto value = answers[*i].second;
    answers.erase(answers.begin() + long(*i));
    return value;
  }
  std::size_t count(std::uint8_t code) const {
    std::size_t n = 0;
    for (auto& a : answers) n += a.first == code;
    return n;
  }

  std::vector<std::uint8_t> data;
  std::vector<std::pair<std::uint8_t, std::uint8_t>> negotiations;
  std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>> answers;

 private:
  int fd_ = -1;
  Decoder decoder_;
};

// An ESP32 behind espsim's RFC 2217 server.
SimOptions esp32_board() {
  SimOptions so;
  so.chip = "esp32";
  so.rfc2217 = true;
  return so;
}

constexpr std::uint8_t kAnswer(std::uint8_t code) { return std::uint8_t(code + kServerOffset); }

// The client agrees to the COM-PORT-OPTION; the server's first report comes.
void agree_com_port(RawClient& c) {
  c.send_bytes({kIac, kWill, kOptComPort});
  REQUIRE(c.take(kAnswer(kNotifyModemstate)));
}

bool has_text(const std::vector<std::uint8_t>& data, const std::string& text) {
  return std::string(data.begin(), data.end()).find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("espsim's RFC 2217 server reports the modem state, answers polls and mask changes", "[rfc2217][server]") {
  TempDir dir;
  Sim sim(dir, esp32_board());
  RawClient c(sim.port());

  // No report before the client has agreed to the COM-PORT-OPTION.
  c.pump(200ms);
  CHECK(c.count(kAnswer(kNotifyModemstate)) == 0);
  c.send_bytes({kIac, kWill, kOptComPort});
  auto first = c.take(kAnswer(kNotifyModemstate));
  REQUIRE(first);
  // The board's modem inputs are not wired: CTS, DSR, RI and CD inactive.
  CHECK(*first == std::vector<std::uint8_t>{0x00});
  CHECK(std::find(c.negotiations.begin(), c.negotiations.end(), std::make_pair(kDo, kOptComPort)) !=
        c.negotiations.end());

  c.command(kSetModemstateMask, {kModemCts | kModemDsr});
  CHECK(c.take(kAnswer(kSetModemstateMask)) == std::vector<std::uint8_t>{kModemCts | kModemDsr});
  c.command(kSetLinestateMask, {0});
  CHECK(c.take(kAnswer(kSetLinestateMask)) == std::vector<std::uint8_t>{0});

  // Polls: the current state, once each.
  c.command(kNotifyModemstate);
  CHECK(c.take(kAnswer(kNotifyModemstate)) == std::vector<std::uint8_t>{0x00});
  c.command(kNotifyLinestate);
  CHECK(c.take(kAnswer(kNotifyLinestate)) == std::vector<std::uint8_t>{0x00});
  c.pump(200ms);
  CHECK(c.count(kAnswer(kNotifyModemstate)) == 0);  // the state did not change: no unasked report
  CHECK(c.count(kAnswer(kNotifyLinestate)) == 0);
}

TEST_CASE("espsim's RFC 2217 server holds serial data while the client has suspended the flow", "[rfc2217][server]") {
  TempDir dir;
  Sim sim(dir, esp32_board());
  RawClient c(sim.port());
  agree_com_port(c);
  c.command(kSetBaudrate, {0x00, 0x01, 0xC2, 0x00});  // 115200: the ROM's log rate
  REQUIRE(c.take(kAnswer(kSetBaudrate)));

  c.command(kFlowControlSuspend);
  // esptool's Classic reset into download mode: EN low, then IO0 low and
  // EN released, then IO0 released. The chip prints its download banner.
  c.command(kSetControl, {kDtrOff});
  c.command(kSetControl, {kRtsOn});
  c.pump(100ms);
  c.command(kSetControl, {kDtrOn});
  c.command(kSetControl, {kRtsOff});
  c.pump(100ms);
  c.command(kSetControl, {kDtrOff});
  // All five answers (5 s at most on a loaded machine), then half a second
  // in which the chip's banner would have come.
  c.pump(5000ms, [&] { return c.count(kAnswer(kSetControl)) == 5; });
  c.pump(500ms);
  // Commands are still answered (no answer to the suspend itself)...
  CHECK(c.count(kAnswer(kSetControl)) == 5);
  CHECK(c.count(kAnswer(kFlowControlSuspend)) == 0);
  // ...but the banner is held back until the client resumes.
  CHECK_FALSE(has_text(c.data, "waiting for download"));
  c.command(kFlowControlResume);
  c.pump(5000ms, [&] { return has_text(c.data, "waiting for download"); });
  CHECK(has_text(c.data, "waiting for download"));
  CHECK(c.count(kAnswer(kFlowControlResume)) == 0);
}

TEST_CASE("espsim's RFC 2217 server takes a new client whose predecessor closed in the same poll round",
          "[rfc2217][server]") {
  TempDir dir;
  Sim sim(dir, esp32_board());
  {
    RawClient first(sim.port());
    agree_com_port(first);
    // Frozen, espsim sees what follows all at once when it wakes: the first
    // client's last command, its close, and the next client's connect (what
    // a shell loop of espbak runs does to a loaded server).
    REQUIRE(::kill(sim.pid(), SIGSTOP) == 0);
    first.command(kSetModemstateMask, {0});
  }
  RawClient next(sim.port());  // queued in the listener's backlog
  REQUIRE(::kill(sim.pid(), SIGCONT) == 0);
  next.send_bytes({kIac, kWill, kOptComPort});
  // The previous client had gone: this one is served, not refused as busy.
  CHECK(next.take(kAnswer(kNotifyModemstate)) == std::vector<std::uint8_t>{0x00});
  CHECK_FALSE(sim.log().find("refused a second rfc2217 client") != std::string::npos);

  // A client still connected keeps the port: the next one is refused.
  RawClient third(sim.port());
  third.pump(500ms);
  CHECK(sim.log().find("refused a second rfc2217 client") != std::string::npos);
}
