// espsim's RFC 2217 access server (rfc2217.hpp, server.hpp): Telnet with the
// COM-PORT-OPTION in front of a Board whose DTR/RTS the client drives.
#include <chrono>
#include <optional>

#include "espbak/sim/rfc2217.hpp"
#include "espbak/sim/server.hpp"
#include "espbak/util/error.hpp"
#include "server_internal.hpp"

namespace espbak::sim {

namespace {

using namespace telnet;
using namespace telnet::com;

}  // namespace

void TelnetServerCodec::feed(std::span<const std::uint8_t> in,
                             const std::function<void(std::span<const std::uint8_t>)>& on_data,
                             const std::function<void(const ComPortCommand&)>& on_command,
                             std::vector<std::uint8_t>& reply) {
  // The decoder hands over serial data before the command that follows it,
  // so data sent before a command reaches the board first.
  decoder_.feed(in, telnet::Events{
                        on_data,
                        [&](std::uint8_t verb, std::uint8_t option) { negotiate(verb, option, reply); },
                        [&](std::span<const std::uint8_t> sb) {
                          if (sb.size() >= 2 && sb[0] == kOptComPort)
                            on_command(ComPortCommand{sb[1], std::vector<std::uint8_t>(sb.begin() + 2, sb.end())});
                        }});
}

void TelnetServerCodec::negotiate(std::uint8_t verb, std::uint8_t option, std::vector<std::uint8_t>& reply) {
  bool supported = option == kOptBinary || option == kOptSga || option == kOptComPort;
  if (verb == kWill) {  // the client offers to use an option: we accept ours
    if (option == kOptComPort) com_port_ = true;
    if (!answered_[option]) reply.insert(reply.end(), {kIac, supported ? kDo : kDont, option});
    answered_[option] = true;
  } else if (verb == kDo) {  // the client asks us to use an option
    if (!answered_will_[option]) reply.insert(reply.end(), {kIac, supported ? kWill : kWont, option});
    answered_will_[option] = true;
  } else if (verb == kWont && option == kOptComPort) {
    com_port_ = false;
  }
}

void TelnetServerCodec::escape(std::span<const std::uint8_t> data, std::vector<std::uint8_t>& out) {
  telnet::escape_into(data, out);
}

void TelnetServerCodec::subnegotiation(std::uint8_t code, std::span<const std::uint8_t> value,
                                       std::vector<std::uint8_t>& out) {
  telnet::com_port_command_into(code, value, out);
}

namespace {

using detail::clock_now;
using detail::kMaxWait;

// The modem inputs (CTS, DSR, RI, CD) a client sees through the server. On
// the dev boards espsim models they are not wired: the USB bridge's modem
// inputs are left open and read inactive, and the auto-reset circuit uses
// only the DTR/RTS outputs. So the state is 0 and never changes; what the
// server owes the client is to report it (RFC 2217 section 4).
constexpr std::uint8_t kBoardModemState = 0;

// The COM port's notification state for one Telnet session (RFC 2217
// section 2 SET-LINESTATE-MASK / SET-MODEMSTATE-MASK, section 4
// NOTIFY-*, section 5 FLOWCONTROL-SUSPEND/RESUME). Masks start at 0 (line)
// and 255 (modem) with each session. As pyserial's reference PortManager
// does, the server reports the modem state once the client has agreed to
// the COM-PORT-OPTION, answers a client's NOTIFY-MODEMSTATE /
// NOTIFY-LINESTATE as a poll with the current state, and reports a change
// (with its delta bits) when the masked state changes.
struct ComPortSession {
  std::uint8_t linestate_mask = 0;
  std::uint8_t modemstate_mask = 255;
  bool modem_reported = false;
  std::uint8_t last_modem = 0;  // state bits last reported
  bool suspended = false;       // FLOWCONTROL-SUSPEND: hold the serial data

  // The NOTIFY-MODEMSTATE value for `state` (high nibble), with the delta
  // bits against the last report; nullopt when nothing is owed.
  std::optional<std::uint8_t> modem_report(std::uint8_t state, bool forced) {
    std::uint8_t changed = std::uint8_t((state ^ last_modem) & 0xF0);
    std::uint8_t value = state;
    if (changed & kModemCts) value |= kModemDeltaCts;
    if (changed & kModemDsr) value |= kModemDeltaDsr;
    if (changed & kModemRi) value |= kModemTrailingRi;
    if (changed & kModemCd) value |= kModemDeltaCd;
    if (!forced && (changed == 0 || (value & modemstate_mask) == 0)) return std::nullopt;
    last_modem = state;
    modem_reported = true;
    return std::uint8_t(value & modemstate_mask);
  }
};

std::uint32_t be32(const std::vector<std::uint8_t>& v) {
  if (v.size() < 4) return 0;
  return std::uint32_t(v[0]) << 24 | std::uint32_t(v[1]) << 16 | std::uint32_t(v[2]) << 8 | v[3];
}

}  // namespace

void serve_rfc2217(Device& device, const LinkConfig& cfg, const Endpoint& where, const std::atomic<bool>& stop,
                   const std::function<void(const std::string&)>& ready) {
  if (!where.board.chip) throw Error(ErrorKind::internal, "rfc2217 endpoint without a chip");
  TcpListener opened = open_tcp_listener(where);
  net::Socket listener = opened.fd;
  struct CloseSocket {
    net::Socket& fd;
    ~CloseSocket() { net::close_socket(fd); }
  } close_listener{listener};

  Link link(device, cfg);
  Board board(link, *where.board.chip, where.board);
  board.log = [](const std::string& line) { std::fprintf(stderr, "espsim: board: %s\n", line.c_str()); };
  board.power_on(clock_now());
  ready("espsim: listening on rfc2217://" + opened.shown);

  net::Socket client = net::kNoSocket;
  TelnetServerCodec codec;
  ComPortSession session;
  std::vector<std::uint8_t> out;  // bytes for the client, in order
  auto drop_client = [&](SimTime now) {
    net::close_socket(client);
    client = net::kNoSocket;
    out.clear();
    // The server closes the serial port: DTR and RTS drop (HUPCL), which
    // leaves EN and IO0 alone on the auto-reset circuit.
    board.set_lines(now, false, false);
    std::fprintf(stderr, "espsim: rfc2217 client disconnected\n");
  };
  auto collect_output = [&](SimTime now) {
    board.pump(now);
    if (session.suspended && client != net::kNoSocket) return;  // the board's output waits in its queue
    auto bytes = board.to_host(now);
    if (client != net::kNoSocket) TelnetServerCodec::escape(bytes, out);
  };
  auto report_modem_state = [&](bool forced) {
    if (auto value = session.modem_report(kBoardModemState, forced)) {
      const std::uint8_t v[] = {*value};
      TelnetServerCodec::subnegotiation(std::uint8_t(kNotifyModemstate + kServerOffset), v, out);
    }
  };
  auto handle_command = [&](const ComPortCommand& c) {
    SimTime now = clock_now();
    collect_output(now);  // serial data produced before the command goes first
    std::vector<std::uint8_t> value = c.value;
    switch (c.code) {
      case kSignature: {
        std::string sig = "espsim";
        value.assign(sig.begin(), sig.end());
        break;
      }
      case kSetBaudrate:
        if (std::uint32_t baud = be32(c.value); baud != 0) board.set_host_baud(baud);
        value = {std::uint8_t(board.host_baud() >> 24), std::uint8_t(board.host_baud() >> 16),
                 std::uint8_t(board.host_baud() >> 8), std::uint8_t(board.host_baud())};
        break;
      case kSetDatasize:
        if (value.empty() || value[0] == 0) value = {8};
        break;
      case kSetParity:
      case kSetStopsize:
        if (value.empty() || value[0] == 0) value = {1};
        break;
      case kSetControl: {
        std::uint8_t v = value.empty() ? kReqFlow : value[0];
        bool dtr = board.dtr(), rts = board.rts();
        if (v == kDtrOn || v == kDtrOff) dtr = v == kDtrOn;
        if (v == kRtsOn || v == kRtsOff) rts = v == kRtsOn;
        if (dtr != board.dtr() || rts != board.rts()) board.set_lines(now, dtr, rts);
        if (v == kReqDtr) value = {std::uint8_t(board.dtr() ? kDtrOn : kDtrOff)};
        else if (v == kReqRts) value = {std::uint8_t(board.rts() ? kRtsOn : kRtsOff)};
        else if (v == kReqFlow) value = {1};  // no flow control
        break;
      }
      case kNotifyLinestate: {
        // A poll. The simulated UART has no line errors, break or overrun
        // to report, and espsim does not track its transmit registers: 0
        // (what pyserial's PortManager answers too).
        const std::uint8_t none[] = {0};
        TelnetServerCodec::subnegotiation(std::uint8_t(kNotifyLinestate + kServerOffset), none, out);
        return;
      }
      case kNotifyModemstate:
        report_modem_state(true);  // a poll: the current state, whatever the mask said before
        return;
      case kFlowControlSuspend:
      case kFlowControlResume:
        // RFC 2217 section 5: no answer; the server stops / resumes sending
        // serial data (commands and their answers still flow).
        session.suspended = c.code == kFlowControlSuspend;
        return;
      case kSetLinestateMask:
        session.linestate_mask = value.empty() ? 0 : value[0];
        value = {session.linestate_mask};
        break;
      case kSetModemstateMask:
        session.modemstate_mask = value.empty() ? 255 : value[0];
        value = {session.modemstate_mask};
        break;
      case kPurgeData:
        // 1: the server's receive buffer (from the chip); 3: both.
        if (!value.empty() && (value[0] & 1)) {
          board.purge_to_host();
          out.clear();
        }
        break;
      default:
        break;  // anything else (e.g. SET-CONTROL break): acknowledged, no effect
    }
    TelnetServerCodec::subnegotiation(std::uint8_t(c.code + kServerOffset), value, out);
  };

  std::uint8_t buf[65536];
  // One non-blocking read from the client: true when it brought data (there
  // may be more); false when nothing was waiting or the client has gone.
  auto read_client = [&]() {
    long n = net::recv_some(client, buf, sizeof buf);
    if (n > 0) {
      codec.feed(std::span<const std::uint8_t>(buf, std::size_t(n)),
                 [&](std::span<const std::uint8_t> data) { board.from_host(clock_now(), data); }, handle_command, out);
      // The client has agreed to the COM-PORT-OPTION: the first report.
      if (codec.com_port_active() && !session.modem_reported) report_modem_state(true);
      return true;
    }
    if (n == 0 || !net::is_transient(net::last_error())) drop_client(clock_now());
    return false;
  };
  while (!stop) {
    SimTime now = clock_now();
    collect_output(now);
    if (client != net::kNoSocket && !out.empty()) {
      long n = net::send_some(client, out.data(), out.size());
      if (n > 0) out.erase(out.begin(), out.begin() + n);
      else if (n < 0 && !net::is_transient(net::last_error())) drop_client(now);
    }
    SimTime deadline = board.next_deadline();
    SimTime wait = deadline == kNever ? kMaxWait : std::clamp<SimTime>(deadline - clock_now(), 0, kMaxWait);
    net::PollFd p[2] = {{listener, POLLIN, 0}, {client, short(POLLIN | (out.empty() ? 0 : POLLOUT)), 0}};
    int r = net::poll_sockets(p, client != net::kNoSocket ? 2 : 1, std::chrono::nanoseconds(wait));
    if (r < 0) throw Error(ErrorKind::port, "poll failed: " + net::describe_error(net::last_error()));
    if (p[0].revents & POLLIN) {
      net::Socket fd = net::accept_connection(listener);
      if (fd != net::kNoSocket) {
        // A client that has gone (its FIN is queued behind the data it sent
        // last) is let go first: a loop's next espbak often connects in the
        // same poll round as the previous one's close, and the previous one
        // is not "another client".
        while (client != net::kNoSocket && read_client()) {
        }
        if (client != net::kNoSocket) {
          // One client at a time, as a serial port: never shared.
          net::close_socket(fd);
          std::fprintf(stderr, "espsim: refused a second rfc2217 client (port busy)\n");
        } else {
          net::set_no_delay(fd);
          client = fd;
          codec = TelnetServerCodec{};
          session = ComPortSession{};  // the masks reset with each Telnet session
          out.clear();
          std::fprintf(stderr, "espsim: rfc2217 client connected\n");
        }
      }
    }
    if (client != net::kNoSocket && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) read_client();
  }
  net::close_socket(client);
}

}  // namespace espbak::sim
