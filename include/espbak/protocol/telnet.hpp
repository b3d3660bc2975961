#pragma once
// Telnet framing as RFC 2217 serial-port servers use it, shared by the host's
// rfc2217:// transport and espsim's RFC 2217 server. Pure functions, no I/O.
// Codes: RFC 854 (IAC, WILL/WONT/DO/DONT, SB ... IAC SE, 0xFF doubled in
// data), RFC 856 (BINARY), RFC 858 (SGA), RFC 2217 (COM-PORT-OPTION 44; the
// server answers each command with the command code + 100 and the value in
// use; SET-CONTROL values section 3; PURGE-DATA values).
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace espbak::telnet {

inline constexpr std::uint8_t kIac = 255, kDont = 254, kDo = 253, kWont = 252, kWill = 251, kSb = 250, kSe = 240;
inline constexpr std::uint8_t kOptBinary = 0, kOptSga = 3, kOptComPort = 44;

// RFC 2217 COM-PORT-OPTION commands, client -> server.
namespace com {
inline constexpr std::uint8_t kSignature = 0, kSetBaudrate = 1, kSetDatasize = 2, kSetParity = 3,
                              kSetStopsize = 4, kSetControl = 5, kNotifyLinestate = 6, kNotifyModemstate = 7,
                              kFlowControlSuspend = 8, kFlowControlResume = 9, kSetLinestateMask = 10,
                              kSetModemstateMask = 11, kPurgeData = 12;
inline constexpr std::uint8_t kServerOffset = 100;  // server answer = command + 100
// SET-CONTROL values
inline constexpr std::uint8_t kReqFlow = 0, kNoFlow = 1, kReqDtr = 7, kDtrOn = 8, kDtrOff = 9, kReqRts = 10,
                              kRtsOn = 11, kRtsOff = 12;
// NOTIFY-MODEMSTATE bits (RFC 2217 section 2, SET-MODEMSTATE-MASK): states
// in the high nibble, "changed since the last notification" in the low one.
inline constexpr std::uint8_t kModemCd = 0x80, kModemRi = 0x40, kModemDsr = 0x20, kModemCts = 0x10;
inline constexpr std::uint8_t kModemDeltaCd = 0x08, kModemTrailingRi = 0x04, kModemDeltaDsr = 0x02,
                              kModemDeltaCts = 0x01;
// PURGE-DATA values
inline constexpr std::uint8_t kPurgeReceive = 1;  // the server's receive buffer (data from the device)
}  // namespace com

// What a decoder found, in stream order. Serial data comes in runs; a run
// is always delivered before a negotiation or subnegotiation that follows
// it on the wire.
struct Events {
  std::function<void(std::span<const std::uint8_t>)> data;
  std::function<void(std::uint8_t verb, std::uint8_t option)> negotiation;  // verb: kWill/kWont/kDo/kDont
  std::function<void(std::span<const std::uint8_t> payload)> subnegotiation;  // option byte first, unescaped
};

// Streaming Telnet decoder: commands may straddle feed() calls.
class Decoder {
 public:
  void feed(std::span<const std::uint8_t> in, const Events& on);

 private:
  enum class State { data, iac, option, sb, sb_iac } state_ = State::data;
  std::uint8_t verb_ = 0;
  std::vector<std::uint8_t> sb_;
};

// Serial data with 0xFF doubled.
void escape_into(std::span<const std::uint8_t> data, std::vector<std::uint8_t>& out);
// IAC SB COM-PORT-OPTION code value IAC SE (value escaped).
void com_port_command_into(std::uint8_t code, std::span<const std::uint8_t> value, std::vector<std::uint8_t>& out);

}  // namespace espbak::telnet
