// Loader::command / check: esptool's reply matching and status rules.
#include <catch2/catch.hpp>

#include "espbak/loader/loader.hpp"
#include "espbak/util/error.hpp"
#include "test_loader_fake_device.hpp"

using namespace espbak;
using namespace espbak::test;

namespace {

struct Rig {
  FakeLink link;
  Loader loader{link};
  Rig() { loader.set_sleeper([](std::chrono::milliseconds) {}); }
};

Bytes with_status(Bytes result, Bytes status) {
  result.insert(result.end(), status.begin(), status.end());
  return result;
}

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  FAIL("no espbak::Error thrown");
  return ErrorKind::internal;
}

}  // namespace

TEST_CASE("command skips noise, short frames, host-direction frames and other opcodes") {
  Rig r;
  r.link.on_frame = [&](const Bytes&) {
    r.link.push_bytes("garbage from the app\r\n");
    r.link.push_frame(Bytes{0x01, 0x0A, 0x00});                              // shorter than a header
    r.link.push_frame(encode_command(Op::read_reg, words({1})));              // direction 0
    r.link.reply(std::uint8_t(Op::sync), 0x20120707, Bytes{0, 0, 0, 0});      // stale SYNC reply
    r.link.reply(std::uint8_t(Op::read_reg), 0xDEADBEEF, Bytes{0, 0, 0, 0});  // the answer
  };
  Response resp = r.loader.command(Op::read_reg, words({0x40001000}));
  CHECK(resp.op == std::uint8_t(Op::read_reg));
  CHECK(resp.value == 0xDEADBEEF);
  REQUIRE(r.link.host_frames.size() == 1);
  CHECK(r.link.host_frames[0] == encode_command(Op::read_reg, words({0x40001000})));
}

TEST_CASE("a different opcode with status 1/0x05 means unsupported, and the repeats are drained") {
  Rig r;
  int sent = 0;
  r.link.on_frame = [&](const Bytes&) {
    if (sent++ == 0) {
      // The ROM answers an unknown command with "invalid message", repeatedly.
      for (int i = 0; i < 3; ++i) r.link.reply(0x00, 0, Bytes{1, 0x05});
    } else {
      r.link.reply(std::uint8_t(Op::read_reg), 42, Bytes{0, 0});
    }
  };
  CHECK(kind_of([&] { r.loader.command(Op::get_security_info, {}); }) == ErrorKind::unsupported);
  // The stale repeats are gone: the next command gets its own reply.
  CHECK(r.loader.read_reg(0x1234) == 42);
}

TEST_CASE("a different opcode with another failure is skipped, not treated as unsupported") {
  Rig r;
  r.link.on_frame = [&](const Bytes&) {
    r.link.reply(0x00, 0, Bytes{1, 0x07});
    r.link.reply(std::uint8_t(Op::write_reg), 0, Bytes{0, 0});
  };
  CHECK_NOTHROW(r.loader.write_reg(0x100, 1));
}

TEST_CASE("no reply at all is a timeout naming the command") {
  Rig r;
  try {
    r.loader.command(Op::flash_data, Bytes(16, 0), 0xEF, std::chrono::milliseconds(10));
    FAIL("expected a timeout");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::timeout);
    CHECK(std::string(e.what()) == "timed out waiting for the chip to answer FLASH_DATA");
  }
}

TEST_CASE("check reads the two status bytes right after the result") {
  Rig r;
  Bytes reply;
  r.link.on_frame = [&](const Bytes& f) { r.link.reply(f[1], 0, reply); };

  SECTION("ESP32 ROM: result, then 4 status bytes") {
    Bytes hex(32, 'a');
    reply = with_status(hex, {0, 0, 0, 0});
    CHECK(r.loader.check(Op::spi_flash_md5, words({0, 16, 0, 0}), 32) == hex);
  }
  SECTION("ESP8266 ROM: 2 status bytes, failure code in byte 1") {
    reply = {1, 0x07};
    try {
      r.loader.check(Op::flash_data, Bytes(20, 0));
      FAIL("expected a failure");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::device);
      CHECK(std::string(e.what()) == "FLASH_DATA failed: checksum error (0x01 0x07)");
    }
  }
  SECTION("stub: code in byte 0") {
    reply = with_status(Bytes(16, 0x11), {0xC1, 0x00});
    try {
      r.loader.check(Op::spi_flash_md5, words({0, 16, 0, 0}), 16);
      FAIL("expected a failure");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::device);
      CHECK(std::string(e.what()) == "SPI_FLASH_MD5 failed: bad data checksum (0xc1 0x00)");
    }
  }
  SECTION("status of the same opcode saying invalid message is unsupported") {
    reply = {1, 0x05, 0, 0};
    CHECK(kind_of([&] { r.loader.check(Op::spi_attach, Bytes(8, 0)); }) == ErrorKind::unsupported);
  }
  SECTION("a reply too short for the result is reported, not read out of bounds") {
    reply = {0, 0};
    CHECK(kind_of([&] { r.loader.check(Op::spi_flash_md5, words({0, 16, 0, 0}), 16); }) == ErrorKind::device);
  }
}

TEST_CASE("trace prints one line per packet with direction, opcode name and length") {
  Rig r;
  std::vector<std::string> lines;
  r.loader.set_trace(true, [&](const std::string& l) { lines.push_back(l); });
  r.link.on_frame = [&](const Bytes&) { r.link.reply(std::uint8_t(Op::read_reg), 7, Bytes{0, 0}); };
  r.loader.read_reg(0x40001000);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("write READ_REG (0x0a) len 12: 00 0a 04 00 00 00 00 00 00 10 00 40") != std::string::npos);
  CHECK(lines[1].find("read  READ_REG (0x0a) len 10: 01 0a 02 00 07 00 00 00 00 00") != std::string::npos);
}
