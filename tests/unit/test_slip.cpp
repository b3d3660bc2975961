#include <catch2/catch.hpp>

#include "espbak/protocol/slip.hpp"

using namespace espbak;
using Frames = std::vector<std::vector<std::uint8_t>>;

TEST_CASE("SLIP encode escapes C0 and DB and frames with C0") {
  std::vector<std::uint8_t> in{0x01, 0xC0, 0x02, 0xDB, 0x03};
  auto out = slip::encode(in);
  REQUIRE(out == std::vector<std::uint8_t>{0xC0, 0x01, 0xDB, 0xDC, 0x02, 0xDB, 0xDD, 0x03, 0xC0});
}

TEST_CASE("SLIP decoder reassembles frames split at every byte") {
  std::vector<std::uint8_t> payload{0xC0, 0xDB, 0x00, 0xFF, 0xC0, 0xDB};
  auto wire = slip::encode(payload);
  slip::Decoder d;
  Frames frames;
  for (auto b : wire) d.feed(std::span<const std::uint8_t>(&b, 1), frames);
  REQUIRE(frames.size() == 1);
  REQUIRE(frames[0] == payload);
}

TEST_CASE("SLIP decoder keeps noise between frames apart from the frames") {
  std::string boot = "ets Jan  8 2013,rst cause:2, boot mode:(1,6)\r\n";
  std::vector<std::uint8_t> wire(boot.begin(), boot.end());
  auto f1 = slip::encode(std::vector<std::uint8_t>{1, 2, 3});
  auto f2 = slip::encode(std::vector<std::uint8_t>{4, 5});
  wire.insert(wire.end(), f1.begin(), f1.end());
  wire.push_back('x');
  wire.push_back('y');
  wire.insert(wire.end(), f2.begin(), f2.end());
  slip::Decoder d;
  Frames frames;
  d.feed(wire, frames);
  REQUIRE(frames.size() == 2);
  REQUIRE(frames[0] == std::vector<std::uint8_t>{1, 2, 3});
  REQUIRE(frames[1] == std::vector<std::uint8_t>{4, 5});
  auto noise = d.take_noise();
  REQUIRE(std::string(noise.begin(), noise.end()) == boot + "xy");
}

TEST_CASE("SLIP decoder handles back-to-back delimiters") {
  std::vector<std::uint8_t> wire{0xC0, 0xC0, 0x07, 0xC0, 0xC0, 0x08, 0xC0};
  slip::Decoder d;
  Frames frames;
  d.feed(wire, frames);
  REQUIRE(frames == Frames{{0x07}, {0x08}});
}

TEST_CASE("SLIP decoder drops a frame with a bad escape and recovers") {
  std::vector<std::uint8_t> wire{0xC0, 0x01, 0xDB, 0x55, 0x02, 0xC0, 0xC0, 0x09, 0xC0};
  slip::Decoder d;
  Frames frames;
  d.feed(wire, frames);
  REQUIRE(frames == Frames{{0x09}});
  REQUIRE(d.dropped_frames() == 1);
}

TEST_CASE("SLIP decoder drops an escape cut short by a delimiter, and the delimiter opens the next frame") {
  std::vector<std::uint8_t> wire{0xC0, 0x01, 0xDB, 0xC0, 0x0A, 0xC0};
  slip::Decoder d;
  Frames frames;
  d.feed(wire, frames);
  REQUIRE(frames == Frames{{0x0A}});
}

TEST_CASE("SLIP decoder drops oversized frames") {
  slip::Decoder d(16);
  std::vector<std::uint8_t> big(40, 0x11);
  auto wire = slip::encode(big);
  auto ok = slip::encode(std::vector<std::uint8_t>{0x22});
  wire.insert(wire.end(), ok.begin(), ok.end());
  Frames frames;
  d.feed(wire, frames);
  REQUIRE(frames == Frames{{0x22}});
  REQUIRE(d.dropped_frames() == 1);
}
