// espsim Device driven directly with encoded packets (no sockets).
#include <catch2/catch.hpp>
#include <zlib.h>

#include "espbak/chips/chip.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/util/md5.hpp"

using namespace espbak;
using namespace espbak::sim;

namespace {

struct Harness {
  FlashModel flash;
  Device dev;
  SimTime t = 0;
  slip::Decoder dec;

  explicit Harness(ChipId id, std::array<std::uint8_t, 6> mac = {}, bool timed = false)
      : flash(4u << 20), dev(config(id, mac, timed), flash) {}

  static DeviceConfig config(ChipId id, std::array<std::uint8_t, 6> mac, bool timed) {
    DeviceConfig c;
    c.chip = &chip(id);
    c.mac = mac == std::array<std::uint8_t, 6>{} ? default_mac(id) : mac;
    c.jedec_id = 0x1640EF;
    c.uart_timing = timed;
    c.timings = timed ? FlashTimings::realistic() : FlashTimings::instant();
    return c;
  }

  std::vector<Bytes> collect() {
    std::vector<Bytes> frames;
    for (auto& chunk : dev.take_tx()) dec.feed(chunk.bytes, frames);
    return frames;
  }
  std::vector<Bytes> raw(const Bytes& payload) {
    dev.rx(t, slip::encode(payload));
    dev.advance(t);
    return collect();
  }
  std::vector<Bytes> cmd(Op op, const Bytes& data, std::uint32_t chk = 0) {
    return raw(encode_command(op, data, chk));
  }
  std::vector<Bytes> cmd(std::uint8_t op, const Bytes& data, std::uint32_t chk = 0) {
    return raw(encode_command(op, data, chk));
  }
  Response one(Op op, const Bytes& data, std::uint32_t chk = 0) {
    auto frames = cmd(op, data, chk);
    REQUIRE(frames.size() == 1);
    auto r = decode_response(frames[0]);
    REQUIRE(r);
    return *r;
  }
  std::uint32_t read_reg(std::uint32_t addr) {
    auto r = one(Op::read_reg, words({addr}));
    CHECK(response_status(r).ok());
    return r.value;
  }
  void write_reg(std::uint32_t addr, std::uint32_t value) {
    auto r = one(Op::write_reg, words({addr, value, 0xFFFFFFFF, 0}));
    CHECK(response_status(r).ok());
  }
  void run_stub() {
    CHECK(response_status(one(Op::mem_begin, words({4, 1, 0x1800, 0x40100000})), 0).ok());
    Bytes blob{1, 2, 3, 4};
    Bytes d = words({4, 0, 0, 0});
    d.insert(d.end(), blob.begin(), blob.end());
    CHECK(response_status(one(Op::mem_data, d, checksum(blob))).ok());
    auto frames = cmd(Op::mem_end, words({0, 0x40100004}));
    REQUIRE(frames.size() == 2);
    CHECK(frames[1] == Bytes{'O', 'H', 'A', 'I'});
    REQUIRE(dev.mode() == Device::Mode::stub);
  }
};

Bytes sync_payload() {
  Bytes b{0x07, 0x07, 0x12, 0x20};
  b.resize(36, 0x55);
  return b;
}

Bytes data_cmd(std::uint32_t seq, const Bytes& payload) {
  Bytes d = words({std::uint32_t(payload.size()), seq, 0, 0});
  d.insert(d.end(), payload.begin(), payload.end());
  return d;
}

Bytes zlib_compress(const Bytes& in) {
  uLongf n = compressBound(uLong(in.size()));
  Bytes out(n);
  REQUIRE(compress2(out.data(), &n, in.data(), uLong(in.size()), 9) == Z_OK);
  out.resize(n);
  return out;
}

}  // namespace

TEST_CASE("sim ROM SYNC: eight replies with the first payload word, status length per chip") {
  for (auto id : {ChipId::esp8266, ChipId::esp32}) {
    Harness h(id);
    auto frames = h.cmd(Op::sync, sync_payload());
    REQUIRE(frames.size() == 8);
    for (auto& f : frames) {
      auto r = decode_response(f);
      REQUIRE(r);
      CHECK(r->op == 0x08);
      CHECK(r->value == 0x20120707);
      CHECK(r->data.size() == chip(id).rom_status_len);
      CHECK(response_status(*r).ok());
    }
  }
}

TEST_CASE("sim READ_REG: magic and eFuse MAC decode to the configured MAC") {
  using Mac = std::array<std::uint8_t, 6>;
  struct Case { ChipId id; Mac mac; };
  for (auto c : {Case{ChipId::esp8266, default_mac(ChipId::esp8266)}, Case{ChipId::esp8266, {0xAC, 0xD0, 0x74, 1, 2, 3}},
                 Case{ChipId::esp8266, {0x5C, 0xCF, 0x7F, 9, 8, 7}}, Case{ChipId::esp32, default_mac(ChipId::esp32)},
                 Case{ChipId::esp32, {0x30, 0xAE, 0xA4, 0xFE, 0xDC, 0xBA}}}) {
    Harness h(c.id, c.mac);
    const ChipInfo& info = chip(c.id);
    CHECK(chip_by_magic(h.read_reg(kChipDetectMagicReg)) == &info);
    RegReader rd = [&](std::uint32_t a) { return h.read_reg(a); };
    auto mac = info.mac(rd);
    REQUIRE(mac);
    CHECK(format_mac(*mac) == format_mac(c.mac));
    if (info.cli_name == "esp32") {
      CHECK(((h.read_reg(info.efuse_base + 8) >> 16) & 0xFF) == efuse_mac_crc8(c.mac));
      CHECK(info.describe(rd) == "ESP32-D0WD-V3 (revision v3.0)");
    } else {
      CHECK(info.describe(rd) == "ESP8266EX");
    }
  }
}

TEST_CASE("sim MAC CRC8 matches espefuse's algorithm on a known value") {
  // Computed by hand with espefuse calc_crc's loop (poly 0x8C reflected, init 0):
  // a single byte 0x01 followed by zeros gives crc8(0x01) shifted through 5 more bytes.
  std::array<std::uint8_t, 6> zero{};
  CHECK(efuse_mac_crc8(zero) == 0);
  std::array<std::uint8_t, 6> a{0, 0, 0, 0, 0, 1};
  CHECK(efuse_mac_crc8(a) == 0x5E);  // Dallas/Maxim CRC-8 of 0x01
}

TEST_CASE("sim crystal registers give 26/40 MHz and ESP32 ROM calibration of exactly 40 MHz") {
  Harness e8266(ChipId::esp8266), e32(ChipId::esp32);
  double x8266 = 115200.0 * (e8266.read_reg(chip(ChipId::esp8266).crystal.uart_clkdiv_reg) & 0xFFFFF) / 1e6 / 2;
  double x32 = 115200.0 * (e32.read_reg(chip(ChipId::esp32).crystal.uart_clkdiv_reg) & 0xFFFFF) / 1e6 / 1;
  CHECK(std::abs(x8266 - 26) < 0.5);
  CHECK(std::abs(x32 - 40) < 0.5);
  std::uint32_t cali = (e32.read_reg(0x3FF5F06C) >> 7) & 0x1FFFFFF;
  std::uint32_t ck8m = e32.read_reg(chip(ChipId::esp32).efuse_base + 16) & 0xFF;
  CHECK(double(cali) * 15625 * ck8m / 40 == 40e6);
}

TEST_CASE("sim RDID through the SPI user-command registers returns the JEDEC id once attached") {
  for (auto id : {ChipId::esp8266, ChipId::esp32}) {
    Harness h(id);
    const SpiRegs& spi = chip(id).spi;
    auto rdid = [&] {
      if (spi.miso_dlen) h.write_reg(spi.base + spi.miso_dlen, 23);
      else h.write_reg(spi.base + spi.usr1, 23u << 8);
      h.write_reg(spi.base + spi.usr, 0x90000000);
      h.write_reg(spi.base + spi.usr2, 0x70000000 | kSpiFlashRdid);
      h.write_reg(spi.base + spi.w0, 0);
      h.write_reg(spi.cmd(), kSpiCmdUsr);
      CHECK((h.read_reg(spi.cmd()) & kSpiCmdUsr) == 0);
      return h.read_reg(spi.base + spi.w0);
    };
    // Not attached after boot: no device answers (esptool "Device: ffff").
    CHECK(rdid() == 0xFFFFFF);
    // esptool's attach: SPI_ATTACH, or FLASH_BEGIN(0, 0) on the ESP8266 ROM.
    if (chip(id).rom.spi_attach) CHECK(response_status(h.one(Op::spi_attach, words({0, 0}))).ok());
    else CHECK(response_status(h.one(Op::flash_begin, words({0, 0, 0x1000, 0}))).ok());
    CHECK(rdid() == 0x1640EF);
    CHECK(flash_size_from_id(rdid()) == (4u << 20));
    // A reset detaches it again.
    h.dev.reset(h.t);
    CHECK(rdid() == 0xFFFFFF);
  }
}

TEST_CASE("sim ESP8266 ROM erase-size bug, with and without esptool's workaround") {
  auto erased_sectors = [](Harness& h) {
    std::vector<std::uint32_t> s;
    for (std::uint32_t a = 0; a < 0x40000; a += 0x1000)
      if (h.flash.read(a, 1)[0] == 0xFF) s.push_back(a / 0x1000);
    return s;
  };
  struct Case { std::uint32_t offset, size; };
  for (auto c : {Case{0x3000, 0x5000}, Case{0x0E000, 0x8000}, Case{0x10000, 0x3000}, Case{0x1000, 0x20000}}) {
    std::vector<std::uint32_t> wanted;
    for (std::uint32_t a = c.offset; a < c.offset + c.size; a += 0x1000) wanted.push_back(a / 0x1000);
    for (bool workaround : {true, false}) {
      Harness h(ChipId::esp8266);
      h.flash.program(0, Bytes(0x40000, 0x00));
      std::uint32_t erase = workaround ? esp8266_rom_erase_size(c.offset, c.size) : c.size;
      auto r = h.one(Op::flash_begin, words({erase, c.size / 0x400, 0x400, c.offset}));
      CHECK(response_status(r).ok());
      auto got = erased_sectors(h);
      if (workaround) {
        // An odd count inside one block erases one extra sector (ceil(n/2)*2).
        CHECK(got.front() == wanted.front());
        CHECK(got.size() >= wanted.size());
        CHECK(got.size() <= wanted.size() + 1);
      } else {
        CHECK(got.size() > wanted.size());  // the ROM bug erases more
      }
    }
  }
}

TEST_CASE("sim ROM errors: bad checksum, unknown opcode, malformed packets") {
  for (auto id : {ChipId::esp8266, ChipId::esp32}) {
    Harness h(id);
    std::size_t status_len = chip(id).rom_status_len;
    REQUIRE(response_status(h.one(Op::flash_begin, words({0x1000, 4, 0x400, 0})), 0).ok());
    Bytes block(0x400, 0xAB);
    auto r = h.one(Op::flash_data, data_cmd(0, block), checksum(block) ^ 1);
    CHECK(r.data.size() == status_len);
    CHECK(r.data[0] == 1);
    CHECK(r.data[1] == rom_error::bad_checksum);

    auto frames = h.cmd(Op::erase_flash, {});  // a stub-only command
    REQUIRE(frames.size() == 8);
    auto u = decode_response(frames[0]);
    REQUIRE(u);
    CHECK(u->data.size() == status_len);
    CHECK(response_status(*u).unsupported());
    // Hosts only recognise "unsupported" in a reply whose opcode differs from
    // the request's (esptool loader.py command(), esptool-js readPacket).
    CHECK(u->op != std::uint8_t(Op::erase_flash));

    Bytes bad_dir = encode_command(Op::read_reg, words({0x40001000}));
    bad_dir[0] = 0x01;
    Bytes bad_len = encode_command(Op::read_reg, words({0x40001000}));
    bad_len[2] = 9;
    for (const Bytes& frame : {bad_dir, bad_len, Bytes{0x00, 0x0A}}) {
      auto f = h.raw(frame);
      REQUIRE(f.size() == 1);
      auto e = decode_response(f[0]);
      REQUIRE(e);
      CHECK(e->data.size() == status_len);
      CHECK(e->data[0] == 1);
    }
    CHECK(h.read_reg(kChipDetectMagicReg) == chip(id).magic_values.front());  // still alive
  }
  // Commands the ESP8266 ROM lacks.
  Harness h(ChipId::esp8266);
  for (Op op : {Op::spi_attach, Op::spi_flash_md5, Op::change_baudrate, Op::flash_defl_begin, Op::read_flash_slow})
    CHECK(h.cmd(op, words({0, 0})).size() == 8);
}

TEST_CASE("sim stub: SYNC, unknown opcode and flash error codes") {
  Harness h(ChipId::esp32);
  h.run_stub();
  auto frames = h.cmd(Op::sync, sync_payload());
  REQUIRE(frames.size() == 8);
  for (auto& f : frames) CHECK(decode_response(f)->value == 0);

  auto status = [&](Op op, const Bytes& d, std::uint32_t chk = 0) {
    auto r = h.one(op, d, chk);
    REQUIRE(r.data.size() >= 2);
    return std::pair<int, int>(r.data[r.data.size() - 2], r.data[r.data.size() - 1]);
  };
  CHECK(status(Op(0x55), {}) == std::pair<int, int>(0xC3, 0x00));
  Bytes block(0x100, 0x11);
  CHECK(status(Op::flash_data, data_cmd(0, block), checksum(block)) == std::pair<int, int>(0xC6, 0));
  CHECK(status(Op::flash_begin, words({0x200, 1, 0x4000, 0x1000})) == std::pair<int, int>(0, 0));
  Bytes wrong_len = data_cmd(0, block);
  wrong_len[0] = 0x10;
  CHECK(status(Op::flash_data, wrong_len, checksum(block)) == std::pair<int, int>(0xC9, 0));
  CHECK(status(Op::flash_data, data_cmd(0, block), checksum(block) ^ 1) == std::pair<int, int>(0xC1, 0));
  CHECK(status(Op::flash_data, data_cmd(0, block), checksum(block)) == std::pair<int, int>(0, 0));
  CHECK(status(Op::flash_end, words({1})) == std::pair<int, int>(0xC0, 0));  // 0x100 bytes remain
  CHECK(status(Op::erase_region, words({0x1000, 0x800})) == std::pair<int, int>(0xC0, 0));
  CHECK(h.flash.read(0x1000, 4) == Bytes(4, 0x11));
  CHECK(h.flash.read(0x1100, 4) == Bytes(4, 0xFF));  // erased, not written
  // RUN_USER_CODE: no response, the loader is gone.
  CHECK(h.cmd(Op::run_user_code, {}).empty());
  CHECK(h.dev.mode() == Device::Mode::app);
}

TEST_CASE("sim stub: an error from the post-ACK write answers the next command") {
  Harness h(ChipId::esp32);
  h.run_stub();
  REQUIRE(response_status(h.one(Op::flash_defl_begin, words({0x1000, 1, 0x4000, 0})), 0).ok());
  Bytes junk(64, 0x77);  // not a zlib stream: inflate fails after the ACK
  auto r = h.one(Op::flash_defl_data, data_cmd(0, junk), checksum(junk));
  CHECK(response_status(r).ok());
  auto next = h.one(Op::read_reg, words({kChipDetectMagicReg}));
  CHECK(next.op == 0x0A);
  CHECK(next.data == Bytes{0xC7, 0x00});
  CHECK(next.value == 0);  // not executed
  CHECK(h.read_reg(kChipDetectMagicReg) == 0x00F01D83);
}

TEST_CASE("sim FLASH_DEFL write then MD5, ROM and stub") {
  Bytes image(40000);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = std::uint8_t(i * 7 + i / 251);
  Bytes z = zlib_compress(image);
  for (bool stub : {false, true}) {
    Harness h(ChipId::esp32);
    if (stub) h.run_stub();
    std::uint32_t bs = stub ? 0x4000 : 0x400;
    std::uint32_t blocks = std::uint32_t((z.size() + bs - 1) / bs);
    std::uint32_t size_word = stub ? std::uint32_t(image.size()) : std::uint32_t((image.size() + 0x3FF) / 0x400 * 0x400);
    REQUIRE(response_status(h.one(Op::flash_defl_begin, words({size_word, blocks, bs, 0x20000})), 0).ok());
    for (std::uint32_t i = 0; i < blocks; ++i) {
      Bytes blk(z.begin() + i * bs, z.begin() + std::min<std::size_t>(z.size(), (i + 1) * bs));
      REQUIRE(response_status(h.one(Op::flash_defl_data, data_cmd(i, blk), checksum(blk))).ok());
    }
    if (stub) REQUIRE(response_status(h.one(Op::flash_defl_end, words({1}))).ok());
    auto r = h.one(Op::spi_flash_md5, words({0x20000, std::uint32_t(image.size()), 0, 0}));
    std::string want = to_hex(Md5::of(image));
    if (stub) {
      REQUIRE(r.data.size() == 18);
      CHECK(to_hex(std::span<const std::uint8_t>(r.data.data(), 16)) == want);
    } else {
      REQUIRE(r.data.size() == 32 + 4);
      CHECK(std::string(r.data.begin(), r.data.begin() + 32) == want);
    }
    CHECK(h.flash.read(0x20000, std::uint32_t(image.size())) == image);
  }
}

TEST_CASE("sim stub READ_FLASH: one packet per ACK frame, MD5 at the end") {
  Harness h(ChipId::esp32);
  h.run_stub();
  Bytes content(10000);
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = std::uint8_t(i ^ (i >> 8));
  h.flash.program(0x3000, content);
  auto frames = h.cmd(Op::read_flash, words({0x3000, 10000, 0x1000, 64}));
  REQUIRE(frames.size() == 2);  // the response, then only the first packet
  CHECK(response_status(*decode_response(frames[0])).ok());
  Bytes got = frames[1];
  CHECK(got.size() == 0x1000);
  h.dev.advance(h.t + 1000 * kMs);
  CHECK(h.collect().empty());  // max_in_flight 64 is ignored: waits for an ACK
  while (got.size() < content.size()) {
    auto next = h.raw(words({std::uint32_t(got.size())}));
    REQUIRE(next.size() == 1);
    got.insert(got.end(), next[0].begin(), next[0].end());
  }
  CHECK(got == content);
  auto md5 = h.raw(words({std::uint32_t(got.size())}));
  REQUIRE(md5.size() == 1);
  auto digest = Md5::of(content);
  CHECK(md5[0] == Bytes(digest.begin(), digest.end()));
  CHECK(h.read_reg(kChipDetectMagicReg) == 0x00F01D83);  // command mode again

  // packet_size > 4096: OK now, C0 on the next command.
  CHECK(response_status(h.one(Op::read_flash, words({0, 100, 8192, 1}))).ok());
  CHECK(h.one(Op::read_reg, words({kChipDetectMagicReg})).data == Bytes{0xC0, 0x00});
}

TEST_CASE("sim stub READ_FLASH: an ACK frame before its packet wraps the counter and stalls") {
  Harness h(ChipId::esp32);
  h.run_stub();
  auto frames = h.cmd(Op::read_flash, words({0, 0x3000, 0x1000, 64}));
  REQUIRE(frames.size() == 2);
  // ACK packet 1 and, early, packet 2 (one frame each, taken one by one).
  auto a = h.raw(words({0x1000}));
  REQUIRE(a.size() == 1);  // packet 2
  auto b = h.raw(words({0x2000}));  // acks packet 2: sent 2, acked 2
  REQUIRE(b.size() == 1);           // packet 3
  auto c = h.raw(words({0x2800}));  // early: acked 3 == sent 3, fine
  auto d = h.raw(words({0x2900}));  // too early: acked 4 > sent 3 -> wraps
  CHECK(d.empty());
  h.dev.advance(h.t + 10'000 * kMs);
  CHECK(h.collect().empty());  // stalled: no packet, no MD5, no error
  (void)c;
}

TEST_CASE("sim stub receive buffer: a second frame arriving while one is held is lost") {
  Harness h(ChipId::esp32, {}, /*timed=*/true);
  h.run_stub();
  h.t = 1000 * kMs;
  h.dev.advance(h.t);
  h.collect();
  // READ_FLASH of 3 packets; the stub is busy shifting packet 1 out (~355 ms at 115200).
  std::size_t data_frames = 0;
  for (auto& f : h.cmd(Op::read_flash, words({0, 0x3000, 0x1000, 64}))) data_frames += f.size() == 0x1000;
  h.t += 5 * kMs;
  auto ack = [](std::uint32_t n) { return slip::encode(words({n})); };
  h.dev.rx(h.t, ack(0x1000));
  h.dev.rx(h.t + kMs, ack(0x1000));  // duplicate while the first is still held
  CHECK(h.dev.stub_rx_dropped() > 0);
  h.dev.advance(h.t + 5000 * kMs);
  for (auto& f : h.collect()) data_frames += f.size() == 0x1000;
  CHECK(data_frames == 2);  // packet 1 and the one the surviving ACK released
}

TEST_CASE("sim ESP32 ROM reply values: stale except for SYNC and READ_REG, unsupported repeats the last reply") {
  // As the ESP32 ROM (revision 3) answers in Espressif's QEMU (issue 13):
  // after SYNC an unsupported GET_SECURITY_INFO gets SYNC's opcode and
  // value with status 01 05, and MEM_BEGIN / SPI_ATTACH carry the last
  // READ_REG result as their value.
  Harness h(ChipId::esp32);
  auto synced = h.cmd(Op::sync, sync_payload());
  REQUIRE(synced.size() == 8);
  auto frames = h.cmd(Op::get_security_info, {});
  REQUIRE(frames.size() == 8);
  CHECK(frames[0] == Bytes{0x01, 0x08, 0x04, 0x00, 0x07, 0x07, 0x12, 0x20, 0x01, 0x05, 0x00, 0x00});

  const std::uint32_t magic = h.read_reg(kChipDetectMagicReg);
  CHECK(magic == 0x00F01D83);
  auto mem = h.one(Op::mem_begin, words({4, 1, 0x1800, 0x40100000}));
  CHECK(response_status(mem).ok());
  CHECK(mem.value == magic);
  auto attach = h.one(Op::spi_attach, words({0, 0}));
  CHECK(response_status(attach).ok());
  CHECK(attach.value == magic);
  // The next unsupported reply repeats SPI_ATTACH's opcode and the value.
  frames = h.cmd(Op::get_security_info, {});
  REQUIRE(frames.size() == 8);
  auto u = decode_response(frames[0]);
  REQUIRE(u);
  CHECK(u->op == std::uint8_t(Op::spi_attach));
  CHECK(u->value == magic);
  CHECK(response_status(*u).unsupported());
}

TEST_CASE("sim ESP8266 ROM replies carry value 0, an unsupported one opcode 0 (no stale-value quirk)") {
  Harness h(ChipId::esp8266);
  CHECK_FALSE(chip(ChipId::esp8266).quirks.rom_reply_value_is_stale);
  CHECK(h.read_reg(kChipDetectMagicReg) != 0);
  auto begin = h.one(Op::flash_begin, words({0x1000, 4, 0x400, 0}));
  CHECK(response_status(begin, 0).ok());
  CHECK(begin.value == 0);
  auto frames = h.cmd(Op::get_security_info, {});
  REQUIRE(frames.size() == 8);
  auto u = decode_response(frames[0]);
  REQUIRE(u);
  CHECK(u->op == 0x00);
  CHECK(u->value == 0);
}
