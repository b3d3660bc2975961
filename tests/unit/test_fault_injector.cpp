// espsim fault injection: --fault parsing, the injector's per-byte decisions
// and the Link applying them to a Device (no sockets).
#include <catch2/catch.hpp>

#include <string>

#include "espbak/chips/chip.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/fault.hpp"
#include "espbak/sim/link.hpp"

using namespace espbak;
using namespace espbak::sim;

namespace {

FaultSpec parsed(const std::string& text) {
  std::string why;
  auto f = parse_fault(text, &why);
  INFO(text << ": " << why);
  REQUIRE(f);
  return *f;
}

FaultPlan plan_of(std::initializer_list<const char*> specs, std::uint64_t seed = 1) {
  FaultPlan p;
  for (const char* s : specs) p.faults.push_back(parsed(s));
  p.seed = seed;
  return p;
}

// Fates of `n` bytes of value `b` in one direction on a fresh connection.
std::vector<ByteFate> run(FaultInjector& inj, std::size_t n, std::uint8_t b = 0x55,
                          FaultDirection dir = FaultDirection::to_host) {
  inj.start_connection();
  std::vector<ByteFate> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(inj.next(dir, b));
  return out;
}

struct SimRig {
  FlashModel flash{1u << 20};
  Device dev;
  Link link;
  SimTime t = 0;
  explicit SimRig(ChipId id, FaultPlan plan)
      : dev(config(id), flash), link(dev, LinkConfig{false, 0, std::move(plan), {}, std::nullopt}) {
    link.start(0);
  }
  static DeviceConfig config(ChipId id) {
    DeviceConfig c;
    c.chip = &chip(id);
    c.mac = default_mac(id);
    c.jedec_id = 0x1440EF;
    return c;
  }
  // Sends one command and returns every byte that reached the host.
  Bytes exchange(Op op, const Bytes& data) {
    Bytes frame = slip::encode(encode_command(op, data));
    link.from_host(t, frame);
    t += kMs;
    link.pump(t);
    return link.to_host(t + 10'000 * kMs);
  }
};

Bytes sync_payload() {
  Bytes b{0x07, 0x07, 0x12, 0x20};
  b.insert(b.end(), 32, 0x55);
  return b;
}

}  // namespace

TEST_CASE("fault texts of --fault parse into the documented faults", "[fault]") {
  auto d = parsed("drop:0.001");
  CHECK(d.kind == FaultSpec::Kind::drop);
  CHECK(d.rate == Approx(0.001));
  CHECK(d.direction == FaultDirection::to_host);
  auto c = parsed("corrupt:1e-4:to-device");
  CHECK(c.kind == FaultSpec::Kind::corrupt);
  CHECK(c.direction == FaultDirection::to_device);
  auto s = parsed("stall:5000:800");
  CHECK(s.kind == FaultSpec::Kind::stall);
  CHECK(s.offset == 5000);
  CHECK(s.stall_ms == 800);
  CHECK(parsed("reset:70000").kind == FaultSpec::Kind::reset);
  CHECK(parsed("close:12:to-host").offset == 12);
  CHECK(parsed("noise:1").kind == FaultSpec::Kind::noise);
  CHECK(parsed("stray:0.5").kind == FaultSpec::Kind::stray);
  CHECK(describe(s) == "stall:5000:800:to-host");
}

TEST_CASE("malformed fault texts are refused with a reason", "[fault]") {
  for (const char* bad : {"", "drop", "drop:", "drop:2", "drop:-0.1", "drop:x", "drop:0.1:sideways", "stall:10",
                          "stall:10:x", "stall:-1:5", "reset", "reset:1:2", "close:abc", "explode:1", "drop:0.1:0.2"}) {
    std::string why;
    CAPTURE(bad);
    CHECK_FALSE(parse_fault(bad, &why));
    CHECK(why.find("bad --fault") == 0);
  }
}

TEST_CASE("the same seed gives the same faults, another seed others", "[fault]") {
  auto fates = [](std::uint64_t seed) {
    FaultInjector inj(plan_of({"drop:0.01", "corrupt:0.01"}, seed));
    std::string trace;
    for (const auto& f : run(inj, 20000)) trace += f.drop ? 'd' : f.byte != 0x55 ? 'c' : '.';
    return trace;
  };
  CHECK(fates(7) == fates(7));
  CHECK(fates(7) != fates(8));
  auto t = fates(7);
  // About 1% of each; generous bounds, the stream is fixed by the seed anyway.
  auto drops = std::count(t.begin(), t.end(), 'd'), corrupt = std::count(t.begin(), t.end(), 'c');
  CHECK(drops > 100);
  CHECK(drops < 400);
  CHECK(corrupt > 100);
  CHECK(corrupt < 400);
}

TEST_CASE("each connection draws other random faults", "[fault]") {
  FaultInjector inj(plan_of({"drop:0.05"}));
  auto first = run(inj, 2000), second = run(inj, 2000);
  std::size_t same = 0;
  for (std::size_t i = 0; i < first.size(); ++i) same += first[i].drop == second[i].drop;
  CHECK(same < first.size());
}

TEST_CASE("offset faults fire once, at their byte, per connection", "[fault]") {
  FaultInjector inj(plan_of({"stall:10:250", "reset:20", "close:30"}));
  for (int connection = 0; connection < 2; ++connection) {
    auto f = run(inj, 40);
    for (std::size_t i = 0; i < f.size(); ++i) {
      CAPTURE(i);
      CHECK(f[i].stall_ms == (i == 10 ? 250u : 0u));
      CHECK(f[i].reset_before == (i == 20));
      CHECK(f[i].close_before == (i == 30));
      CHECK(f[i].drop == (i == 20 || i >= 30));  // the byte at a reset is lost; nothing passes a close
    }
    CHECK(inj.closed());
  }
  // The other direction is not affected.
  inj.start_connection();
  for (int i = 0; i < 40; ++i) CHECK_FALSE(inj.next(FaultDirection::to_device, 1).drop);
}

TEST_CASE("noise and stray frames go only between frames", "[fault]") {
  FaultInjector inj(plan_of({"noise:1", "stray:1"}));
  inj.start_connection();
  Bytes stream;
  for (int k = 0; k < 3; ++k) {
    Bytes f = slip::encode(Bytes{1, 2, 3, slip::kEnd, 4});
    for (auto b : f) {
      ByteFate fate = inj.next(FaultDirection::to_host, b);
      stream.insert(stream.end(), fate.insert_before.begin(), fate.insert_before.end());
      if (!fate.drop) stream.push_back(fate.byte);
    }
  }
  slip::Decoder dec;
  std::vector<Bytes> frames;
  dec.feed(stream, frames);
  // Each real frame intact, each preceded by one stray frame; the text is noise.
  REQUIRE(frames.size() == 6);
  for (int k = 0; k < 3; ++k) {
    CHECK(frames[2 * k] == Bytes{0x02, 0x55, 0xAA});
    CHECK(frames[2 * k + 1] == (Bytes{1, 2, 3, slip::kEnd, 4}));
  }
  CHECK(dec.noise_total() > 0);
}

TEST_CASE("a reset fault puts the chip back in the ROM with its boot banner", "[fault]") {
  const ChipId id = GENERATE(ChipId::esp8266, ChipId::esp32);
  // Reset inside the answer to the second SYNC: an answer is 8 frames of
  // 12 to 14 bytes from the ROM.
  SimRig rig(id, plan_of({"reset:150"}));
  Bytes first = rig.exchange(Op::sync, sync_payload());
  CHECK(first.size() < 150);  // every byte of the first answer, nothing more
  Bytes second = rig.exchange(Op::sync, sync_payload());
  std::string text(second.begin(), second.end());
  CHECK(text.find(rom_boot_banner(id)) != std::string::npos);
  CHECK(rig.dev.mode() == Device::Mode::rom);
  // The chip answers again afterwards (a fresh ROM).
  Bytes third = rig.exchange(Op::sync, sync_payload());
  slip::Decoder dec;
  std::vector<Bytes> frames;
  dec.feed(third, frames);
  CHECK(frames.size() == 8);
}

TEST_CASE("a close fault ends the connection after the bytes before it", "[fault]") {
  SimRig rig(ChipId::esp32, plan_of({"close:20"}));
  CHECK_FALSE(rig.link.closed());
  Bytes out = rig.exchange(Op::sync, sync_payload());
  CHECK(out.size() == 20);
  CHECK(rig.link.closed());
  // A new connection starts clean.
  rig.link.start(rig.t);
  CHECK_FALSE(rig.link.closed());
}

TEST_CASE("a stall delays the bytes from its offset, not the ones after it", "[fault]") {
  SimRig rig(ChipId::esp8266, plan_of({"stall:5:500"}));
  Bytes frame = slip::encode(encode_command(Op::sync, sync_payload()));
  rig.link.from_host(0, frame);
  rig.link.pump(kMs);
  Bytes early = rig.link.to_host(100 * kMs);
  CHECK(early.size() == 5);
  CHECK(rig.link.next_deadline() >= 500 * kMs);
  CHECK(rig.link.next_deadline() <= 501 * kMs);
  Bytes late = rig.link.to_host(600 * kMs);
  CHECK(early.size() + late.size() == 8 * 12);  // 8 SYNC replies of 10 bytes + 2 delimiters
  // A later answer is not delayed by the stall that has passed.
  rig.link.from_host(700 * kMs, frame);
  rig.link.pump(701 * kMs);
  CHECK(rig.link.to_host(701 * kMs).size() == 8 * 12);
}
