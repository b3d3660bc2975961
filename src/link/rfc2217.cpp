// rfc2217://HOST:PORT: a serial port on another machine behind an RFC 2217
// server (ser2net, esp_rfc2217_server, pyserial's rfc2217_server.py, espsim).
// Telnet (RFC 854) carries the data with 0xFF doubled; the COM-PORT-OPTION
// (RFC 2217) subnegotiations set the baud rate, DTR, RTS and purge buffers.
//
// Codes: RFC 2217 sections 1-3 (option 44; SET-BAUDRATE 1 with a 4-byte
// big-endian value; SET-CONTROL 5 with 8/9 = DTR on/off, 11/12 = RTS on/off;
// PURGE-DATA 12 with 1 = the server's receive buffer; the server answers
// each command with the same command code + 100 and the value in use).
// Negotiation order and the 3 s acknowledgement timeout follow pyserial's
// serial/rfc2217.py (the client esptool uses).
#include <algorithm>
#include <deque>
#include <vector>

#include "espbak/protocol/telnet.hpp"
#include "espbak/util/error.hpp"
#include "tcp.hpp"

namespace espbak::detail {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;  // a real socket: the machine's time

using namespace telnet;
using namespace telnet::com;
// pyserial's _network_timeout
constexpr auto kAckTimeout = 3000ms;

class Rfc2217Transport final : public Transport {
 public:
  Rfc2217Transport(std::string url, net::Socket fd, bool wait_control_acks)
      : url_(std::move(url)), fd_(fd), wait_control_acks_(wait_control_acks) {}
  ~Rfc2217Transport() override { net::close_socket(fd_); }

  void negotiate(std::uint32_t baud) {
    // We will send COM-PORT-OPTION commands and binary data, and accept
    // binary data; SGA both ways as pyserial asks (harmless if refused).
    send_raw({kIac, kWill, kOptComPort, kIac, kWill, kOptBinary, kIac, kDo, kOptBinary, kIac, kWill, kOptSga, kIac,
              kDo, kOptSga});
    auto deadline = SteadyClock::now() + kAckTimeout;
    while (!server_accepts_com_port_) {
      if (server_refuses_com_port_)
        throw Error(ErrorKind::port, url_ + " is not an RFC 2217 server (it refused the COM-PORT-OPTION); "
                                            "for a raw TCP serial bridge use socket://");
      if (!pump_until(deadline))
        throw Error(ErrorKind::port, url_ + ": no RFC 2217 negotiation from the server within 3 s "
                                            "(not an RFC 2217 server? for a raw TCP bridge use socket://)");
    }
    // RFC 2217 section 2 recommends baud, data size, parity, stop size in
    // that order: 8N1, no flow control (esptool's port settings).
    set_baud(baud);
    command(kSetDatasize, {8});
    command(kSetParity, {1});   // NONE
    command(kSetStopsize, {1});  // 1 stop bit
    command(kSetControl, {kNoFlow});
  }

  std::size_t read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    if (buf.empty()) return 0;
    auto deadline = SteadyClock::now() + timeout;
    while (data_.empty()) {
      if (!pump_until(deadline)) break;
    }
    std::size_t n = std::min(buf.size(), data_.size());
    std::copy_n(data_.begin(), n, buf.begin());
    data_.erase(data_.begin(), data_.begin() + std::ptrdiff_t(n));
    return n;
  }

  void set_write_timeout(std::chrono::milliseconds t) override { write_timeout_ = t; }
  void write(std::span<const std::uint8_t> data) override {
    std::vector<std::uint8_t> out;
    escape_into(data, out);  // data 0xFF is doubled (RFC 854)
    send_raw(out);
  }

  void flush_input() override {
    // Ask the server to drop what it holds from the chip; everything that
    // arrives before its acknowledgement was sent before the purge, so it is
    // stale too (pyserial: reset_input_buffer -> PURGE_DATA 1).
    command(kPurgeData, {kPurgeReceive}, /*discard_data=*/true);
    data_.clear();
  }

  void set_baud(std::uint32_t baud) override {
    command(kSetBaudrate, {std::uint8_t(baud >> 24), std::uint8_t(baud >> 16), std::uint8_t(baud >> 8),
                           std::uint8_t(baud)});
    baud_ = baud;
  }
  std::uint32_t baud() const override { return baud_; }

  bool set_dtr(bool on) override {
    control(on ? kDtrOn : kDtrOff);
    return true;
  }
  bool set_rts(bool on) override {
    control(on ? kRtsOn : kRtsOff);
    return true;
  }
  bool has_modem_lines() const override { return true; }
  std::string name() const override { return url_; }

 private:
  void control(std::uint8_t value) {
    if (wait_control_acks_) command(kSetControl, {value});
    else send_command(kSetControl, {value});  // ?ign_set_control: servers that answer wrongly (sredird)
  }

  void send_raw(const std::vector<std::uint8_t>& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      long n = net::send_some(fd_, bytes.data() + done, bytes.size() - done);
      if (n > 0) {
        done += std::size_t(n);
        continue;
      }
      int err = n < 0 ? net::last_error() : 0;
      if (n < 0 && !net::is_transient(err)) {
        if (!server_accepts_com_port_ && net::is_reset(err)) refused_before_negotiation();
        throw Error(ErrorKind::port, "connection to " + url_ + " lost: " + net::describe_error(err));
      }
      if (net::wait_socket(fd_, POLLOUT, write_timeout_) == 0)
        throw Error(ErrorKind::port, "writing to " + url_ + " timed out");
    }
  }

  void send_command(std::uint8_t code, std::vector<std::uint8_t> value) {
    std::vector<std::uint8_t> out;
    com_port_command_into(code, value, out);
    send_raw(out);
  }

  // Sends a COM-PORT-OPTION command and waits for the server's answer
  // (code + 100). The value in the answer is what the server uses; some
  // servers answer with another value (sredird), so any answer counts.
  void command(std::uint8_t code, std::vector<std::uint8_t> value, bool discard_data = false) {
    send_command(code, std::move(value));
    std::uint8_t want = std::uint8_t(code + kServerOffset);
    auto deadline = SteadyClock::now() + kAckTimeout;
    for (;;) {
      for (auto it = acks_.begin(); it != acks_.end(); ++it) {
        if (*it == want) {
          acks_.erase(it);
          return;
        }
      }
      if (discard_data) data_.clear();
      if (!pump_until(deadline))
        throw Error(ErrorKind::port, url_ + ": the RFC 2217 server did not acknowledge " + command_name(code) +
                                         " within 3 s");
    }
  }

  static std::string command_name(std::uint8_t code) {
    switch (code) {
      case kSetBaudrate: return "SET-BAUDRATE";
      case kSetDatasize: return "SET-DATASIZE";
      case kSetParity: return "SET-PARITY";
      case kSetStopsize: return "SET-STOPSIZE";
      case kSetControl: return "SET-CONTROL";
      case kPurgeData: return "PURGE-DATA";
      default: return "command " + std::to_string(code);
    }
  }

  // Reads once from the socket (waiting until `deadline`) and decodes it.
  // Returns false on timeout.
  bool pump_until(SteadyClock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    int r = net::wait_socket(fd_, POLLIN, left);
    if (r < 0) throw Error(ErrorKind::port, "read from " + url_ + " failed: " + net::describe_error(net::last_error()));
    if (r == 0) return false;
    std::uint8_t buf[8192];
    long n = net::recv_some(fd_, buf, sizeof buf);
    if (n == 0) {
      if (!server_accepts_com_port_) refused_before_negotiation();
      throw Error(ErrorKind::port, "connection closed by " + url_);
    }
    if (n < 0) {
      int err = net::last_error();
      if (net::is_transient(err)) return true;
      if (!server_accepts_com_port_ && net::is_reset(err)) refused_before_negotiation();
      throw Error(ErrorKind::port, "connection to " + url_ + " lost: " + net::describe_error(err));
    }
    decoder_.feed(std::span<const std::uint8_t>(buf, std::size_t(n)), events_);
    return true;
  }

  // Serial port servers drop a second client at once (ser2net: "port
  // already in use"; espsim likewise): the port is busy, never shared.
  [[noreturn]] void refused_before_negotiation() {
    throw Error(ErrorKind::port, "port " + url_ +
                                     " is busy (the RFC 2217 server closed the connection before negotiating: "
                                     "another client is connected?)");
  }

  void negotiation(std::uint8_t verb, std::uint8_t option) {
    bool ours = option == kOptComPort || option == kOptBinary || option == kOptSga;
    if (verb == kDo) {
      if (option == kOptComPort) server_accepts_com_port_ = true;
      // Options we already offered with WILL need no answer; refuse the rest.
      if (!ours) send_raw({kIac, kWont, option});
    } else if (verb == kDont) {
      if (option == kOptComPort) server_refuses_com_port_ = true;
    } else if (verb == kWill) {
      if (!ours) send_raw({kIac, kDont, option});
    }
    // WONT: nothing to answer.
  }

  void subnegotiation(std::span<const std::uint8_t> sb) {
    if (sb.size() < 2 || sb[0] != kOptComPort) return;
    std::uint8_t code = sb[1];
    // NOTIFY-LINESTATE / NOTIFY-MODEMSTATE (106/107) are the server's
    // reports (on a change, or polled), not acknowledgements of anything we
    // sent: espbak reads no modem input, so they are dropped.
    if (code == kNotifyLinestate + kServerOffset || code == kNotifyModemstate + kServerOffset) return;
    if (code > kServerOffset) acks_.push_back(code);
  }

  std::string url_;
  net::Socket fd_;
  std::chrono::milliseconds write_timeout_ = kWriteTimeout;
  bool wait_control_acks_;
  std::uint32_t baud_ = 0;
  telnet::Decoder decoder_;
  const telnet::Events events_{
      [this](std::span<const std::uint8_t> d) { data_.insert(data_.end(), d.begin(), d.end()); },
      [this](std::uint8_t verb, std::uint8_t option) { negotiation(verb, option); },
      [this](std::span<const std::uint8_t> sb) { subnegotiation(sb); }};
  std::deque<std::uint8_t> data_;
  std::vector<std::uint8_t> acks_;
  bool server_accepts_com_port_ = false;
  bool server_refuses_com_port_ = false;
};

}  // namespace

std::unique_ptr<Transport> open_rfc2217(const std::string& url, std::uint32_t baud) {
  HostPort where = parse_host_port(url, "rfc2217://");
  bool wait_control_acks = true;
  // pyserial URL options: ign_set_control is honoured; logging, poll_modem
  // and timeout are accepted and ignored.
  std::string opts = where.options;
  for (std::size_t pos = 0; pos <= opts.size();) {
    auto amp = opts.find('&', pos);
    std::string opt = opts.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    std::string key = opt.substr(0, opt.find('='));
    if (key == "ign_set_control") wait_control_acks = false;
    else if (!key.empty() && key != "logging" && key != "poll_modem" && key != "timeout")
      throw Error(ErrorKind::port, "invalid port " + url + ": unknown option '" + key +
                                       "' (known: ign_set_control, poll_modem, logging, timeout)");
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  net::Socket fd = tcp_connect(url, where);
  auto t = std::make_unique<Rfc2217Transport>(url, fd, wait_control_acks);
  t->negotiate(baud);
  return t;
}

}  // namespace espbak::detail
