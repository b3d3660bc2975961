// Loader flash operations against the scripted fake device: RDID register
// sequence, stub READ_FLASH flow control, FLASH_* / FLASH_DEFL_* block layout,
// stub upload and baud change.
#include <zlib.h>

#include <catch2/catch.hpp>

#include "espbak/loader/loader.hpp"
#include "espbak/loader/stub_images.hpp"
#include "espbak/util/error.hpp"
#include "test_loader_fake_device.hpp"

using namespace espbak;
using namespace espbak::test;

namespace {

Bytes pattern(std::size_t n, std::uint32_t seed = 1) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    b[i] = std::uint8_t(seed >> 16);
  }
  return b;
}

// Four random bits per byte: zlib shrinks it to a little over half, so a
// compressed write still takes several blocks.
Bytes half_compressible(std::size_t n) {
  Bytes b = pattern(n);
  for (auto& x : b) x &= 0x0F;
  return b;
}

Bytes block_data(const Command& c) { return Bytes(c.data.begin() + 16, c.data.end()); }

using Entry = std::array<std::uint32_t, 4>;

}  // namespace

TEST_CASE("flash_id on ESP32 runs esptool's SPI user-command register sequence") {
  ConnectedRig r(FakeChip::Kind::esp32_rom);
  r.chip.regs[0x3FF4201C] = 0x80000040;  // USR before
  r.chip.regs[0x3FF42024] = 0x70000003;  // USR2 before
  r.chip.flash_id = 0x164020;
  CHECK(r.loader.flash_id() == 0x164020);
  CHECK(r.loader.detect_flash_size() == 4u << 20);
  std::vector<Entry> expected = {
      {0x3FF4202C, 23, 0xFFFFFFFF, 0},          // MISO_DLEN = 24 bits - 1
      {0x3FF4201C, 0x90000000, 0xFFFFFFFF, 0},  // USR = COMMAND | MISO
      {0x3FF42024, 0x7000009F, 0xFFFFFFFF, 0},  // USR2 = 8-bit command RDID
      {0x3FF42080, 0, 0xFFFFFFFF, 0},           // W0 cleared
      {0x3FF42000, 0x40000, 0xFFFFFFFF, 0},     // CMD = USR (start)
      {0x3FF4201C, 0x80000040, 0xFFFFFFFF, 0},  // USR restored
      {0x3FF42024, 0x70000003, 0xFFFFFFFF, 0},  // USR2 restored
  };
  CHECK(r.chip.reg_writes == expected);
  CHECK(r.chip.reg_reads == std::vector<std::uint32_t>{0x3FF4201C, 0x3FF42024, 0x3FF42000, 0x3FF42080});
  // Cached, like esptool's flash_id(cache=True).
  r.chip.reg_writes.clear();
  r.loader.flash_id();
  CHECK(r.chip.reg_writes.empty());
}

TEST_CASE("flash_id on ESP8266 packs the bit lengths into USR1") {
  ConnectedRig r(FakeChip::Kind::esp8266_rom);
  r.chip.flash_id = 0x1640EF;
  CHECK(r.loader.flash_id() == 0x1640EF);
  REQUIRE(r.chip.reg_writes.size() == 7);
  CHECK(r.chip.reg_writes[0] == Entry{0x60000220, 0x1700, 0xFFFFFFFF, 0});
  CHECK(r.chip.reg_writes[1] == Entry{0x6000021C, 0x90000000, 0xFFFFFFFF, 0});
  CHECK(r.chip.reg_writes[2] == Entry{0x60000224, 0x7000009F, 0xFFFFFFFF, 0});
  CHECK(r.chip.reg_writes[3] == Entry{0x60000240, 0, 0xFFFFFFFF, 0});
  CHECK(r.chip.reg_writes[4] == Entry{0x60000200, 0x40000, 0xFFFFFFFF, 0});
}

TEST_CASE("an SPI command that never finishes is an error after 10 polls") {
  ConnectedRig r(FakeChip::Kind::esp32_rom);
  r.chip.spi_cmd_reg = 0;  // the fake controller no longer clears the busy bit
  CHECK_THROWS_AS(r.loader.flash_id(), Error);
  CHECK(std::count(r.chip.reg_reads.begin(), r.chip.reg_reads.end(), 0x3FF42000u) == 10);
}

TEST_CASE("stub read_flash acknowledges every packet with the running byte count and checks the MD5") {
  ConnectedRig r(FakeChip::Kind::stub);
  const std::uint32_t size = 10000;  // two full packets and a short last one
  Bytes flash = pattern(size);
  std::vector<std::uint32_t> acks;
  std::size_t sent = 0;
  bool corrupt_md5 = false;
  auto send_next = [&] {
    std::size_t n = std::min<std::size_t>(0x1000, size - sent);
    r.link.push_frame(std::span(flash).subspan(sent, n));
    sent += n;
  };
  r.chip.custom = [&](const Command& c) {
    if (c.op != std::uint8_t(Op::read_flash)) return false;
    CHECK(c.data == words({0x1000, size, 0x1000, 64}));
    r.chip.ok(c.op);
    send_next();
    return true;
  };
  r.chip.raw = [&](const Bytes& f) {
    REQUIRE(f.size() == 4);
    acks.push_back(get_u32(f, 0));
    if (sent < size) {
      send_next();
    } else if (acks.back() >= size) {
      auto d = Md5::of(flash);
      if (corrupt_md5) d[0] ^= 1;
      r.link.push_frame(d);
    }
  };
  std::vector<std::uint64_t> progress;
  Bytes out;

  SECTION("good transfer") {
    r.loader.read_flash(0x1000, size, out, [&](std::uint64_t done, std::uint64_t) { progress.push_back(done); });
    CHECK(out == flash);
    CHECK(acks == std::vector<std::uint32_t>{4096, 8192, 10000});
    CHECK(progress == std::vector<std::uint64_t>{4096, 8192, 10000});
  }
  SECTION("MD5 mismatch") {
    corrupt_md5 = true;
    try {
      r.loader.read_flash(0x1000, size, out);
      FAIL("expected a verify error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::verify);
    }
  }
}

TEST_CASE("stub read_flash acknowledges a packet as soon as it starts and never before") {
  // The fake stub sends the first half of a packet, and the rest only once
  // that packet is acknowledged: a host that waits for the whole packet
  // before acknowledging it would stall here.
  ConnectedRig r(FakeChip::Kind::stub);
  const std::uint32_t size = 10000;
  Bytes flash = pattern(size);
  std::uint32_t started = 0;  // packets whose first half was sent
  std::vector<std::uint32_t> acks;
  auto packet_span = [&](std::uint32_t k) {
    std::size_t at = std::size_t(k) * 0x1000;
    return std::span<const std::uint8_t>(flash).subspan(at, std::min<std::size_t>(0x1000, size - at));
  };
  // SLIP-encode packet k and split it in two on the wire.
  auto halves = [&](std::uint32_t k) {
    Bytes enc = slip::encode(packet_span(k));
    return std::pair<Bytes, Bytes>{Bytes(enc.begin(), enc.begin() + enc.size() / 2),
                                   Bytes(enc.begin() + enc.size() / 2, enc.end())};
  };
  auto start_packet = [&] {
    auto first = halves(started).first;
    r.link.rx.insert(r.link.rx.end(), first.begin(), first.end());
    ++started;
  };
  r.chip.custom = [&](const Command& c) {
    if (c.op != std::uint8_t(Op::read_flash)) return false;
    r.chip.ok(c.op);
    start_packet();
    return true;
  };
  r.chip.raw = [&](const Bytes& f) {
    REQUIRE(f.size() == 4);
    acks.push_back(get_u32(f, 0));
    // One acknowledgement per started packet, never ahead of the stub.
    REQUIRE(acks.size() == started);
    auto second = halves(started - 1).second;
    r.link.rx.insert(r.link.rx.end(), second.begin(), second.end());
    if (started * 0x1000u < size) start_packet();
    else r.link.push_frame(Md5::of(flash));
  };
  Bytes out;
  r.loader.read_flash(0, size, out);
  CHECK(out == flash);
  CHECK(acks == std::vector<std::uint32_t>{4096, 8192, 10000});

  SECTION("with early acknowledgement off, the host waits for whole packets and stalls here") {
    started = 0;
    acks.clear();
    r.loader.set_early_read_ack(false);
    CHECK_THROWS_AS(r.loader.read_flash(0, size, out), Error);
    CHECK(acks.empty());
  }
}

TEST_CASE("stub read_flash: a short packet before the end is corruption") {
  ConnectedRig r(FakeChip::Kind::stub);
  r.chip.custom = [&](const Command& c) {
    if (c.op != std::uint8_t(Op::read_flash)) return false;
    r.chip.ok(c.op);
    r.link.push_frame(Bytes(100, 0xAA));
    return true;
  };
  Bytes out;
  try {
    r.loader.read_flash(0, 8192, out);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::device);
    CHECK(std::string(e.what()).find("corrupt") != std::string::npos);
  }
}

TEST_CASE("ESP32 ROM read_flash uses READ_FLASH_SLOW in 64-byte steps") {
  ConnectedRig r(FakeChip::Kind::esp32_rom);
  Bytes flash = pattern(0x2000);
  r.chip.custom = [&](const Command& c) {
    if (c.op != std::uint8_t(Op::read_flash_slow)) return false;
    std::uint32_t off = get_u32(c.data, 0), len = get_u32(c.data, 4);
    CHECK(len <= 64);
    Bytes result(flash.begin() + off, flash.begin() + off + len);
    result.resize(64, 0x00);  // the ROM always sends 64 bytes
    r.chip.ok(c.op, 0, result);
    return true;
  };
  Bytes out;
  r.loader.read_flash(0x100, 150, out);
  CHECK(out == Bytes(flash.begin() + 0x100, flash.begin() + 0x100 + 150));
  auto cmds = r.link.commands(Op::read_flash_slow);
  REQUIRE(cmds.size() == 3);
  CHECK(cmds[2].data == words({0x100 + 128, 22}));
}

TEST_CASE("ESP8266 ROM refuses read_flash, flash_md5 and change_baud") {
  ConnectedRig r(FakeChip::Kind::esp8266_rom);
  Bytes out;
  auto kind = [](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::internal;
  };
  CHECK(kind([&] { r.loader.read_flash(0, 16, out); }) == ErrorKind::unsupported);
  CHECK(kind([&] { r.loader.flash_md5(0, 16); }) == ErrorKind::unsupported);
  CHECK(kind([&] { r.loader.change_baud(460800); }) == ErrorKind::unsupported);
  CHECK(r.link.host_frames.empty());
}

TEST_CASE("uncompressed write through the stub: 0x4000 blocks padded with 0xFF, then FLASH_END(1)") {
  ConnectedRig r(FakeChip::Kind::stub);
  Bytes data = pattern(0x4000 + 100);
  r.loader.write_flash(0x10000, data, false);
  auto begin = r.link.commands(Op::flash_begin);
  REQUIRE(begin.size() == 1);
  CHECK(begin[0].data == words({std::uint32_t(data.size()), 2, 0x4000, 0x10000, 0}));
  auto blocks = r.link.commands(Op::flash_data);
  REQUIRE(blocks.size() == 2);
  for (std::uint32_t seq = 0; seq < 2; ++seq) {
    CHECK(get_u32(blocks[seq].data, 0) == 0x4000);
    CHECK(get_u32(blocks[seq].data, 4) == seq);
    CHECK(blocks[seq].checksum == checksum(block_data(blocks[seq])));
  }
  Bytes second = block_data(blocks[1]);
  CHECK(Bytes(second.begin(), second.begin() + 100) == Bytes(data.begin() + 0x4000, data.end()));
  CHECK(std::all_of(second.begin() + 100, second.end(), [](std::uint8_t b) { return b == 0xFF; }));
  auto end = r.link.commands(Op::flash_end);
  REQUIRE(end.size() == 1);
  CHECK(end[0].data == words({1}));
}

TEST_CASE("uncompressed write through the ESP8266 ROM: erase-size workaround, 0x400 blocks, no FLASH_END") {
  ConnectedRig r(FakeChip::Kind::esp8266_rom);
  Bytes data = pattern(0x3000);
  r.loader.write_flash(0x1000, data, false);
  auto begin = r.link.commands(Op::flash_begin);
  REQUIRE(begin.size() == 1);
  // 3 sectors from sector 1: head = 15 > 3 sectors, 3 < 2*3 -> (3+1)/2 sectors.
  CHECK(begin[0].data == words({esp8266_rom_erase_size(0x1000, 0x3000), 12, 0x400, 0x1000}));
  CHECK(esp8266_rom_erase_size(0x1000, 0x3000) == 0x2000);
  CHECK(r.link.commands(Op::flash_data).size() == 12);
  CHECK(r.link.commands(Op::flash_end).empty());
}

TEST_CASE("compressed write through the stub: exact size, 0x4000 blocks of zlib data, DEFL_END(1)") {
  ConnectedRig r(FakeChip::Kind::stub);
  Bytes data = half_compressible(200000);  // several blocks even compressed
  std::uint64_t last_progress = 0;
  const auto sent = r.loader.write_flash(0x20000, data, true, [&](std::uint64_t done, std::uint64_t total) {
    CHECK(total == data.size());
    CHECK(done >= last_progress);
    last_progress = done;
  });
  CHECK(last_progress == data.size());
  auto begin = r.link.commands(Op::flash_defl_begin);
  REQUIRE(begin.size() == 1);
  auto blocks = r.link.commands(Op::flash_defl_data);
  Bytes stream;
  for (std::uint32_t seq = 0; seq < blocks.size(); ++seq) {
    CHECK(get_u32(blocks[seq].data, 4) == seq);
    Bytes chunk = block_data(blocks[seq]);
    CHECK(get_u32(blocks[seq].data, 0) == chunk.size());
    CHECK(blocks[seq].checksum == checksum(chunk));
    if (seq + 1 < blocks.size()) CHECK(chunk.size() == 0x4000);
    stream.insert(stream.end(), chunk.begin(), chunk.end());
  }
  CHECK(begin[0].data ==
        words({std::uint32_t(data.size()), std::uint32_t((stream.size() + 0x3FFF) / 0x4000), 0x4000, 0x20000, 0}));
  Bytes back(data.size());
  uLongf len = uLongf(back.size());
  REQUIRE(uncompress(back.data(), &len, stream.data(), uLong(stream.size())) == Z_OK);
  CHECK(len == data.size());
  CHECK(back == data);
  CHECK(blocks.size() > 1);
  CHECK(sent == stream.size());
  auto end = r.link.commands(Op::flash_defl_end);
  REQUIRE(end.size() == 1);
  CHECK(end[0].data == words({1}));
}

TEST_CASE("data zlib cannot shrink goes plainly even when compression is asked for, as esptool v5 does") {
  ConnectedRig r(FakeChip::Kind::stub);
  Bytes data = pattern(40000);
  CHECK(r.loader.write_flash(0x20000, data, true) == data.size());
  CHECK(r.link.commands(Op::flash_defl_begin).empty());
  CHECK(r.link.commands(Op::flash_begin).size() == 1);
  Bytes sent;
  for (auto& b : r.link.commands(Op::flash_data)) {
    Bytes chunk = block_data(b);
    sent.insert(sent.end(), chunk.begin(), chunk.end());
  }
  REQUIRE(sent.size() >= data.size());
  CHECK(Bytes(sent.begin(), sent.begin() + long(data.size())) == data);
}

TEST_CASE("compressed write through the ESP32 ROM: size rounded to 0x400, 0x400 blocks, no DEFL_END") {
  ConnectedRig r(FakeChip::Kind::esp32_rom);
  Bytes data = half_compressible(5000);
  r.loader.write_flash(0x8000, data, true);
  auto begin = r.link.commands(Op::flash_defl_begin);
  REQUIRE(begin.size() == 1);
  CHECK(get_u32(begin[0].data, 0) == 0x1400);  // 5000 rounded up to 0x400
  CHECK(get_u32(begin[0].data, 8) == 0x400);
  CHECK(begin[0].data.size() == 16);  // ESP32 ROM: no 5th word
  for (auto& b : r.link.commands(Op::flash_defl_data)) CHECK(block_data(b).size() <= 0x400);
  CHECK(r.link.commands(Op::flash_defl_end).empty());
}

TEST_CASE("a failed block is retried, three attempts in all") {
  ConnectedRig r(FakeChip::Kind::stub);
  int failures_left = 2;
  r.chip.custom = [&](const Command& c) {
    if (c.op != std::uint8_t(Op::flash_data) || failures_left == 0) return false;
    --failures_left;
    r.link.reply(c.op, 0, Bytes{0xC1, 0});
    return true;
  };
  r.loader.write_flash(0, pattern(16), false);
  CHECK(r.link.commands(Op::flash_data).size() == 3);

  failures_left = 3;
  r.link.host_frames.clear();
  CHECK_THROWS_AS(r.loader.write_flash(0, pattern(16), false), Error);
  CHECK(r.link.commands(Op::flash_data).size() == 3);
}

TEST_CASE("run_stub uploads the stub segments in 0x1800 blocks and waits for OHAI") {
  ConnectedRig r(FakeChip::Kind::esp32_rom);
  r.chip.custom = [&](const Command& c) {
    if (c.op != std::uint8_t(Op::mem_end)) return false;
    r.chip.ok(c.op);
    r.link.push_frame(Bytes{'O', 'H', 'A', 'I'});
    return true;
  };
  r.loader.run_stub();
  CHECK(r.loader.stub_running());
  auto image = find_stub_image("esp32");
  REQUIRE(image);
  auto begins = r.link.commands(Op::mem_begin);
  REQUIRE(begins.size() == image->segments.size());
  std::size_t expected_blocks = 0;
  for (std::size_t i = 0; i < begins.size(); ++i) {
    auto size = std::uint32_t(image->segments[i].bytes.size());
    std::uint32_t blocks = (size + 0x17FF) / 0x1800;
    expected_blocks += blocks;
    CHECK(begins[i].data == words({size, blocks, 0x1800, image->segments[i].addr}));
  }
  CHECK(r.link.commands(Op::mem_data).size() == expected_blocks);
  auto end = r.link.commands(Op::mem_end);
  REQUIRE(end.size() == 1);
  CHECK(end[0].data == words({0, image->entry}));
  // Stub semantics now: 0x4000 write blocks.
  CHECK(r.loader.flash_write_size() == 0x4000);
}

TEST_CASE("run_stub fails clearly when the stub does not greet") {
  ConnectedRig r(FakeChip::Kind::esp32_rom);
  r.chip.custom = [&](const Command& c) {
    if (c.op != std::uint8_t(Op::mem_end)) return false;
    r.chip.ok(c.op);
    r.link.push_frame(Bytes{'N', 'O', 'P', 'E'});
    return true;
  };
  CHECK_THROWS_WITH(r.loader.run_stub(), Catch::Contains("Failed to start stub flasher"));
  CHECK_FALSE(r.loader.stub_running());
}

TEST_CASE("change_baud: the stub gets (new, current) and the ESP32 ROM gets the drift-scaled rate") {
  SECTION("stub") {
    ConnectedRig r(FakeChip::Kind::stub);
    r.loader.change_baud(921600);
    auto c = r.link.commands(Op::change_baudrate);
    REQUIRE(c.size() == 1);
    CHECK(c[0].data == words({921600, 115200}));
    CHECK(r.link.baud() == 921600);
  }
  SECTION("ESP32 ROM") {
    ConnectedRig r(FakeChip::Kind::esp32_rom);
    // ROM estimate = cali * 15625 * ck8m / 40 = 41.6 MHz -> scaled 4 % up.
    std::uint32_t cali = 13312, ck8m = 8;
    r.chip.regs[0x3FF5F06C] = cali << 7;
    r.chip.regs[0x3FF5A010] = ck8m;
    r.loader.change_baud(460800);
    auto c = r.link.commands(Op::change_baudrate);
    REQUIRE(c.size() == 1);
    double rom = double(cali) * 15625 * ck8m / 40;
    CHECK(c[0].data == words({std::uint32_t(460800 * rom / 40e6), 0}));
    CHECK(r.link.baud() == 460800);
  }
}

TEST_CASE("flash_md5: stub sends 16 raw bytes, the ESP32 ROM 32 hex characters") {
  auto digest = Md5::of(pattern(64));
  SECTION("stub") {
    ConnectedRig r(FakeChip::Kind::stub);
    r.chip.custom = [&](const Command& c) {
      if (c.op != std::uint8_t(Op::spi_flash_md5)) return false;
      r.chip.ok(c.op, 0, Bytes(digest.begin(), digest.end()));
      return true;
    };
    CHECK(r.loader.flash_md5(0, 64) == digest);
  }
  SECTION("ESP32 ROM") {
    ConnectedRig r(FakeChip::Kind::esp32_rom);
    std::string hex = to_hex(digest);
    r.chip.custom = [&](const Command& c) {
      if (c.op != std::uint8_t(Op::spi_flash_md5)) return false;
      r.chip.ok(c.op, 0, Bytes(hex.begin(), hex.end()));
      return true;
    };
    CHECK(r.loader.flash_md5(0, 64) == digest);
  }
}

TEST_CASE("finish: no_reset returns the stub to the ROM and soft_reset on the ROM runs the app") {
  SECTION("stub, no_reset") {
    ConnectedRig r(FakeChip::Kind::stub);
    r.loader.finish(AfterReset::no_reset);
    auto cmds = r.link.commands();
    REQUIRE(cmds.size() == 2);
    CHECK(cmds[0].op == std::uint8_t(Op::flash_begin));
    CHECK(cmds[0].data == words({0, 0, 0x4000, 0, 0}));
    CHECK(cmds[1].op == std::uint8_t(Op::flash_end));
    CHECK(cmds[1].data == words({0}));
  }
  SECTION("ESP8266 ROM, soft_reset") {
    ConnectedRig r(FakeChip::Kind::esp8266_rom);
    r.loader.finish(AfterReset::soft_reset);
    auto cmds = r.link.commands();
    REQUIRE(cmds.size() == 2);
    CHECK(cmds[0].data == words({0, 0, 0x400, 0}));
    CHECK(cmds[1].data == words({1}));
  }
  SECTION("ESP8266 ROM spi_attach is FLASH_BEGIN(0, 0); ESP32 ROM sends 8 bytes") {
    ConnectedRig r(FakeChip::Kind::esp8266_rom);
    r.loader.spi_attach();
    auto cmds = r.link.commands();
    REQUIRE(cmds.size() == 1);
    CHECK(cmds[0].op == std::uint8_t(Op::flash_begin));
    ConnectedRig r2(FakeChip::Kind::esp32_rom);
    r2.loader.spi_attach();
    auto c2 = r2.link.commands(Op::spi_attach);
    REQUIRE(c2.size() == 1);
    CHECK(c2[0].data == Bytes(8, 0));
  }
}
