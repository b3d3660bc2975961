#include <catch2/catch.hpp>

#include <string>

#include "espbak/protocol/telnet.hpp"

using namespace espbak;
using namespace espbak::telnet;

namespace {
// Records decoder events as text, in order, e.g. "data:ab|neg:251,44|sb:44,101".
struct Recorder {
  std::string log;
  Events events() {
    return Events{[this](std::span<const std::uint8_t> d) {
                    log += "data:";
                    for (auto b : d) log += b == 0xFF ? std::string("<FF>") : std::string(1, char(b));
                    log += "|";
                  },
                  [this](std::uint8_t verb, std::uint8_t opt) {
                    log += "neg:" + std::to_string(verb) + "," + std::to_string(opt) + "|";
                  },
                  [this](std::span<const std::uint8_t> sb) {
                    log += "sb:";
                    for (std::size_t i = 0; i < sb.size(); ++i) log += (i ? "," : "") + std::to_string(sb[i]);
                    log += "|";
                  }};
  }
};
}  // namespace

TEST_CASE("telnet decoder keeps data, negotiations and subnegotiations in wire order") {
  std::vector<std::uint8_t> wire{'a', 'b', kIac, kWill, kOptComPort, 'c', kIac, kIac, 'd'};
  std::vector<std::uint8_t> cmd;
  com_port_command_into(std::uint8_t(com::kSetBaudrate + com::kServerOffset), std::vector<std::uint8_t>{0, 1, 0xFF, 0},
                        cmd);
  wire.insert(wire.end(), cmd.begin(), cmd.end());
  wire.push_back('e');

  std::string whole, split;
  {
    Recorder r;
    Decoder d;
    d.feed(wire, r.events());
    whole = r.log;
  }
  {
    // Byte by byte: commands straddle feed() calls. Data runs are cut at
    // every call, so compare only the non-data events and the data bytes.
    Recorder r;
    Decoder d;
    for (auto b : wire) d.feed(std::span<const std::uint8_t>(&b, 1), r.events());
    split = r.log;
  }
  CHECK(whole == "data:ab|neg:251,44|data:c<FF>d|sb:44,101,0,1,255,0|data:e|");
  CHECK(split == "data:a|data:b|neg:251,44|data:c|data:<FF>|data:d|sb:44,101,0,1,255,0|data:e|");
}

TEST_CASE("telnet escaping doubles 0xFF in data and in command values") {
  std::vector<std::uint8_t> out;
  escape_into(std::vector<std::uint8_t>{1, 0xFF, 2}, out);
  CHECK(out == std::vector<std::uint8_t>{1, 0xFF, 0xFF, 2});
  out.clear();
  com_port_command_into(com::kSetControl, std::vector<std::uint8_t>{0xFF}, out);
  CHECK(out == std::vector<std::uint8_t>{kIac, kSb, kOptComPort, com::kSetControl, 0xFF, 0xFF, kIac, kSe});
}
