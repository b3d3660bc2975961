#pragma once
// espsim's RFC 2217 access server: the Telnet side of a serial port server
// (like ser2net or esp_rfc2217_server) in front of a simulated Board. The
// codec is separate from the socket loop so tests can drive it directly.
// Codes: RFC 2217 (COM-PORT-OPTION 44; server answers = command + 100);
// Telnet RFC 854/855 (IAC, WILL/WONT/DO/DONT, SB ... IAC SE, 0xFF doubled).
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "espbak/protocol/telnet.hpp"

namespace espbak::sim {

struct ComPortCommand {
  std::uint8_t code = 0;  // client command: 1 SET-BAUDRATE, 5 SET-CONTROL, 12 PURGE-DATA, ...
  std::vector<std::uint8_t> value;
};

class TelnetServerCodec {
 public:
  // Decodes client bytes in order: runs of serial data (IAC IAC -> 0xFF)
  // go to on_data, COM-PORT-OPTION subnegotiations to on_command; answers
  // to option negotiation are appended to `reply`.
  void feed(std::span<const std::uint8_t> in, const std::function<void(std::span<const std::uint8_t>)>& on_data,
            const std::function<void(const ComPortCommand&)>& on_command, std::vector<std::uint8_t>& reply);
  // Serial data for the client, 0xFF doubled.
  static void escape(std::span<const std::uint8_t> data, std::vector<std::uint8_t>& out);
  // IAC SB COM-PORT-OPTION code value IAC SE (value escaped).
  static void subnegotiation(std::uint8_t code, std::span<const std::uint8_t> value, std::vector<std::uint8_t>& out);
  // Whether the client has offered the COM port option (WILL 44).
  bool com_port_active() const { return com_port_; }

 private:
  void negotiate(std::uint8_t verb, std::uint8_t option, std::vector<std::uint8_t>& reply);
  telnet::Decoder decoder_;
  bool com_port_ = false;
  bool answered_[256] = {};  // per option, DO/DONT already sent (avoid loops)
  bool answered_will_[256] = {};
};

}  // namespace espbak::sim
