#include "espbak/protocol/telnet.hpp"

namespace espbak::telnet {

void Decoder::feed(std::span<const std::uint8_t> in, const Events& on) {
  std::vector<std::uint8_t> run;
  auto flush_run = [&] {
    if (!run.empty() && on.data) on.data(run);
    run.clear();
  };
  for (std::uint8_t b : in) {
    switch (state_) {
      case State::data:
        if (b == kIac) state_ = State::iac;
        else run.push_back(b);
        break;
      case State::iac:
        if (b == kIac) {  // escaped 0xFF data byte
          run.push_back(b);
          state_ = State::data;
        } else if (b == kSb) {
          sb_.clear();
          state_ = State::sb;
        } else if (b == kWill || b == kWont || b == kDo || b == kDont) {
          verb_ = b;
          state_ = State::option;
        } else {
          state_ = State::data;  // NOP, GA, ...: nothing to do
        }
        break;
      case State::option:
        flush_run();
        if (on.negotiation) on.negotiation(verb_, b);
        state_ = State::data;
        break;
      case State::sb:
        if (b == kIac) state_ = State::sb_iac;
        else sb_.push_back(b);
        break;
      case State::sb_iac:
        if (b == kIac) {
          sb_.push_back(b);
          state_ = State::sb;
        } else {  // IAC SE (anything else also ends it)
          flush_run();
          if (on.subnegotiation) on.subnegotiation(sb_);
          state_ = State::data;
        }
        break;
    }
  }
  flush_run();
}

void escape_into(std::span<const std::uint8_t> data, std::vector<std::uint8_t>& out) {
  out.reserve(out.size() + data.size() + 8);
  for (std::uint8_t b : data) {
    out.push_back(b);
    if (b == kIac) out.push_back(kIac);
  }
}

void com_port_command_into(std::uint8_t code, std::span<const std::uint8_t> value, std::vector<std::uint8_t>& out) {
  out.insert(out.end(), {kIac, kSb, kOptComPort, code});
  escape_into(value, out);  // 0xFF inside a subnegotiation is doubled too
  out.insert(out.end(), {kIac, kSe});
}

}  // namespace espbak::telnet
