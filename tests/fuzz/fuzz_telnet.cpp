// libFuzzer target: the Telnet / RFC 2217 decoder (protocol/telnet.hpp)
// that reads what an rfc2217:// server (espbak's side) or client (espsim's
// side) sends, on arbitrary bytes.
// Input: byte 0 picks where the rest is split into two feeds; the rest is
// the byte stream.
// Invariants checked (a violation aborts, which libFuzzer reports):
//  - the events of one feed and of the same bytes in two feeds are the same
//    (the decoder keeps its state across reads, as a socket delivers them);
//  - data and subnegotiation payloads together are never longer than the
//    input;
//  - escape_into(rest) decoded gives back exactly `rest` as data, with no
//    negotiation or subnegotiation events.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "espbak/protocol/telnet.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

struct Seen {
  std::vector<std::uint8_t> data;
  std::vector<std::vector<std::uint8_t>> events;  // negotiations and subnegotiations, tagged
  espbak::telnet::Events handlers() {
    return {.data = [this](std::span<const std::uint8_t> d) { data.insert(data.end(), d.begin(), d.end()); },
            .negotiation = [this](std::uint8_t verb, std::uint8_t option) { events.push_back({0, verb, option}); },
            .subnegotiation =
                [this](std::span<const std::uint8_t> payload) {
                  std::vector<std::uint8_t> e{1};
                  e.insert(e.end(), payload.begin(), payload.end());
                  events.push_back(std::move(e));
                }};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::span<const std::uint8_t> rest(data + 1, size - 1);
  const std::size_t cut = rest.empty() ? 0 : data[0] % (rest.size() + 1);

  Seen whole, split;
  {
    espbak::telnet::Decoder d;
    d.feed(rest, whole.handlers());
  }
  {
    espbak::telnet::Decoder d;
    d.feed(rest.first(cut), split.handlers());
    d.feed(rest.subspan(cut), split.handlers());
  }
  require(whole.data == split.data && whole.events == split.events);
  std::size_t payload = whole.data.size();
  for (const auto& e : whole.events)
    if (e[0] == 1) payload += e.size() - 1;
  require(payload <= rest.size());

  std::vector<std::uint8_t> escaped;
  espbak::telnet::escape_into(rest, escaped);
  Seen back;
  espbak::telnet::Decoder d;
  d.feed(escaped, back.handlers());
  require(back.events.empty());
  require(back.data == std::vector<std::uint8_t>(rest.begin(), rest.end()));
  return 0;
}
