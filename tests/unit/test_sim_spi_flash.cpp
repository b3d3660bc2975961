// espsim's SPI flash behind the user-command registers: not attached until
// the loader attaches it (except where the ROM does at boot), the SFDP read,
// the status registers and what an unknown command reads. The host side is
// esptool v5.3.1 loader.py run_spiflash_command, step for step, over the
// ROM's WRITE_REG / READ_REG, for each chip's register layout.
#include <catch2/catch.hpp>

#include "espbak/chips/chip.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/spi_nor.hpp"

using namespace espbak;
using namespace espbak::sim;

namespace {

struct Host {
  FlashModel flash;
  Device dev;
  slip::Decoder dec;
  const ChipInfo& c;

  Host(ChipId id, std::uint32_t size = 4u << 20) : flash(size), dev(config(id), flash), c(chip(id)) {}
  static DeviceConfig config(ChipId id) {
    DeviceConfig cfg;
    cfg.chip = &chip(id);
    cfg.mac = default_mac(id);
    cfg.jedec_id = 0x1640EF;
    return cfg;
  }
  Response one(Op op, const Bytes& data, std::uint32_t chk = 0) {
    dev.rx(0, slip::encode(encode_command(op, data, chk)));
    dev.advance(0);
    std::vector<Bytes> frames;
    for (auto& chunk : dev.take_tx()) dec.feed(chunk.bytes, frames);
    REQUIRE(!frames.empty());
    auto r = decode_response(frames[0]);
    REQUIRE(r);
    return *r;
  }
  std::uint32_t read_reg(std::uint32_t a) { return one(Op::read_reg, words({a})).value; }
  void write_reg(std::uint32_t a, std::uint32_t v) { one(Op::write_reg, words({a, v, 0xFFFFFFFF, 0})); }

  // esptool run_spiflash_command.
  std::uint32_t spi(std::uint8_t command, Bytes data = {}, std::uint32_t read_bits = 0, std::uint32_t addr = 0,
                    std::uint32_t addr_len = 0, std::uint32_t dummy_len = 0) {
    const SpiRegs& s = c.spi;
    const std::uint32_t data_bits = std::uint32_t(data.size()) * 8;
    std::uint32_t len_flags = 0;
    if (dummy_len) len_flags |= dummy_len - 1;
    if (addr_len) len_flags |= (addr_len - 1) << 26;
    if (s.mosi_dlen) {
      if (data_bits) write_reg(s.base + s.mosi_dlen, data_bits - 1);
      if (read_bits) write_reg(s.base + s.miso_dlen, read_bits - 1);
      if (len_flags) write_reg(s.base + s.usr1, len_flags);
    } else {
      len_flags |= (read_bits ? read_bits - 1 : 0) << 8 | (data_bits ? data_bits - 1 : 0) << 17;
      write_reg(s.base + s.usr1, len_flags);
    }
    std::uint32_t flags = 1u << 31;
    if (read_bits) flags |= 1u << 28;
    if (data_bits) flags |= 1u << 27;
    if (addr_len) flags |= 1u << 30;
    if (dummy_len) flags |= 1u << 29;
    write_reg(s.base + s.usr, flags);
    write_reg(s.base + s.usr2, (7u << 28) | command);
    if (addr_len) write_reg(s.addr(), s.addr_msb_aligned ? addr << (32 - addr_len) : addr);
    if (!data_bits) {
      write_reg(s.base + s.w0, 0);
    } else {
      data.resize((data.size() + 3) / 4 * 4, 0);
      for (std::size_t i = 0; i < data.size(); i += 4)
        write_reg(s.base + s.w0 + std::uint32_t(i),
                  data[i] | data[i + 1] << 8 | data[i + 2] << 16 | std::uint32_t(data[i + 3]) << 24);
    }
    write_reg(s.cmd(), kSpiCmdUsr);
    REQUIRE((read_reg(s.cmd()) & kSpiCmdUsr) == 0);
    return read_reg(s.base + s.w0);
  }
  std::uint32_t rdid() { return spi(kSpiFlashRdid, {}, 24); }
  std::uint32_t sfdp(std::uint32_t addr, std::uint32_t bits = 32) { return spi(0x5A, {}, bits, addr, 24, 8); }
  // esptool attach_flash with the ROM: SPI_ATTACH, or FLASH_BEGIN(0, 0) on the ESP8266.
  void attach() {
    if (c.rom.spi_attach) CHECK(response_status(one(Op::spi_attach, words({0, 0}))).ok());
    else CHECK(response_status(one(Op::flash_begin, words({0, 0, 0x1000, 0}))).ok());
  }
};

}  // namespace

TEST_CASE("sim flash: a raw command finds no device until the flash is attached, on every chip") {
  for (const ChipInfo& info : all_chips()) {
    CAPTURE(info.name);
    Host h(info.id);
    // ESP32-S2 / P4: the ROM attached it at boot (the P4 part espsim boots
    // by default has its flash powered).
    const std::uint32_t before = info.quirks.rom_attaches_flash_at_boot ? 0x1640EF : 0xFFFFFF;
    CHECK(h.rdid() == before);
    CHECK(h.sfdp(0) == (info.quirks.rom_attaches_flash_at_boot ? 0x50444653u : 0xFFFFFFFFu));
    h.attach();
    CHECK(h.rdid() == 0x1640EF);
    CHECK(h.sfdp(0) == 0x50444653);  // "SFDP"
  }
}

TEST_CASE("sim flash: the stub attaches the flash when it starts, no SPI_ATTACH needed") {
  for (auto id : {ChipId::esp8266, ChipId::esp32, ChipId::esp32s3}) {
    Host h(id);
    CHECK(h.rdid() == 0xFFFFFF);
    CHECK(response_status(h.one(Op::mem_begin, words({4, 1, 0x1800, 0x40100000}))).ok());
    Bytes blob{1, 2, 3, 4};
    Bytes d = words({4, 0, 0, 0});
    d.insert(d.end(), blob.begin(), blob.end());
    CHECK(response_status(h.one(Op::mem_data, d, checksum(blob))).ok());
    h.one(Op::mem_end, words({0, 0x40100004}));
    REQUIRE(h.dev.mode() == Device::Mode::stub);
    CHECK(h.rdid() == 0x1640EF);
  }
}

TEST_CASE("sim flash: SFDP header and basic flash parameter table, with the density of the configured size") {
  // ESP8266 (USR1-packed lengths, MSB-aligned address), ESP32 (DLEN
  // registers, MSB-aligned), ESP32-S3 (address not aligned).
  for (auto id : {ChipId::esp8266, ChipId::esp32, ChipId::esp32s3}) {
    for (std::uint32_t size : {2u << 20, 4u << 20, 16u << 20}) {
      CAPTURE(chip(id).name, size);
      Host h(id, size);
      h.attach();
      CHECK(h.sfdp(0) == 0x50444653);        // signature
      CHECK(h.sfdp(4) == 0xFF000105);        // revision 1.5, NPH 0 (one header), unused FF
      CHECK(h.sfdp(8) == 0x10010500);        // BFPT: id 00, revision 1.5, 16 DWORDs
      CHECK(h.sfdp(12) == 0xFF000080);       // pointer 0x80, id MSB FF
      CHECK(h.sfdp(0x80) == 0xFFF920E5);     // DWORD1: 4 KB erase with 20h
      CHECK(h.sfdp(0x84) == size * 8 - 1);   // DWORD2: density in bits - 1
      CHECK(h.sfdp(0x9C) == 0x520F200C);     // DWORD8: 4 KB 20h, 32 KB 52h
      CHECK((h.sfdp(0xA0) & 0xFFFF) == 0xD810);  // DWORD9: 64 KB D8h
      CHECK(h.sfdp(0x10, 8) == 0xFF);        // esptool's XMC check reads byte 0x10: not XMC (0x20)
      CHECK(h.sfdp(2, 16) == 0x5044);        // a partial read starts at its address
      CHECK(h.sfdp(0x100) == 0xFFFFFFFF);    // past the 256-byte area
    }
  }
  // Wrong dummy count: the data lands shifted (8 cycles expected, 16 sent:
  // the first byte, 'S', is clocked by before the host samples).
  Host h(ChipId::esp32);
  h.attach();
  CHECK(h.spi(0x5A, {}, 24, 0, 24, 16) == 0x504446);
}

TEST_CASE("sim flash: status registers read their bits, writes need write enable, unknown commands read all ones") {
  for (auto id : {ChipId::esp8266, ChipId::esp32c3}) {
    CAPTURE(chip(id).name);
    Host h(id);
    h.attach();
    CHECK(h.spi(0x05, {}, 8) == 0x00);
    CHECK(h.spi(0x35, {}, 8) == 0x00);
    CHECK(h.spi(0x15, {}, 8) == 0x00);
    // Without 06h / 50h a status write is ignored.
    h.spi(0x31, {0x02});
    CHECK(h.spi(0x35, {}, 8) == 0x00);
    h.spi(0x06);                               // WREN: WEL (S1)
    CHECK(h.spi(0x05, {}, 8) == 0x02);
    CHECK(h.spi(0x05, {}, 16) == 0x0202);      // read continuously
    h.spi(0x31, {0x02});                       // QE (S9)
    CHECK(h.spi(0x35, {}, 8) == 0x02);
    CHECK(h.spi(0x05, {}, 8) == 0x00);         // the write ended WEL
    h.spi(0x50);                               // volatile write enable, WEL stays 0
    CHECK(h.spi(0x05, {}, 8) == 0x00);
    h.spi(0x01, {0xFF});                       // only the writable bits (S2-S6) change
    CHECK(h.spi(0x05, {}, 8) == 0x7C);
    h.spi(0x06);
    h.spi(0x04);                               // WRDI
    h.spi(0x11, {0x60});
    CHECK(h.spi(0x15, {}, 8) == 0x00);
    // esptool write_status (2 bytes, WEVSR) then read_status, as
    // write_flash_status / read_flash_status do.
    h.spi(0x50);
    h.spi(0x01, {0x00, 0x02});
    h.spi(0x50);
    h.spi(0x31, {0x00});
    CHECK(h.spi(0x05, {}, 8) == 0x00);
    CHECK(h.spi(0x35, {}, 8) == 0x00);
    // A command the part does not answer: nothing drives MISO.
    CHECK(h.spi(0xF0, {}, 32) == 0xFFFFFFFF);
    CHECK(h.spi(0xF0, {}, 8) == 0xFF);
    // RDID past its three bytes.
    CHECK(h.spi(kSpiFlashRdid, {}, 32) == 0xFF1640EF);
  }
}

TEST_CASE("sim flash: a volatile status write (50h) is lost at the 66h/99h reset and at power off, a non-volatile one (06h) stays") {
  for (auto id : {ChipId::esp8266, ChipId::esp32, ChipId::esp32c3}) {
    CAPTURE(chip(id).name);
    Host h(id);
    h.attach();
    // esptool write_status(0x0200, 2, set_non_volatile=False): 50h before
    // the 16-bit 01h, and before each of 01h / 31h; 04h at the end.
    auto esptool_write_status = [&](std::uint16_t value, bool non_volatile) {
      const std::uint8_t enable = non_volatile ? 0x06 : 0x50;
      h.spi(enable);
      h.spi(0x01, {std::uint8_t(value), std::uint8_t(value >> 8)});
      h.spi(enable);
      h.spi(0x01, {std::uint8_t(value)});
      h.spi(enable);
      h.spi(0x31, {std::uint8_t(value >> 8)});
      h.spi(0x04);
    };
    esptool_write_status(0x0200, false);
    CHECK(h.spi(0x35, {}, 8) == 0x02);
    h.spi(0x66);
    h.spi(0x99);  // software reset (esptool attach_flash): volatile values gone
    CHECK(h.spi(0x35, {}, 8) == 0x00);
    esptool_write_status(0x0200, true);
    h.spi(0x66);
    h.spi(0x99);
    CHECK(h.spi(0x35, {}, 8) == 0x02);
    // 99h without 66h right before it is no reset.
    esptool_write_status(0x0000, false);
    CHECK(h.spi(0x35, {}, 8) == 0x00);
    h.spi(0x66);
    h.spi(0x05, {}, 8);
    h.spi(0x99);
    CHECK(h.spi(0x35, {}, 8) == 0x00);
    h.spi(0x66);
    h.spi(0x99);
    CHECK(h.spi(0x35, {}, 8) == 0x02);
  }
}

TEST_CASE("sim flash: 01h with two data bytes writes status registers 1 and 2, and power off keeps only the non-volatile bits") {
  SpiNorFlash nor;
  auto run = [&](std::uint8_t command, std::vector<std::uint8_t> mosi = {}) {
    SpiTransaction t;
    t.command = command;
    t.mosi_bits = std::uint32_t(mosi.size() * 8);
    t.mosi = std::move(mosi);
    nor.transact(t, 0x1840EF, 16u << 20);
  };
  run(0x06);
  run(0x01, {0x1C, 0x02});  // BP2..BP0, QE
  CHECK(nor.status(0) == 0x1C);
  CHECK(nor.status(1) == 0x02);
  CHECK(nor.non_volatile_status(1) == 0x02);
  run(0x50);
  run(0x31, {0x00});
  CHECK(nor.status(1) == 0x00);
  CHECK(nor.non_volatile_status(1) == 0x02);
  nor.power_cycle();
  CHECK(nor.status(0) == 0x1C);
  CHECK(nor.status(1) == 0x02);
  // LB1 (S11) is OTP: once set, neither kind of write clears it.
  run(0x06);
  run(0x31, {0x0A});
  run(0x06);
  run(0x31, {0x02});
  CHECK(nor.status(1) == 0x0A);
}
